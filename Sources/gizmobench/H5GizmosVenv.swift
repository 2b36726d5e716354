import Foundation

/// The throwaway venv of the side-by-side run (`make bench-h5gizmos`):
/// H5Gizmos from PyPI and the bench's own `bench_h5` package
/// (Sources/gizmobench/h5gizmos), whose gizmos GizmoLink launches.
struct H5GizmosVenv {
    static let defaultPath = ".build/bench-h5gizmos/venv"

    let root: URL
    /// The installed H5Gizmos version, from its dist-info folder.
    let version: String

    var python: URL { root.appending(path: "bin/python") }
    var bin: URL { root.appending(path: "bin") }

    /// Checks that the venv holds H5Gizmos and bench_h5; if not, the error
    /// is one line that says how to make it.
    init(root: URL) throws {
        self.root = root
        let manager = FileManager.default
        let sitePackages = ((try? manager.contentsOfDirectory(atPath: root.appending(path: "lib").path)) ?? [])
            .filter { $0.hasPrefix("python") }
            .map { root.appending(path: "lib/\($0)/site-packages") }
        let installed = sitePackages.flatMap { (try? manager.contentsOfDirectory(atPath: $0.path)) ?? [] }
        let distInfo = installed.first { $0.lowercased().hasPrefix("h5gizmos-") && $0.hasSuffix(".dist-info") }
        guard manager.isExecutableFile(atPath: root.appending(path: "bin/python").path),
              manager.isExecutableFile(atPath: root.appending(path: "bin/gizmo_script").path),
              installed.contains("bench_h5"), let distInfo
        else {
            throw BenchError("no H5Gizmos venv with bench_h5 at \(root.path): make it with `make bench-h5gizmos`, "
                + "or pass --no-h5gizmos to skip the side by side")
        }
        version = String(distInfo.dropFirst("h5gizmos-".count).dropLast(".dist-info".count))
    }
}
