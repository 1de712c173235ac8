import NIOPosix

/// Where the process's own child-process tasks run (the encoder list of ``FFmpeg/installed``, the
/// `setpriv` probe of ``ChildLifetime``): their jobs go to NIO's shared blocking pool, not to Swift's
/// cooperative pool. Synchronous code may block a thread of the cooperative pool until such a task
/// ends (``FFmpeg/installed``, the check's transcode plan); were the task's own jobs queued behind
/// it on that pool, every thread of it waiting so would wait for ever.
///
/// The jobs are short: a task awaiting its child holds no thread meanwhile.
final class ChildProcessTasks: TaskExecutor {
    static let executor = ChildProcessTasks()

    private let pool = NIOThreadPool.singleton

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        // The shared pool is never shut down: every job runs.
        pool.submit { _ in job.runSynchronously(on: executor) }
    }
}
