import CGizmoLua
import Synchronization

/// The process's memory as the system sees it (RSS). The server runs on
/// jemalloc, which gives freed pages back on its own a second later; a
/// process on glibc's allocator (the unit tests) keeps memory freed by Lua
/// in its arenas unless asked to give it back (`process_memory.c`).
public enum ProcessMemory {
    private static let trimScheduled = Atomic<Bool>(false)

    /// Once, as the server starts; on glibc's allocator only: blocks of
    /// 128 KiB and more (a large message, a file read, a big string) are
    /// mapped on their own, so the system gets them back when they are
    /// freed, whichever thread freed them.
    public static func tune() {
        gz_tune_process_memory()
    }

    /// Gives freed memory back to the system (jemalloc's purge, or glibc's
    /// `malloc_trim`) in about a second, at most once
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
