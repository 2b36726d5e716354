import Foundation

/// A program to start, checked: where it is, its arguments, its
/// environment, its folder, and whether its lines are wanted.
///
/// Every value comes from a script, so each is bounded here, where it enters:
/// ``check(arguments:)`` and ``environment(adding:server:)`` answer the message
/// a script sees.
public struct ProgramLaunch: Sendable {
    /// The program's absolute path (found on PATH, symbolic links kept, so
    /// that a program that reads its own name sees the one it was given);
    /// for a stand-in the test harness scripted, argv[0] as the script gave it.
    public var program: String
    /// argv[1...].
    public var arguments: [String]
    public var environment: [String: String]
    public var workingDirectory: String
    /// Whether the state reads its lines (`on_line`); without, they are dropped.
    public var keepsLines: Bool
    /// Whether the script writes to its input (`stdin = true`); without, the
    /// program's input is empty.
    public var takesInput: Bool

    public init(program: String, arguments: [String], environment: [String: String], workingDirectory: String,
                keepsLines: Bool, takesInput: Bool) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.workingDirectory = workingDirectory
        self.keepsLines = keepsLines
        self.takesInput = takesInput
    }

    // MARK: Bounds

    /// The most items of argv (Linux takes more; a script that needs more is mistaken).
    public static let maxArguments = 4096
    /// The most bytes of argv, all items together (Linux's own limit is about 2 MiB with the environment).
    public static let maxArgumentBytes = 512 << 10
    /// The most variables `opts.env` may add.
    public static let maxVariables = 256
    /// The most bytes of `opts.env`, names and values together.
    public static let maxVariableBytes = 128 << 10

    /// nil when argv (already strings without NUL) is within bounds, else why not.
    public static func check(arguments argv: [String]) -> String? {
        if argv.isEmpty { return "gz.spawn: argument #1 must be a list of strings with the program first, not an empty list" }
        if argv.count > maxArguments {
            return "gz.spawn: argv has \(argv.count) items; at most \(maxArguments) are allowed"
        }
        let bytes = argv.reduce(0) { $0 + $1.utf8.count + 1 }
        if bytes > maxArgumentBytes {
            return "gz.spawn: argv holds \(bytes >> 10) KiB; at most \(maxArgumentBytes >> 10) KiB are allowed"
        }
        if argv[0].isEmpty { return "gz.spawn: the program (argv[1]) is an empty string" }
        return nil
    }

    /// The variables a program starts with: the server's PATH, HOME, LANG
    /// (C.UTF-8 when it has none) and TZ, never its others (GIZMO_TOKEN is a
    /// secret), plus `extra`; or why `extra` is refused.
    public static func environment(adding extra: [(String, String)],
                                   server: [String: String] = ProcessInfo.processInfo.environment)
        -> Result<[String: String], LaunchFailure> {
        var environment: [String: String] = [
            "PATH": server["PATH"].flatMap { $0.isEmpty ? nil : $0 } ?? defaultPath,
            "LANG": server["LANG"].flatMap { $0.isEmpty ? nil : $0 } ?? "C.UTF-8",
        ]
        if let home = server["HOME"], !home.isEmpty { environment["HOME"] = home }
        if let zone = server["TZ"], !zone.isEmpty { environment["TZ"] = zone }
        if extra.count > maxVariables {
            return .failure(LaunchFailure("gz.spawn: env has \(extra.count) variables; at most \(maxVariables) are allowed"))
        }
        var bytes = 0
        for (name, value) in extra {
            guard isVariableName(name) else {
                return .failure(LaunchFailure("gz.spawn: env: \"\(String(name.prefix(64)))\" is not a variable name "
                    + "(letters, digits and '_', not starting with a digit)"))
            }
            guard !value.utf8.contains(0) else {
                return .failure(LaunchFailure("gz.spawn: env: the value of \(name) holds a NUL byte"))
            }
            bytes += name.utf8.count + value.utf8.count + 2
            guard bytes <= maxVariableBytes else {
                return .failure(LaunchFailure("gz.spawn: env holds more than \(maxVariableBytes >> 10) KiB, the most allowed"))
            }
            environment[name] = value
        }
        return .success(environment)
    }

    static let defaultPath = "/usr/local/bin:/usr/bin:/bin"

    /// `[A-Za-z_][A-Za-z0-9_]*`, at most 256 bytes.
    public static func isVariableName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 256, !(0x30...0x39).contains(first) else { return false }
        return bytes.allSatisfy { $0 == 0x5F || (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }
    }

    /// `program`'s absolute path: as given when it is absolute, relative to
    /// `directory` when it has a slash (`./job.sh`, as exec takes it), else
    /// the first executable of that name on `searchPath`. Symbolic links are
    /// kept (the grant check resolves them itself).
    public static func resolve(_ program: String, searchPath: String?, directory: String? = nil) -> String? {
        guard !program.isEmpty else { return nil }
        if program.contains("/") {
            var path = program
            if !path.hasPrefix("/") {
                guard let directory, directory.hasPrefix("/") else { return nil }
                path = URL(fileURLWithPath: directory).appendingPathComponent(program).standardizedFileURL.path
            }
            return isExecutableFile(path) ? path : nil
        }
        for folder in (searchPath ?? defaultPath).split(separator: ":") where folder.hasPrefix("/") {
            let candidate = "\(folder)/\(program)"
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) && !isFolder.boolValue
            && FileManager.default.isExecutableFile(atPath: path)
    }
}

/// Why a program was not started, in words for the script.
public struct LaunchFailure: Error, Equatable, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
}
