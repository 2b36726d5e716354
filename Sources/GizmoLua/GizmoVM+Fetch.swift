import Foundation

/// The host functions of fetch.lua: `gz.fetch` starts a request and its
/// coroutine sleeps on a ticket; the answer wakes it with a turn, and it
/// takes the answer.
extension GizmoVM {
    func fetchFunctions() -> [(String, LuaState.Function)] {
        [
            ("fetch", { [unowned self] call in
                // url, method, header lines, body, timeout: fetch.lua checked their types.
                guard let url = call.string(at: 1) else { return call.failure("gz.fetch: argument #1 must be a URL") }
                let request: FetchRequest
                do throws(FetchRequest.Refusal) {
                    request = try FetchRequest(url: url, method: call.string(at: 2), headerLines: call.string(at: 3),
                                               body: call.bytes(at: 4), timeout: call.number(at: 5))
                } catch {
                    return call.failure(error.message)
                }
                if let refusal = request.refusal(self.limits.grants) { return call.failure(refusal) }
                let (limit, reason) = self.bodyLimit()
                self.lastTimer += 1
                let ticket = self.lastTimer
                let executor = self.executor
                let refused = self.requests().start(request, ticket: ticket, bodyLimit: limit, limitReason: reason) {
                    [weak self] in
                    Task(executorPreference: executor) { await self?.fetchAnswered(ticket) }
                }
                if let refused { return call.failure(refused) }
                call.push(ticket)
                return .returning(1)
            }),
            ("fetch_result", { [unowned self] call in
                guard let ticket = call.integer(at: 1), let answer = self.fetches?.take(ticket) else {
                    return call.failure("gz.fetch: no answer came")
                }
                switch answer {
                case .answer(let status, let headers, let body):
                    guard call.fits(body.count) else {
                        return call.failure("gz.fetch: the answer's body (\(Self.size(body.count))) would take this state "
                            + "past its memory budget of \(self.limits.memoryBytes >> 20) MiB")
                    }
                    call.push(status)
                    call.push(headers.map { "\($0.name):\($0.value)\n" }.joined())
                    call.push(bytes: body)
                    return .returning(3)
                case .failure(let message):
                    return call.failure(message)
                }
            }),
        ]
    }

    /// The answer to the fetch filed under `ticket` waits: its coroutine
    /// runs on (as a timer's sleeper would) and takes it.
    func fetchAnswered(_ ticket: Int) {
        turn("timer") { $0.push(ticket); return 1 }
    }

    private func requests() -> Fetches {
        if let fetches { return fetches }
        let fetches = Fetches()
        self.fetches = fetches
        return fetches
    }

    /// The most bytes of an answer's body this state reads now: 16 MiB, or
    /// the room left in its memory budget when that is less; and how to say it.
    private func bodyLimit() -> (Int, String) {
        let most = FetchRequest.maxBody
        guard limits.memoryBytes > 0, let lua else { return (most, "\(most >> 20) MiB, the most gz.fetch reads") }
        let room = max(0, limits.memoryBytes - lua.memoryUsed)
        guard room < most else { return (most, "\(most >> 20) MiB, the most gz.fetch reads") }
        return (room, "\(Self.size(room)), the room left in this state's memory budget of \(limits.memoryBytes >> 20) MiB")
    }

    static func size(_ bytes: Int) -> String {
        bytes >= 1 << 20 ? String(format: "%.1f MiB", Double(bytes) / Double(1 << 20))
            : bytes >= 1 << 10 ? String(format: "%.1f KiB", Double(bytes) / Double(1 << 10)) : "\(bytes) bytes"
    }
}
