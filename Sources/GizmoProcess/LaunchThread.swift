import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The one thread every program is started from, for as long as the server
/// runs.
///
/// A child learns of its parent's death through PR_SET_PDEATHSIG (set by
/// `setpriv --pdeathsig KILL`, ``ProgramLaunch``), and the kernel sends that
/// signal when the *thread* that forked the child exits, not the process.
/// Swift's cooperative pool and Dispatch's workers end their threads when
/// idle, which would kill children at random; this thread never ends. It is
/// a task executor: the spawn runs inside
/// `withTaskExecutorPreference(LaunchThread.shared)`, and swift-subprocess's
/// nonisolated async functions run where they are preferred.
public final class LaunchThread: TaskExecutor, @unchecked Sendable {
    /// The server's launch thread, started on first use.
    public static let shared = LaunchThread()

    private let jobs = Mutex<[UnownedJob]>([])
    private let condition = NSCondition()
    private let started = Atomic<Int32>(0)
    private var thread: Thread!

    private init() {
        thread = Thread { [unowned self] in self.serve() }
        thread.name = "gizmo.launch"
        thread.start()
    }

    /// The kernel's id of the thread (gettid): tests check that a spawn ran on it.
    public var threadID: Int32 {
        while started.load(ordering: .acquiring) == 0 { sched_yield() }
        return started.load(ordering: .acquiring)
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.withLock { $0.append(job) }
        condition.signal()
        condition.unlock()
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }

    private func serve() {
        started.store(Self.currentThreadID, ordering: .releasing)
        while true {
            condition.lock()
            var batch = jobs.withLock { jobs in
                defer { jobs.removeAll(keepingCapacity: true) }
                return jobs
            }
            while batch.isEmpty {
                condition.wait()
                batch = jobs.withLock { jobs in
                    defer { jobs.removeAll(keepingCapacity: true) }
                    return jobs
                }
            }
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// The calling thread's kernel id (gettid, read from /proc/thread-self,
    /// a link to `PID/task/TID`: Glibc's gettid is not visible to Swift).
    public static var currentThreadID: Int32 {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, 63)
        guard count > 0 else { return 0 }
        let link = String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { Int32($0) } ?? 0
    }
}
