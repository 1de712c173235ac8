import NIOPosix

/// The threads blocking work runs on: libvips, libmagic, hashing and file work. It is the one way
/// the package keeps such work off Swift's cooperative pool, whose few threads (two on two cores)
/// must stay free for what awaits: a request being answered, a transcode's output being read.
///
/// Its owner sets how many threads it has, the bound on how much blocking work runs at once, and
/// hands it to whatever prepares or checks files (``MediaPreparer``, the batch code). A long run
/// keeps reusing the same few threads, and with them the same few malloc arenas and libvips thread
/// states, instead of whatever the system lends. A task that awaits a result suspends; it holds no
/// thread of the pool meanwhile.
///
/// ```swift
/// try await BlockingExecutor.withExecutor(threads: 2) { executor in
///     let preparer = try MediaPreparer(executor: executor)
///     try await preparer.withPreparedMedia(at: path) { media in try media.write(to: output) }
/// }
/// ```
public final class BlockingExecutor: Sendable {
    /// How many threads run work at once.
    public let threads: Int
    private let pool: NIOThreadPool

    /// An executor of `threads` threads (at least one); its owner ends it with ``shutdown()``.
    /// ``withExecutor(threads:isolation:_:)`` owns one for the length of a call instead.
    public init(threads: Int) {
        self.threads = max(1, threads)
        pool = NIOThreadPool(numberOfThreads: self.threads)
        pool.start()
    }

    /// Runs `body` with an executor of `threads` threads, ended when `body` returns or throws, once
    /// the work it queued is done.
    public static func withExecutor<Result>(
        threads: Int, isolation: isolated (any Actor)? = #isolation,
        _ body: (BlockingExecutor) async throws -> Result
    ) async throws -> Result {
        let executor = BlockingExecutor(threads: threads)
        let outcome: Swift.Result<Result, any Error>
        do {
            outcome = .success(try await body(executor))
        } catch {
            outcome = .failure(error)
        }
        try? await executor.pool.shutdownGracefully()
        return try outcome.get()
    }

    /// Runs `work` on one of the threads and returns what it returns, or throws what it throws.
    ///
    /// - Throws: `CancellationError` when the task is cancelled before the work started (it then
    ///   never starts; work under way runs to its end), or the executor was shut down.
    public func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try Task.checkCancellation()
        return try await pool.runIfActive(work)
    }

    /// Runs `work` on one of the threads whether or not the task is cancelled: the clean-up of
    /// something a cancelled task leaves behind. After ``shutdown()``, on the calling thread.
    package func runToEnd(_ work: @escaping @Sendable () -> Void) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            pool.submit { _ in
                work()
                continuation.resume()
            }
        }
    }

    /// Lets every thread end once the work under way is done; returns at once. Work queued and not
    /// started does not start (it throws `CancellationError`), nor does work given later.
    public func shutdown() {
        pool.shutdownGracefully { _ in }
    }

    /// An executor no longer used ends its threads, should its owner not have.
    deinit { shutdown() }
}
