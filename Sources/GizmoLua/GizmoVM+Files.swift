import Foundation

/// The host functions of files.lua: `gz.read_file`, `gz.stat`, `gz.tail`.
/// Each answers `nil, message` for what the script checks itself, and
/// `false, message` (stat) or `nil, message` (tail) for what the library
/// raises at the script's line.
extension GizmoVM {
    func fileFunctions() -> [(String, LuaState.Function)] {
        [
            ("read_file", { [unowned self] call in
                self.readFile(call)
            }),
            ("stat", { [unowned self] call in
                self.stat(call)
            }),
            ("tail", { [unowned self] call in
                guard let path = call.string(at: 1), !path.isEmpty else {
                    return call.failure("gz.tail: argument #1 must be a path")
                }
                let readable = self.dataFolder.readable
                let absolute = readable.absolute(path)
                if let refusal = readable.refusal(absolute, api: "gz.tail") { return call.failure(refusal) }
                let tails = self.tails()
                switch tails.start(absolute, given: path, fromStart: call.string(at: 2) == "start", readable: readable,
                                   logger: self.logger) {
                case .success(let id):
                    call.push(id)
                    return .returning(1)
                case .failure(let refusal):
                    return call.failure(refusal.message)
                }
            }),
            ("tail_cancel", { [unowned self] call in
                if let id = call.integer(at: 1) { self.fileTails?.cancel(id) }
                return .returning(0)
            }),
        ]
    }

    /// Lines of followed files have come: one turn delivers a batch.
    func deliverTailLines() {
        guard let batch = fileTails?.takeBatch() else { return }
        turn("tail") { $0.push(batch); return 1 }
    }

    private func tails() -> FileTails {
        if let fileTails { return fileTails }
        let executor = self.executor
        let tails = FileTails { [weak self] in
            Task(executorPreference: executor) { await self?.deliverTailLines() }
        }
        fileTails = tails
        return tails
    }

    /// `read_file(path[, offset, size])`: the whole file as text (at most
    /// 16 MiB), or `size` bytes from `offset` as they are; either when it
    /// fits in the state's memory budget (Swift pushes it with the budget
    /// off, so it is asked first).
    private nonisolated func readFile(_ call: LuaCall) -> LuaCall.Outcome {
        guard let path = call.string(at: 1) else { return call.failure("gz.read_file: argument #1 must be a path") }
        let range = call.integer(at: 2).flatMap { offset in call.integer(at: 3).map { (offset: offset, size: $0) } }
        if let range, range.offset < 0 || range.size < 0 || range.size > DataFolder.readLimit {
            return .raising("gz.read_file: offset and size must be whole numbers from 0 (size at most \(DataFolder.readLimit))")
        }
        switch dataFolder.read(path, range: range) {
        case .success(let bytes):
            guard call.fits(bytes.count) else {
                return call.failure("gz.read_file: \(path) has \(bytes.count >> 20) MiB, which would take this session "
                    + "past its memory budget of \(limits.memoryBytes >> 20) MiB")
            }
            if range != nil {
                call.push(bytes: bytes)
            } else {
                call.push(String(decoding: bytes, as: UTF8.self))
            }
            return .returning(1)
        case .failure(let failure):
            return call.failure(failure.message)
        }
    }

    /// `stat(path)`: size, mtime, kind; nil and a message when nothing is
    /// there; false and the refusal when it may not be read.
    private nonisolated func stat(_ call: LuaCall) -> LuaCall.Outcome {
        guard let path = call.string(at: 1), !path.isEmpty else { return call.failure("gz.stat: argument #1 must be a path") }
        let readable = dataFolder.readable
        let absolute = readable.absolute(path)
        if let refusal = readable.refusal(absolute, api: "gz.stat") {
            call.push(false)
            call.push(refusal)
            return .returning(2)
        }
        switch readable.status(absolute) {
        case .success(let status?):
            call.push(status.size)
            call.push(status.modified)
            call.push(status.kind)
            return .returning(3)
        case .success(nil):
            return call.failure("gz.stat: no file or folder \(path)")
        case .failure(.outside):
            // Became a link out of the grants between the two checks.
            call.push(false)
            call.push(readable.refusal(absolute, api: "gz.stat") ?? "gz.stat: \(path) may not be read")
            return .returning(2)
        case .failure(let error):
            return call.failure("gz.stat: cannot read \(path): \(error)")
        }
    }
}
