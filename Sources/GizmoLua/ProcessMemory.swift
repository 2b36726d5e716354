import CGizmoLua
import Synchronization

/// The process's memory as the system sees it (RSS): glibc keeps memory
/// freed by Lua in its arenas (one per thread that ran Lua) unless asked to
/// give it back.
public enum ProcessMemory {
    private static let trimScheduled = Atomic<Bool>(false)

    /// Once, as the server starts: blocks of 128 KiB and more (a large
    /// message, a file read, a big string) are mapped on their own, so the
    /// system gets them back when they are freed, whichever thread freed them.
    public static func tune() {
        gz_tune_process_memory()
    }

    /// Gives freed memory back to the system in about a second, at most once
    /// a second however often it is asked: after sessions end, or after a
    /// session handled a large message.
    public static func trimSoon() {
        guard trimScheduled.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged else { return }
        Task.detached {
            try? await Task.sleep(for: .seconds(1))
            trimScheduled.store(false, ordering: .relaxed)
            LuaState.trimProcessMemory()
        }
    }
}
