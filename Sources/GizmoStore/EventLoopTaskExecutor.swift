import NIOCore

/// A channel's event loop as a task executor: a task that prefers it runs
/// on the loop's thread. swift-nio (2.101) makes an event loop an actor's
/// serial executor, not a task executor.
///
/// The page's reader prefers its connection's loop: a message the loop has
/// just read resumes the reader on that same thread, with nothing to wake.
/// The store's database runs its queries on its own loop (``StoreDatabase``).
public final class EventLoopTaskExecutor: TaskExecutor {
    public let eventLoop: any EventLoop

    public init(_ eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }

    public func asUnownedTaskExecutor() -> UnownedTaskExecutor {
        UnownedTaskExecutor(ordinary: self)
    }
}
