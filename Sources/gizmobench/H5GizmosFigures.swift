/// What the side-by-side run measured of H5Gizmos, through its GizmoLink.
struct H5GizmosFigures: Codable {
    /// Memory of idle sessions: the processes GizmoLink launched for them,
    /// and GizmoLink's own growth.
    struct Memory: Codable {
        var sessions: Int
        var script: String
        /// The processes below GizmoLink while the sessions were live: for
        /// each session a shell (`sh -c "gizmo_script M/S"`) and its Python.
        var processes: Int
        var processesRssKib: Int
        /// The anonymous part of their RSS (heap, stacks: never shared).
        var processesRssAnonKib: Int
        /// Their proportional set size: pages shared between them (the
        /// interpreter, libraries) split between the processes that map them.
        var processesPssKib: Int
        var gizmoLinkRssBeforeKib: Int
        var gizmoLinkRssAfterKib: Int
        /// (RSS of the processes + GizmoLink's RSS growth) / sessions.
        var perSessionKib: Double
        /// The same with PSS in place of RSS.
        var perSessionPssKib: Double

        init(sessions: Int, script: String, processes: Int, rss: Int, rssAnon: Int, pss: Int,
             gizmoLinkBefore: Int, gizmoLinkAfter: Int) {
            self.sessions = sessions
            self.script = script
            self.processes = processes
            processesRssKib = rss
            processesRssAnonKib = rssAnon
            processesPssKib = pss
            gizmoLinkRssBeforeKib = gizmoLinkBefore
            gizmoLinkRssAfterKib = gizmoLinkAfter
            let sessions = Double(max(sessions, 1))
            perSessionKib = Double(rss + gizmoLinkAfter - gizmoLinkBefore) / sessions
            perSessionPssKib = Double(pss + gizmoLinkAfter - gizmoLinkBefore) / sessions
        }
    }

    var version: String
    /// Entry URL requested to the start probe received, through GizmoLink.
    var sessionStartMs: Stats
    /// Click callback sent to the update packet received, through GizmoLink's proxy.
    var roundTripMs: Stats
    /// The same straight to the gizmo's own port, for the proxy's share.
    var roundTripDirectMs: Stats
    var memory: Memory
    /// hello_env's entry URL (GizmoLink's start page, which launches the gizmo
    /// and then sends the browser to its page) until "Goodbye." is painted, in
    /// headless Chromium, measured as gizmolua's first paint; nil when that row was skipped.
    var firstPaintMs: Stats?
}
