import Synchronization

/// Spaces starts evenly at `rate` per second, shared by every task of a process: each caller is given
/// the next free instant and sleeps until then (a token bucket holding one token, so no burst).
final class RateLimiter: Sendable {
    private let interval: Duration
    private let next = Mutex(ContinuousClock.now)

    /// - Parameter rate: starts per second; nil or not positive for no limit.
    init?(rate: Double?) {
        guard let rate, rate > 0, rate.isFinite else { return nil }
        interval = .nanoseconds(Int64(1e9 / rate))
    }

    /// Waits for this caller's instant. Throws `CancellationError` when the task is cancelled meanwhile.
    func acquire() async throws {
        let now = ContinuousClock.now
        let slot = next.withLock { next in
            let slot = max(next, now)
            next = slot + interval
            return slot
        }
        if slot > now { try await Task.sleep(until: slot, clock: .continuous) }
    }
}
