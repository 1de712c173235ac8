import Synchronization

/// Computes each key's value once, however many tasks ask for it at the same time or later.
///
/// Finished values are kept for the `capacity` most recent keys only, so memory stays bounded on
/// batches of any size; a key asked for again after its value was dropped is computed again.
final class OnceCache<Value: Sendable>: Sendable {
    private enum Slot {
        case computing([CheckedContinuation<Value?, Never>])
        case done(Value)
    }

    private enum Claim {
        case compute
        case ready(Value)
        case wait
    }

    private struct State {
        var slots: [String: Slot] = [:]
        /// Finished keys, oldest first from `oldest`.
        var finished: [String] = []
        var oldest = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    func value(for key: String, compute: () async -> Value) async -> Value {
        while true {
            let claim = state.withLock { state -> Claim in
                switch state.slots[key] {
                case nil:
                    state.slots[key] = .computing([])
                    return .compute
                case .done(let value)?:
                    return .ready(value)
                case .computing?:
                    return .wait
                }
            }
            switch claim {
            case .ready(let value):
                return value
            case .wait:
                if let value = await waitForValue(key) { return value }
            // Dropped before this task got to wait: claim it again.
            case .compute:
                let value = await compute()
                fulfil(key, with: value)
                return value
            }
        }
    }

    /// Claims `key` for the caller to compute, without waiting: true when no one has it yet.
    /// The caller must then ``fulfil(_:with:)`` it.
    func claim(_ key: String) -> Bool {
        state.withLock { state in
            guard state.slots[key] == nil else { return false }
            state.slots[key] = .computing([])
            return true
        }
    }

    /// Stores the value of a claimed key and hands it to the tasks waiting for it.
    func fulfil(_ key: String, with value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard case .computing(let waiters)? = state.slots[key] else { return [] }
            state.slots[key] = .done(value)
            state.finished.append(key)
            if state.finished.count - state.oldest > capacity {
                state.slots[state.finished[state.oldest]] = nil
                state.oldest += 1
                if state.oldest > capacity {
                    state.finished.removeFirst(state.oldest)
                    state.oldest = 0
                }
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    private func waitForValue(_ key: String) async -> Value? {
        await withCheckedContinuation { continuation in
            let outcome = state.withLock { state -> Value?? in
                switch state.slots[key] {
                case .done(let value)?:
                    return .some(value)
                case .computing(let waiters)?:
                    state.slots[key] = .computing(waiters + [continuation])
                    return .none
                case nil:
                    return .some(nil)
                }
            }
            if case .some(let ready) = outcome { continuation.resume(returning: ready) }
        }
    }
}
