import Dispatch

/// Runs an actor's jobs on its own serial dispatch queue.
///
/// A session's Lua code may run for seconds before the CPU limit stops it;
/// on its own queue that blocks one thread of Dispatch's pool, never the
/// server's event loops or Swift's small cooperative pool.
final class QueueExecutor: SerialExecutor, @unchecked Sendable {
    private let queue: DispatchQueue

    init(label: String) {
        queue = DispatchQueue(label: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        queue.async { job.runSynchronously(on: self.asUnownedSerialExecutor()) }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }
}
