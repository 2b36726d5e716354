/// H5Gizmos' figures beside gizmolua's, as ratios (H5Gizmos' over
/// gizmolua's: how many times slower or bigger H5Gizmos is).
struct SideBySide: Codable {
    struct Ratios: Codable {
        /// p50 over p50.
        var sessionStart: Double
        /// p50 over p50, of one session's round trips.
        var roundTrip: Double
        /// H5Gizmos' RSS per session over gizmolua's RSS growth per session.
        var memoryPerSession: Double
        /// p50 over p50 of hello_env's first paint in Chromium; nil when either was not measured.
        var firstPaint: Double?
    }

    var h5gizmos: H5GizmosFigures
    var ratios: Ratios

    init(h5gizmos: H5GizmosFigures, sessionStartMs: Stats, roundTripMs: Stats, memory: MemoryFigures, firstPaintMs: Stats?) {
        self.h5gizmos = h5gizmos
        var firstPaint: Double?
        if let theirs = h5gizmos.firstPaintMs, let ours = firstPaintMs { firstPaint = theirs.p50 / ours.p50 }
        ratios = Ratios(sessionStart: h5gizmos.sessionStartMs.p50 / sessionStartMs.p50,
                        roundTrip: h5gizmos.roundTripMs.p50 / roundTripMs.p50,
                        memoryPerSession: h5gizmos.memory.perSessionKib / memory.perSessionKib,
                        firstPaint: firstPaint)
    }
}
