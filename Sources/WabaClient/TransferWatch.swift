import Synchronization
import WabaMedia

/// Watches one bounded exchange: ends it at its deadline, or when a body it reads arrives slower than
/// the minimum rate. The exchange reports what it receives (``bodyStarted()``, ``received(_:)``,
/// ``bodyEnded()``); ``expiry()`` runs beside it and returns when it must stop.
final class TransferWatch: Sendable {
    /// Why an exchange was stopped.
    enum Expiry: Sendable, Hashable {
        /// The whole exchange outlasted its time.
        case deadline
        /// A body gave only `bytes` in the last window, under the minimum rate.
        case tooSlow(bytes: Int)
    }

    let minimumRate: TransferRate?

    private struct State {
        /// When the exchange must have ended; moved on by the time ``excluding(_:)`` spends.
        var deadline: ContinuousClock.Instant
        /// When the body being read started, nil between bodies.
        var bodyStart: ContinuousClock.Instant?
        /// When each part of that body arrived and its size, for the last window.
        var arrivals: [(at: ContinuousClock.Instant, bytes: Int)] = []
        /// When the work ``excluding(_:)`` runs started, while it runs: the deadline waits for it.
        var excludedSince: ContinuousClock.Instant?
    }

    private let state: Mutex<State>

    init(deadline: ContinuousClock.Instant, minimumRate: TransferRate?) {
        state = Mutex(State(deadline: deadline))
        self.minimumRate = minimumRate
    }

    /// When the exchange must have ended.
    var deadline: ContinuousClock.Instant { state.withLock { $0.deadline } }

    /// Runs `work`, done on this machine between the exchange's requests (inspecting what was
    /// fetched), without counting its time against the deadline: the timeout bounds the server,
    /// not how busy this machine is.
    func excluding<Value>(_ work: () async throws -> Value) async rethrows -> Value {
        let start = ContinuousClock.now
        state.withLock { $0.excludedSince = start }
        defer {
            let spent = ContinuousClock.now - start
            state.withLock {
                $0.deadline += spent
                $0.excludedSince = nil
            }
        }
        return try await work()
    }

    func bodyStarted() {
        state.withLock {
            $0.bodyStart = .now
            $0.arrivals.removeAll()
        }
    }

    func received(_ bytes: Int) {
        state.withLock { $0.arrivals.append((.now, bytes)) }
    }

    func bodyEnded() {
        state.withLock {
            $0.bodyStart = nil
            $0.arrivals.removeAll()
        }
    }

    /// Waits until the exchange must stop and says why; nil when the task is cancelled first (the
    /// exchange ended in time).
    func expiry() async -> Expiry? {
        // Fine enough that a stop comes well within a second of when it is due, coarse enough to cost nothing.
        let tick = min(.milliseconds(200), (minimumRate?.window ?? .seconds(1)) / 4)
        while true {
            let now = ContinuousClock.now
            let (deadline, excluded) = state.withLock { ($0.deadline, $0.excludedSince != nil) }
            if excluded {
                // The deadline moves on by the time the work takes, known once it ends.
                do { try await Task.sleep(for: tick) } catch { return nil }
                continue
            }
            if now >= deadline { return .deadline }
            if let bytes = slowBody(at: now) { return .tooSlow(bytes: bytes) }
            do {
                try await Task.sleep(until: min(deadline, now + tick), clock: .continuous)
            } catch {
                return nil
            }
        }
    }

    /// The bytes of the last window, when a body has been read for a whole window and gave fewer
    /// than the minimum.
    private func slowBody(at now: ContinuousClock.Instant) -> Int? {
        guard let minimumRate else { return nil }
        return state.withLock { state -> Int? in
            guard let start = state.bodyStart, now - start >= minimumRate.window else { return nil }
            state.arrivals.removeAll { now - $0.at > minimumRate.window }
            let bytes = state.arrivals.reduce(0) { $0 + $1.bytes }
            return bytes < minimumRate.bytes ? bytes : nil
        }
    }
}
