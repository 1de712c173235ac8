import Foundation
import Synchronization

/// A fixed set of threads for blocking work (libvips, libmagic, file reads), the one way the
/// package keeps such work off Swift's cooperative pool: a long run keeps reusing the same few
/// threads (and the same few malloc arenas and libvips thread states) instead of whatever the
/// system lends, and a task that awaits a result suspends instead of holding a pool thread.
package final class BlockingWorkers: Sendable {
    private let jobs = Mutex<[(@Sendable () -> Void)?]>([])
    private let ready = DispatchSemaphore(value: 0)
    private let count: Int

    package init(count: Int) {
        self.count = count
        for index in 0..<count {
            let thread = Thread { [self] in
                while true {
                    ready.wait()
                    guard let job = jobs.withLock({ $0.removeFirst() }) else { return }
                    job()
                }
            }
            thread.name = "wamedia-worker-\(index)"
            thread.start()
        }
    }

    package func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            jobs.withLock { $0.append { continuation.resume(returning: work()) } }
            ready.signal()
        }
    }

    /// Lets every thread end once the work already queued is done.
    package func shutdown() {
        jobs.withLock { $0.append(contentsOf: repeatElement(nil, count: count)) }
        for _ in 0..<count { ready.signal() }
    }
}

/// Runs `work` on a thread made for it and awaits the result, so that blocking work (a child
/// process waited for) holds no thread of Swift's cooperative pool.
package func onThreadOfItsOwn<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try work() }) }
        thread.name = "wamedia-prepare"
        thread.start()
    }
}
