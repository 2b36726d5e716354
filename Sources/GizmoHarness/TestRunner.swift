import Foundation
import GizmoLua
import GizmoStore
import GizmoServer
import Logging

/// `gizmolua test`: finds the `*_test.lua` files under the paths, runs each
/// test with a fresh ``HarnessWorld``, and writes one line per test and a
/// closing count. Blocking: run it on a thread of its own (the harness's
/// sessions run on Swift's concurrency pool meanwhile).
public final class TestRunner {
    public struct Summary: Sendable {
        public var passed = 0
        public var failed = 0
    }

    private let limits: SessionLimits
    private let serviceLimits: SessionLimits
    private let storeLimits: StoreLimits
    private let logger: Logger
    private let output: (String) -> Void

    /// - Parameters:
    ///   - limits: the command line's limits and grants for every session.
    ///   - output: takes each line of the report.
    public init(limits: SessionLimits, serviceLimits: SessionLimits, storeLimits: StoreLimits = .init(), logger: Logger,
                output: @escaping (String) -> Void) {
        self.storeLimits = storeLimits
        self.limits = limits
        self.serviceLimits = serviceLimits
        self.logger = logger
        self.output = output
    }

    /// The suffix that makes a Lua file a test file.
    public static let suffix = Catalog.testSuffix

    /// Runs every test file under `paths` (files or folders, searched
    /// recursively; hidden folders and `.build` are skipped).
    public func run(paths: [String]) -> Summary {
        let started = Date()
        var summary = Summary()
        let files: [TestFile.Location]
        do {
            files = try Self.testFiles(in: paths)
        } catch {
            output(error.message)
            summary.failed = 1
            return summary
        }
        if files.isEmpty {
            output("no test files (*\(Self.suffix)) under \(paths.joined(separator: ", "))")
        }
        for location in files {
            TestFile(location: location, limits: limits, serviceLimits: serviceLimits, storeLimits: storeLimits, logger: logger, output: output).run(into: &summary)
        }
        let seconds = String(format: "%.1f", Date().timeIntervalSince(started))
        output("\(summary.passed) passed, \(summary.failed) failed (\(seconds) s)")
        return summary
    }

    static func testFiles(in paths: [String]) throws(HarnessError) -> [TestFile.Location] {
        var found: [TestFile.Location] = []
        let manager = FileManager.default
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw HarnessError("gizmolua test: \(path): no such file or folder")
            }
            if !isFolder.boolValue {
                guard path.hasSuffix(".lua") else { throw HarnessError("gizmolua test: \(path) is not a Lua file") }
                found.append(.init(url: URL(fileURLWithPath: path).standardizedFileURL, displayPath: path))
                continue
            }
            let root = URL(fileURLWithPath: path, isDirectory: true)
            guard let walker = manager.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey],
                                                  options: [.skipsHiddenFiles]) else { continue }
            var inFolder: [TestFile.Location] = []
            for case let url as URL in walker {
                if url.lastPathComponent == ".build" || url.lastPathComponent == "node_modules" {
                    walker.skipDescendants()
                    continue
                }
                guard url.lastPathComponent.hasSuffix(Self.suffix) else { continue }
                let relative = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count))
                    .trimmingCharacters(in: CharacterSet(charactersIn: "/"))
                let shown = path == "." ? relative : (path as NSString).appendingPathComponent(relative)
                inFolder.append(.init(url: url.standardizedFileURL, displayPath: shown))
            }
            found += inFolder.sorted { $0.displayPath < $1.displayPath }
        }
        return found
    }
}
