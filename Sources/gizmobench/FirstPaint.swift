import Foundation

/// First paint in headless Chromium: the entry URL of hello_env until
/// "Goodbye." is painted, against the same document as a static file.
struct FirstPaintFigures: Codable {
    /// Rounds measured, each opening the gizmo's page, then the static copy;
    /// after `warmupRounds` unrecorded.
    var rounds: Int
    var warmupRounds: Int
    /// Chromium's version, as chromedriver reports it.
    var browser: String
    /// The text whose first paint is timed.
    var text: String
    /// The entry URL (`/?module=bench&script=hello_env`, its 303 included)
    /// from the navigation's start until a frame has been rendered with the text.
    var gizmoMs: Stats
    /// The same until the text was in the DOM (before that frame).
    var gizmoInDomMs: Stats
    /// The static copy served by the bench (``StaticFloor``), timed the same way.
    var staticMs: Stats
    var staticInDomMs: Stats
    /// The child page's size as served, and the static copy's (its scripts removed).
    var childPageBytes: Int
    var staticBytes: Int
    /// The gizmo's p50 over the static copy's: issue 16's budget is 1.2.
    var ratio: Double
}

/// `Sources/gizmobench/firstpaint/first_paint.py`, run with a Python that has
/// selenium (the tests' `.venv`, `make test-deps`): it drives Debian's
/// chromium through chromedriver and writes what it measured as JSON.
struct FirstPaintHelper {
    static let scriptPath = "Sources/gizmobench/firstpaint/first_paint.py"
    static let defaultPython = ".venv/bin/python"
    static let text = "Goodbye."

    /// What `first_paint.py measure --json` writes.
    struct Run: Decodable {
        struct Page: Decodable {
            var url: String
            var ms: [Double]
            var inDomMs: [Double]
            /// 2 when a page's script sent the browser to another document (H5Gizmos' start page).
            var documents: Int
            var redirects: Int
        }

        var text: String
        var rounds: Int
        var warmupRounds: Int
        var browser: String
        var pages: [Page]

        static func decode(_ data: Data) throws -> Run {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(Run.self, from: data)
        }
    }

    let python: URL
    let script: URL
    let logs: URL

    /// Checks that the Python and the script are there; if not, one line that
    /// says what to do.
    init(python: URL, script: URL, logs: URL) throws {
        guard FileManager.default.isExecutableFile(atPath: python.path) else {
            throw BenchError("no Python with selenium at \(python.path): make it with `make test-deps`, "
                + "or pass --no-first-paint to skip the first-paint row")
        }
        guard FileManager.default.fileExists(atPath: script.path) else {
            throw BenchError("\(script.path) is missing: run gizmobench from the package folder or pass --package")
        }
        self.python = python
        self.script = script
        self.logs = logs
    }

    /// The document at `url` once the text shows, its scripts removed.
    func capture(_ url: String) async throws -> String {
        let copy = logs.appending(path: "first-paint-copy.html")
        try await run(["capture", url, "--out", copy.path], name: "capture")
        return try String(contentsOf: copy, encoding: .utf8)
    }

    /// Each of `urls` opened once a round, in order, in a fresh tab.
    func measure(_ urls: [String], rounds: Int, warmup: Int) async throws -> Run {
        let out = logs.appending(path: "first-paint.json")
        try await run(["measure"] + urls + ["--rounds", String(rounds), "--warmup", String(warmup), "--json", out.path],
                      name: "measure")
        let run = try Run.decode(try Data(contentsOf: out))
        guard run.pages.count == urls.count, run.pages.allSatisfy({ $0.ms.count == rounds }) else {
            throw BenchError("\(out.path) does not hold \(rounds) rounds of \(urls.count) pages")
        }
        return run
    }

    /// Runs the script and waits for it without holding a thread (the
    /// static floor answers from Swift's tasks meanwhile); its output goes to
    /// `first-paint-NAME.log`, whose end a failure shows.
    private func run(_ arguments: [String], name: String) async throws {
        let log = logs.appending(path: "first-paint-\(name).log")
        let process = Process()
        process.executableURL = python
        process.arguments = [script.path, "--text", Self.text] + arguments
        let status: Int32 = try await withCheckedThrowingContinuation { done in
            process.terminationHandler = { done.resume(returning: $0.terminationStatus) }
            do {
                _ = FileManager.default.createFile(atPath: log.path, contents: nil)
                let output = try FileHandle(forWritingTo: log)
                process.standardOutput = output
                process.standardError = output
                process.standardInput = FileHandle.nullDevice
                try process.run()
            } catch {
                process.terminationHandler = nil
                done.resume(throwing: error)
            }
        }
        guard status == 0 else {
            let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
            throw BenchError("first_paint.py \(name) failed (\(status)):\n\(text.suffix(2000))")
        }
    }
}

extension FirstPaintFigures {
    /// The figures of a run of the gizmo's URL, then the static copy's.
    init(_ run: FirstPaintHelper.Run, childPageBytes: Int, staticBytes: Int) {
        let (gizmo, floor) = (run.pages[0], run.pages[1])
        self.init(rounds: run.rounds, warmupRounds: run.warmupRounds, browser: run.browser, text: run.text,
                  gizmoMs: Stats(gizmo.ms), gizmoInDomMs: Stats(gizmo.inDomMs),
                  staticMs: Stats(floor.ms), staticInDomMs: Stats(floor.inDomMs),
                  childPageBytes: childPageBytes, staticBytes: staticBytes,
                  ratio: Stats(gizmo.ms).p50 / Stats(floor.ms).p50)
    }
}
