import Foundation

/// What a script may reach beyond its own folder, its data folder and its
/// page: the programs it may start, the paths it may read or follow, the
/// hosts `gz.fetch` may call, and whether it may signal processes the server
/// did not start. Nothing is granted by default; each grant is named on the
/// command line (`--allow-run=python3`) or in the environment
/// (`GIZMO_ALLOW_RUN=python3`), as Deno grants permissions to its scripts.
///
/// Every check answers nil (allowed) or the refusal to raise at the
/// script's line, which names the flag that would grant the call.
public struct Grants: Sendable, Equatable {
    /// Everything (`--allow-all`).
    public var all: Bool
    /// Program names (matched against argv[0], and against what the name
    /// resolves to on PATH) and absolute paths of programs.
    public var run: [String]
    /// Absolute paths of files and folders (a folder grants what is inside it).
    public var read: [String]
    /// Hosts, each with a port or any port.
    public var net: [NetGrant]
    /// Signalling processes the server did not start (`gz.process`).
    public var signal: Bool

    public struct NetGrant: Sendable, Equatable, CustomStringConvertible {
        /// Lower-cased host name or IP address (IPv6 without brackets).
        public var host: String
        /// nil for any port.
        public var port: Int?

        public init(host: String, port: Int? = nil) {
            self.host = host.lowercased()
            self.port = port
        }

        public var description: String {
            let host = self.host.contains(":") ? "[\(self.host)]" : self.host
            return port.map { "\(host):\($0)" } ?? host
        }
    }

    public init(all: Bool = false, run: [String] = [], read: [String] = [], net: [NetGrant] = [], signal: Bool = false) {
        self.all = all
        self.run = run
        self.read = read
        self.net = net
        self.signal = signal
    }

    /// Nothing granted: the default.
    public static let none = Grants()
    /// Everything granted (`--allow-all`).
    public static let everything = Grants(all: true)

    /// Nothing is granted.
    public var isEmpty: Bool { self == .none }

    // MARK: Checks

    /// Whether a script may start `program` (argv[0] as the script gave it).
    /// - Parameters:
    ///   - api: the Lua function asking, to begin the message (`gz.spawn`).
    ///   - searchPath: the PATH a bare name is looked up on.
    ///   - directory: what a relative path with a slash (`./job.sh`) is
    ///     relative to, as exec would take it from the working directory;
    ///     without one such a path is refused.
    public func refusalToRun(_ program: String, api: String, searchPath: String?, directory: String? = nil) -> String? {
        if all { return nil }
        let resolved = Self.executable(program, searchPath: searchPath, directory: directory)
        for grant in run {
            if grant == program && !program.contains("/") { return nil }
            if let resolved, let granted = Self.executable(grant, searchPath: searchPath), granted == resolved { return nil }
        }
        let flag = program.contains("/") ? (resolved ?? program) : program
        return "\(api): running \"\(program)\" is not allowed; start gizmolua with --allow-run=\(flag)"
    }

    /// Whether a script may read or follow the file at `path` (an absolute
    /// path; `..` and symbolic links are resolved before the check).
    public func refusalToRead(_ path: String, api: String) -> String? {
        if all { return nil }
        let wanted = Self.resolved(path)
        for grant in read {
            let granted = Self.resolved(grant)
            if wanted == granted || granted == "/" || wanted.hasPrefix(granted + "/") { return nil }
        }
        return "\(api): reading \"\(path)\" is not allowed; start gizmolua with --allow-read=\(wanted)"
    }

    /// Whether `gz.fetch` may call `host` on `port`.
    public func refusalToReach(host: String, port: Int, api: String) -> String? {
        if all { return nil }
        let host = host.lowercased()
        for grant in net where grant.host == host && (grant.port == nil || grant.port == port) { return nil }
        let named = NetGrant(host: host, port: port)
        return "\(api): reaching \"\(named)\" is not allowed; start gizmolua with --allow-net=\(named)"
    }

    /// Whether a script may signal process `pid`, which the server did not start.
    public func refusalToSignal(pid: Int32, api: String) -> String? {
        if all || signal { return nil }
        return "\(api): signalling process \(pid), which gizmolua did not start, is not allowed; start gizmolua with --allow-signal"
    }

    // MARK: Naming

    /// One line per grant, for the entry page and the log: `run: python3, sh`.
    public var summary: [String] {
        if all { return ["all: everything (--allow-all)"] }
        var lines: [String] = []
        if !run.isEmpty { lines.append("run: " + run.joined(separator: ", ")) }
        if !read.isEmpty { lines.append("read: " + read.joined(separator: ", ")) }
        if !net.isEmpty { lines.append("net: " + net.map(\.description).joined(separator: ", ")) }
        if signal { lines.append("signal: processes gizmolua did not start") }
        return lines
    }

    // MARK: Paths

    /// `program`'s absolute, symlink-resolved path: as given when it has a
    /// slash, else the first executable of that name on `searchPath`, when
    /// it is an executable file.
    /// A relative path with a slash is relative to `directory` (nil without one).
    public static func executable(_ program: String, searchPath: String?, directory: String? = nil) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") {
            var path = program
            if !path.hasPrefix("/") {
                guard let directory, directory.hasPrefix("/") else { return nil }
                path = directory + "/" + path
            }
            return FileManager.default.isExecutableFile(atPath: path) ? resolved(path) : nil
        }
        for folder in (searchPath ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return resolved(candidate) }
        }
        return nil
    }

    /// `path` with `.`, `..` and symbolic links resolved.
    public static func resolved(_ path: String) -> String {
        URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
    }
}
