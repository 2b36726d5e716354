import Foundation

/// The module of the process-output row: a service that spawns `cat` on a
/// FIFO the bench writes numbered lines into, and sets the store key the
/// watching pages show to each line's number; a line `bulk N` makes it run a
/// program that prints `bulkBytes` of lines, count them, and set the key to
/// N when the program has exited.
extension BenchFolder {
    static let linesModule = "lines"

    /// The FIFO the service's `cat` reads (in logs/, out of the watched tree).
    var linesFIFO: URL { logs.appending(path: "lines.fifo") }
    var linesModuleFolder: URL { served.appending(path: Self.linesModule) }

    static func linesServiceSource(fifo: String, bulkBytes: Int) -> String {
        """
        -- Written by gizmobench: what `cat` reads from the bench's FIFO reaches
        -- the pages through the store; `bulk N` runs a loud program first.
        local gz = require("gizmo")
        local function bulk(n)
            local lines = 0
            gz.spawn({ "sh", "-c", "yes 0123456789012345678901234567890123456789012345678901234567890123456789 | head -c \(bulkBytes)" }, {
                on_line = function() lines = lines + 1 end,
                on_exit = function() gz.log("bulk: " .. lines .. " lines"); gz.store.set("\(storeKey)", n) end,
            })
        end
        gz.spawn({ "cat", "\(fifo)" }, { on_line = function(line)
            local n = tonumber(line)
            if n then gz.store.set("\(storeKey)", n) return end
            local b = line:match("^bulk (%d+)$")
            if b then bulk(tonumber(b)) end
        end })

        """
    }

    /// Writes the module and makes the FIFO; ``removeLinesModule()`` undoes it.
    func writeLinesModule(bulkBytes: Int) throws {
        try? FileManager.default.removeItem(at: linesFIFO)
        guard mkfifo(linesFIFO.path, 0o600) == 0 else {
            throw BenchError("mkfifo \(linesFIFO.path): \(String(cString: strerror(errno)))")
        }
        try FileManager.default.createDirectory(at: linesModuleFolder, withIntermediateDirectories: true)
        try Self.linesServiceSource(fifo: linesFIFO.path, bulkBytes: bulkBytes)
            .write(to: linesModuleFolder.appending(path: "init.lua"), atomically: false, encoding: .utf8)
        try Self.storeWatcherSource.write(to: linesModuleFolder.appending(path: "\(Self.storeWatcher).lua"),
                                          atomically: false, encoding: .utf8)
    }

    func removeLinesModule() {
        try? FileManager.default.removeItem(at: linesModuleFolder)
        try? FileManager.default.removeItem(at: linesFIFO)
    }
}
