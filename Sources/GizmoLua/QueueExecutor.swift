import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A session's serial executor: the executor of its VMs (an actor's serial
/// executor), whose jobs run on its own dispatch queue, and which a caller on
/// another thread may also borrow for a moment (``runInline(_:)``).
///
/// A session's Lua code may run for seconds before the CPU limit stops it;
/// on its own queue that blocks one thread of Dispatch's pool, never the
/// server's event loops or Swift's small cooperative pool.
///
/// A page's message is the exception: its reader runs on the connection's
/// event loop and runs a short turn right there, inside ``runInline(_:)``,
/// so a click wakes no other thread (docs/performance.md, "Meeting the
/// budgets"). The executor stays serial: an inline run and the queue's jobs
/// exclude each other under one lock, and an inline run is refused while a
/// job runs or waits, so jobs keep their order.
///
/// Why not run a job inside ``enqueue(_:)`` when the caller is an event loop:
/// the runtime calls `enqueue` in the middle of a task switch or a
/// continuation's resume, with the caller's own job not yet returned, and an
/// executor is to schedule the job there, not run it. The legal shape is the
/// one SE-0424 and SE-0471 describe: code that reached the executor's
/// exclusion by other means, which the executor confirms
/// (``isIsolatingCurrentContext()``) so that `assumeIsolated` may enter the actor.
public final class QueueExecutor: SerialExecutor, TaskExecutor, @unchecked Sendable {
    private let queue: DispatchQueue
    private let counts = Atomic<Int>(0)
    private let runs = Atomic<Int>(0)
    private let state = Mutex(State())

    private struct State {
        /// Jobs waiting, in order; `next` is the first not yet taken.
        var jobs: [Work] = []
        var next = 0
        /// The thread that holds the executor (a drain of the queue, or an
        /// inline run); nil while none does.
        var owner: pthread_t?

        mutating func take() -> Work? {
            guard next < jobs.count else {
                jobs.removeAll(keepingCapacity: jobs.capacity <= 16)
                next = 0
                return nil
            }
            defer { next += 1 }
            return jobs[next]
        }

        var isIdle: Bool { owner == nil && next == jobs.count }
    }

    private enum Work {
        case job(UnownedJob)
        case block(@Sendable () -> Void)
    }

    public init(label: String) {
        queue = DispatchQueue(label: label)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        counts.add(1, ordering: .relaxed)
        append(.job(UnownedJob(job)))
    }

    private func append(_ work: Work) {
        let start = state.withLock { state in
            state.jobs.append(work)
            return state.owner == nil && state.jobs.count - state.next == 1
        }
        if start { queue.async { self.runJobs() } }
    }

    /// Runs the jobs waiting, one after another, until none is left.
    private func runJobs() {
        let me = pthread_self()
        while true {
            let work = state.withLock { state -> Work? in
                if let owner = state.owner, pthread_equal(owner, me) == 0 { return nil } // an inline run holds it: it starts the next drain
                guard let work = state.take() else {
                    state.owner = nil
                    return nil
                }
                state.owner = me
                return work
            }
            guard let work else { return }
            switch work {
            case .job(let job):
                job.runSynchronously(isolatedTo: asUnownedSerialExecutor(), taskExecutor: asUnownedTaskExecutor())
                runs.add(1, ordering: .relaxed)
                counts.subtract(1, ordering: .releasing)
            case .block(let block):
                block()
            }
        }
    }

    /// Runs `body` on this thread, holding the executor as a job would, when
    /// no job runs or waits; nil (and `body` not run) otherwise. Inside,
    /// the actors of this executor may be entered with `assumeIsolated`.
    /// Jobs enqueued meanwhile run after it, on the queue.
    public func runInline<T>(_ body: () -> T) -> T? {
        let me = pthread_self()
        let got = state.withLock { state in
            guard state.isIdle else { return false }
            state.owner = me
            return true
        }
        guard got else { return nil }
        defer {
            let more = state.withLock { state in
                state.owner = nil
                return state.next < state.jobs.count
            }
            if more { queue.async { self.runJobs() } }
        }
        return body()
    }

    /// Whether this thread holds the executor now (a job of its queue, or
    /// an inline run): the runtime asks it for `assumeIsolated`.
    public func isIsolatingCurrentContext() -> Bool? {
        let me = pthread_self()
        return state.withLock { state in state.owner.map { pthread_equal($0, me) != 0 } ?? false }
    }

    public func checkIsolated() {
        precondition(isIsolatingCurrentContext() == true, "not running on this session's executor")
    }

    /// Jobs enqueued and not yet run to their end (the test harness waits
    /// until every state's queue has none).
    public var pendingJobs: Int { counts.load(ordering: .acquiring) }

    /// Jobs run since the queue began.
    public var jobsRun: Int { runs.load(ordering: .acquiring) }

    /// Answers once every job enqueued before it has run.
    public func drain() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            append(.block { continuation.resume() })
        }
    }

    public func asUnownedSerialExecutor() -> UnownedSerialExecutor {
        UnownedSerialExecutor(ordinary: self)
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
