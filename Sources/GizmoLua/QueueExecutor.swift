import Dispatch
import Synchronization

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
    private let counts = Atomic<Int>(0)
    private let runs = Atomic<Int>(0)

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        counts.add(1, ordering: .relaxed)
        queue.async {
            job.runSynchronously(isolatedTo: self.asUnownedSerialExecutor(), taskExecutor: self.asUnownedTaskExecutor())
            self.runs.add(1, ordering: .relaxed)
            self.counts.subtract(1, ordering: .releasing)
        }
    }

    /// Jobs enqueued and not yet run to their end (the test harness waits
    /// until every state's queue has none).
    public var pendingJobs: Int { counts.load(ordering: .acquiring) }

    /// Jobs run since the queue began.
    public var jobsRun: Int { runs.load(ordering: .acquiring) }

    /// Answers once every job enqueued before it has run.
    public func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            queue.async { continuation.resume() }
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
