import Foundation

/// A `gizmolua serve` process under test: the real binary, spawned with
/// Foundation's Process, its output in files of the bench folder.
final class ServerProcess {
    let process: Process
    let port: Int
    let log: URL

    private init(process: Process, port: Int, log: URL) {
        self.process = process
        self.port = port
        self.log = log
    }

    /// Starts `gizmolua serve FOLDER --port 0 ARGUMENTS` and waits for its
    /// ` GIZMO_LINK: http://...:PORT/ ` line.
    /// - Parameter environment: the server's whole environment; nil: the bench's.
    static func start(binary: URL, folder: BenchFolder, name: String, arguments: [String],
                      environment: [String: String]? = nil, timeout: Duration = .seconds(20)) async throws -> ServerProcess {
        let output = folder.logs.appending(path: "\(name).out")
        let log = folder.logs.appending(path: "\(name).log")
        let process = try spawn(binary: binary, arguments: ["serve", folder.served.path, "--port", "0"] + arguments,
                                output: output, log: log, exactly: environment)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let port = linkPort(text) { return ServerProcess(process: process, port: port, log: log) }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(2))
        }
        process.terminate()
        let errors = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw BenchError("gizmolua serve printed no GIZMO_LINK line:\n\(errors.suffix(2000))")
    }

    /// Exec to the first accepted TCP connection: spawns `gizmolua serve` on a
    /// free port and polls connect() until the server listens; then stops it.
    static func timeToAccept(binary: URL, folder: BenchFolder) throws -> Duration {
        let port = try freePort()
        let clock = ContinuousClock()
        let start = clock.now
        let process = try spawn(binary: binary, arguments: ["serve", folder.served.path, "--port", String(port)],
                                output: folder.logs.appending(path: "startup.out"),
                                log: folder.logs.appending(path: "startup.log"))
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        while clock.now - start < .seconds(10) {
            if canConnect(port: port) { return clock.now - start }
            guard process.isRunning else { throw BenchError("gizmolua serve exited during start-up (see startup.log)") }
            usleep(100)
        }
        throw BenchError("gizmolua serve did not accept a connection within 10 s")
    }

    /// VmRSS of the server from /proc, in KiB.
    func residentKiB() throws -> Int {
        try ProcFS.statusKiB(process.processIdentifier, "VmRSS")
    }

    /// SIGTERM, then wait for the graceful shutdown.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// SIGTERM, then wait for the exit up to `timeout`; past it, SIGKILL.
    /// - Returns: SIGTERM to exit, or nil when it had to be killed.
    func stop(within timeout: Duration) -> Duration? {
        guard process.isRunning else { return .zero }
        let clock = ContinuousClock()
        let start = clock.now
        process.terminate()
        while process.isRunning && clock.now - start < timeout { usleep(200) }
        guard process.isRunning else { return clock.now - start }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        return nil
    }

    /// The variables that would change how the measured server answers (a
    /// token it asks for, another port or link): the bench's own process
    /// may have them (a test that set one, a shell), its servers never.
    static let serverSettings: [String: String?] = [
        "GIZMO_USE_PORT": nil, "GIZMO_TOKEN": nil, "GIZMO_LINK_PREFIX": nil, "GIZMO_USE_SERVER_ADDRESS": nil,
        "GIZMO_STORE_URL": nil,
    ]

    /// Runs `binary` with stdout and stderr to files, stdin empty, and the
    /// environment of the bench changed by `environment` (nil: unset), or
    /// `exactly` that environment.
    static func spawn(binary: URL, arguments: [String], output: URL, log: URL,
                      environment changes: [String: String?] = serverSettings,
                      exactly: [String: String]? = nil) throws -> Process {
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        for (name, value) in changes { environment[name] = value }
        process.environment = exactly ?? environment
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: output)
        process.standardError = try FileHandle(forWritingTo: log)
        try process.run()
        return process
    }

    /// The port of the ` GIZMO_LINK: http://host:PORT/ ` line, once printed.
    static func linkPort(_ output: String) -> Int? {
        guard let line = output.split(separator: "\n").first(where: { $0.contains("GIZMO_LINK:") }),
              let link = line.split(separator: " ").last.flatMap({ URL(string: String($0)) })
        else { return nil }
        return link.port
    }

    /// A port nothing listens on now (the kernel's pick for port 0).
    static func freePort() throws -> Int {
        let (fd, port) = try boundLoopbackSocket()
        close(fd)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on the kernel's pick of a port; the
    /// caller closes it (or listens on it).
    static func boundLoopbackSocket() throws -> (fd: Int32, port: Int) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket() failed") }
        var address = loopback(port: 0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            close(fd)
            throw BenchError("could not bind a loopback port")
        }
        return (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    static func canConnect(port: Int) -> Bool {
        guard let fd = connectedLoopbackSocket(port: port) else { return false }
        close(fd)
        return true
    }

    /// A TCP socket connected to 127.0.0.1:`port`, or nil; the caller closes it.
    static func connectedLoopbackSocket(port: Int) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var address = loopback(port: port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            return nil
        }
        return fd
    }

    static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = UInt16(port).bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        return address
    }
}
