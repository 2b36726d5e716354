"""gizmobench's gizmos for H5Gizmos: the counterparts of the Lua scripts it
times under `gizmolua serve`, launched here by H5Gizmos' GizmoLink."""
