import Foundation

/// The gizmo scripts of the browser tests (Tests/e2e/gizmos), shared so a
/// behaviour is described once for every kind of test.
public enum Fixture {
    public static func gizmo(_ name: String, file: String = #filePath) -> String {
        let folder = URL(fileURLWithPath: file).deletingLastPathComponent().deletingLastPathComponent()  // Tests/
        let url = folder.appendingPathComponent("e2e/gizmos/\(name)")
        guard let data = FileManager.default.contents(atPath: url.path) else {
            fatalError("missing test gizmo \(url.path)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A folder of files made for one test, removed when the value is released.
public final class TemporaryFolder: @unchecked Sendable {
    public let url: URL

    public init() {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("gizmolua-test-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }

    public var path: String { url.path }

    /// Writes `text` at `relativePath`, making the folders on the way.
    @discardableResult
    public func write(_ relativePath: String, _ text: String) -> URL {
        let file = url.appendingPathComponent(relativePath)
        try! FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try! Data(text.utf8).write(to: file)
        return file
    }

    /// Makes `relativePath` a symbolic link to `destination` (as written:
    /// relative to the link's folder, or absolute), replacing what was there.
    public func link(_ relativePath: String, to destination: String) {
        let link = url.appendingPathComponent(relativePath)
        try? FileManager.default.removeItem(at: link)
        try! FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: destination)
    }
}

/// Polls `condition` until it holds or `seconds` pass: tests wait on events,
/// with a deadline generous enough for a loaded machine, and never time them.
/// - Returns: whether it held.
public func eventually(seconds: Double = 30, _ condition: () async -> Bool) async throws -> Bool {
    let deadline = ContinuousClock.now + .seconds(seconds)
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try await Task.sleep(for: .milliseconds(5))
    }
    return await condition()
}
