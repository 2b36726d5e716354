/// Turns on the page connection's event loop.
///
/// A page's message usually makes a turn of some tens of microseconds. Run
/// where the message was read, on the connection's event loop, it wakes no
/// other thread, and its frame is written into the channel at once; handed
/// to the session's queue, it woke a thread for the turn and the loop again
/// for the frame (docs/performance.md, "Meeting the budgets").
///
/// A loop serves many connections, so a turn may hold it only for a slice
/// (``loopSlice``). Past it, Lua's count hook pauses the running handler (a
/// coroutine of the runtime's scheduler yields, host.c), the runtime keeps
/// it and everything the turn would still run, and the turn's rest runs on
/// the session's queue (``finishMovedTurn()``), before any other turn and
/// under the same CPU deadline, counted from the turn's start. The frame
/// goes out once, at the real end of the turn. Code that cannot yield (the
/// runtime's own, a callback of a C function such as `table.sort`'s
/// comparator, a coroutine of the script's own) runs on and is asked again
/// at the next hook.
///
/// A handler that calls a host function that may block (``mayBlock``: the
/// store, files, starting a program) pauses the same way before the call,
/// which is then made on the queue.
///
/// A session whose turns run long stays on its queue for ``offLoopTime``
/// after each long one (``keepOffLoopIfLong``), so a spinning session
/// costs the loop one slice now and then, not one a message; a session
/// stopped by the CPU limit while on the loop (code that could not yield)
/// stays on its queue for good.
extension GizmoVM {
    /// The host functions that may block on the disk or another process
    /// (the store's SQLite, files, a module's source, starting a program):
    /// a turn on an event loop moves before it calls one, when it can.
    static let mayBlock: Set<String> = [
        "store_get", "store_set", "store_append", "store_begin", "store_end", "store_cancel", "store_watch",
        "read_file", "write_file", "stat", "tail", "data_path", "load_module", "add_file", "process_spawn",
    ]

    /// How long a turn may run on an event loop before it moves (ns).
    static let loopSlice: UInt64 = 1_000_000
    /// How long a session whose turn ran long keeps off the loop (ns).
    static let offLoopTime: UInt64 = 1_000_000_000
    /// How long a turn that stayed on the loop (it could not yield) may have
    /// run before the session keeps off the loop (ns): far more than the
    /// slice, since the machine may have taken the loop's thread away for
    /// some milliseconds in the middle of a short turn.
    static let stuckOnLoop: UInt64 = 50_000_000

    /// Runs the page's message here, on the caller's thread (the page
    /// connection's event loop), when the session's queue is idle and its
    /// turns are short; false when it did not, and the caller awaits
    /// ``receive(_:from:)`` instead. A large message goes to the queue: the
    /// collection after it takes longer than a slice.
    public nonisolated func receiveHere(_ text: String, from connection: Int) -> Bool {
        guard text.utf8.count < Self.largeMessage,
              TurnClock.now >= offLoopUntil.load(ordering: .relaxed) else { return false }
        return executor.runInline {
            assumeIsolated { vm in vm.receive(text, from: connection, onLoop: true) }
        } != nil
    }

    /// After a turn's call: whether its handler was paused, and if so the
    /// rest is scheduled on the queue. The job is queued before the loop
    /// lets go of the executor, so it is the first to run there; any turn
    /// that still comes first runs the rest before itself (``turn``).
    func movedOffLoop(_ lua: LuaState, started: UInt64) -> Bool {
        guard lua.turnMoved else { return false }
        movedTurn = started
        Task { finishMovedTurn() } // isolated to the VM: one job, straight onto its executor
        return true
    }

    /// A page's turn that ran long keeps the session off the loop for
    /// ``offLoopTime``: the rest of a moved turn, or a turn on the queue,
    /// that ran longer than a slice (a handler that spins, or works for
    /// long), or a turn that stayed on the loop for ``stuckOnLoop`` (code
    /// that could not yield). One the CPU limit stopped on the loop keeps
    /// it off for good. A turn that only moved is not counted: the machine
    /// may have taken its thread away for a moment, and its rest is short.
    /// Other turns (the boot, timers) never run on the loop and say nothing
    /// of the page's.
    func keepOffLoopIfLong(_ kind: String, ran: UInt64, onLoop: Bool, stopped: Bool) {
        guard kind == "frame" || kind == "resume" else { return }
        if onLoop && stopped {
            offLoopUntil.store(.max, ordering: .relaxed)
        } else if ran > (onLoop ? Self.stuckOnLoop : Self.loopSlice) {
            let until = TurnClock.now + Self.offLoopTime
            if offLoopUntil.load(ordering: .relaxed) < until { offLoopUntil.store(until, ordering: .relaxed) }
        }
    }
}
