import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Why a `gizmobench scale` ramp ended: its target, or the first limit it met,
/// named so that the table says which one to raise.
enum ScaleStop: Sendable, Equatable {
    case target
    /// MemAvailable fell below the floor: the bench stopped before the OOM killer would.
    case memoryFloor(availableKiB: Int, floorKiB: Int)
    /// This process ran out of descriptors (EMFILE) at its RLIMIT_NOFILE.
    case clientFiles(limit: Int)
    /// The whole system ran out of descriptors (ENFILE, fs.file-max).
    case systemFiles
    /// connect() found no free port for a source address (EADDRNOTAVAIL).
    case ports
    /// The server holds as many descriptors as its RLIMIT_NOFILE lets it: it
    /// can accept no more connections (they wait in the listen backlog).
    case serverFiles(open: Int, limit: Int)
    /// The entry URL answered 503: the server's --max-sessions.
    case serverMaxSessions
    /// The WebSocket upgrade was answered with something else than 101.
    case upgradeRefused(String)
    /// The server is gone (the OOM killer's SIGKILL, most likely, if signal 9).
    case serverExited(String)
    /// Anything else, as the error says it.
    case failed(String)

    /// Whether the sessions already held stay (a limit on new ones), so
    /// holding them on still says something.
    var leavesSessionsHeld: Bool {
        switch self {
        case .target, .memoryFloor, .clientFiles, .systemFiles, .ports, .serverFiles, .serverMaxSessions: true
        case .upgradeRefused, .serverExited, .failed: false
        }
    }

    /// The limit in a few words, for the table and the JSON file.
    var limit: String {
        switch self {
        case .target: "none: the target was reached"
        case .memoryFloor: "memory floor (MemAvailable)"
        case .clientFiles: "the client's RLIMIT_NOFILE"
        case .systemFiles: "fs.file-max (ENFILE)"
        case .ports: "ephemeral ports of a source address (EADDRNOTAVAIL)"
        case .serverFiles: "the server's RLIMIT_NOFILE"
        case .serverMaxSessions: "the server's --max-sessions (503)"
        case .upgradeRefused: "the WebSocket upgrade was refused"
        case .serverExited: "the server exited"
        case .failed: "an error"
        }
    }

    /// What happened and what to do about it.
    var explanation: String {
        switch self {
        case .target:
            "every session asked for is held"
        case .memoryFloor(let available, let floor):
            "MemAvailable is \(available / 1024) MiB, below the floor of \(floor / 1024) MiB: stopped before the machine "
                + "runs out (--memory-floor-gib to change)"
        case .clientFiles(let limit):
            "this process would hold more descriptors than its limit of \(limit) (keeping \(ScaleRamp.clientReserve) for its "
                + "own use): raise its hard limit (ulimit -Hn, as root), or run on a machine that allows more"
        case .systemFiles:
            "the system's table of open files is full: raise fs.file-max (sysctl)"
        case .ports:
            "a source address has no ephemeral port left: use more --addresses, or widen net.ipv4.ip_local_port_range"
        case .serverFiles(let open, let limit):
            "the server holds \(open) descriptors against its limit of \(limit) and accepts no more: start it with a "
                + "higher RLIMIT_NOFILE (ulimit -n, LimitNOFILE=, podman --ulimit nofile=)"
        case .serverMaxSessions:
            "the server refused a new session (503): raise --max-sessions"
        case .upgradeRefused(let detail):
            "the server refused the page's WebSocket: \(detail)"
        case .serverExited(let detail):
            detail
        case .failed(let detail):
            detail
        }
    }

    /// The limit an error from opening a session shows, if it names one:
    /// EMFILE, ENFILE and EADDRNOTAVAIL wherever NIO or the HTTP client
    /// wrapped them, a refused upgrade.
    static func limit(in error: any Error) -> ScaleStop? {
        if let errno = errnoCode(of: error) {
            switch errno {
            case EMFILE: return .clientFiles(limit: FileLimit.current.soft)
            case ENFILE: return .systemFiles
            case EADDRNOTAVAIL, EADDRINUSE: return .ports
            default: return nil
            }
        }
        if let upgrade = error as? NIOHTTPClientUpgradeError {
            return .upgradeRefused("\(upgrade)")
        }
        return nil
    }

    /// The errno under an error, through NIO's and the HTTP client's wrappers.
    static func errnoCode(of error: any Error) -> Int32? {
        switch error {
        case let error as IOError:
            return error.errnoCode
        case let error as NIOConnectionError:
            return error.connectionErrors.lazy.compactMap { errnoCode(of: $0.error) }.first
        default:
            // AsyncHTTPClient passes NIO's errors on as they are, or says them in its own.
            let text = String(describing: error)
            for (code, name) in [(EMFILE, "EMFILE"), (ENFILE, "ENFILE"), (EADDRNOTAVAIL, "EADDRNOTAVAIL")]
            where text.contains("errno: \(code))") || text.contains(name) {
                return code
            }
            return nil
        }
    }
}
