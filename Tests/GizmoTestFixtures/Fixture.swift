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
