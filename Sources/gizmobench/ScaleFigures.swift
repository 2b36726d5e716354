/// What one `gizmobench scale` run measured: the machine's limits before it,
/// a row per step, and the limit that ended it (the JSON file holds this).
struct ScaleFigures: Codable {
    /// What the server and the client hold after a step.
    struct Step: Codable {
        var sessions: Int
        /// Seconds to open the step's sessions (entry URL to render, each),
        /// and how many a second.
        var openSeconds: Double
        var opensPerSecond: Double
        var serverRssKib: Int
        /// RSS over the baseline (after the warm-up sessions), per session above them.
        var kibPerSession: Double
        /// RSS growth of this step over the sessions it added.
        var stepKibPerSession: Double?
        var serverFiles: Int
        var clientFiles: Int
        var clientRssKib: Int
        var memAvailableKib: Int
        /// Server CPU over an idle window after the step, in % of one core:
        /// what the held sessions cost while nothing happens.
        var idleCpuPercent: Double?
        /// Held sessions whose socket has closed (the server ended them, or a
        /// ping went unanswered).
        var lostSockets: Int
        /// Probes answered of those sent, and their slowest round trip (ms).
        var probesAnswered: Int
        var probesSent: Int
        var probeMaxMs: Double?
        /// Why the first unanswered probe failed.
        var probeFailure: String?
    }

    var schema = 1
    var date: String
    var machine: Figures.Machine
    var target: Int
    var step: Int
    var addresses: Int
    var script: String
    /// Sessions opened and held before the baseline was read.
    var warmup: Int
    var baselineRssKib: Int
    var clientFileLimit: FileLimit
    var serverFileLimit: FileLimit?
    /// The kernel settings read before the run (`fs.file-max`, ...).
    var kernel: [String: String]
    var steps: [Step]
    /// Sessions held when the run ended.
    var held: Int
    /// The limit that ended the run, and what it means.
    var limit: String
    var explanation: String
}
