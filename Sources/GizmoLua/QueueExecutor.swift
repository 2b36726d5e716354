import Dispatch

/// A session's own serial dispatch queue: the executor of its VMs (an
/// actor's serial executor) and of its page's reader (a task executor).
///
/// A session's Lua code may run for seconds before the CPU limit stops it;
/// on its own queue that blocks one thread of Dispatch's pool, never the
/// server's event loops or Swift's small cooperative pool.
///
/// The page's reader runs here too (`withTaskExecutorPreference`), so a
/// message that arrives wakes one thread, which reads it and runs its turn:
/// on an idle machine each thread woken is a good part of a round trip
/// (docs/performance.md).
public final class QueueExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async {
            job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor())
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
