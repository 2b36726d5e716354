// LogText lives in GizmoWatch (the file watcher logs with it, and GizmoLua
// uses the watcher for gz.tail); GizmoLua's users keep finding it here.
@_exported import GizmoWatch
