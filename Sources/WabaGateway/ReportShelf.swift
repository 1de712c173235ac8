import Foundation
import Synchronization

/// The latest reports, in memory: at most `capacity`, none older than `lifetime`. Memory stays
/// bounded whatever the traffic; a report asked for after that is gone (404).
final class ReportShelf: Sendable {
    private struct Entry {
        var report: Data
        var storedAt: ContinuousClock.Instant
    }

    private let capacity: Int
    private let lifetime: Duration
    private let state = Mutex<(entries: [String: Entry], order: [String])>(([:], []))

    init(capacity: Int, lifetime: Duration) {
        self.capacity = capacity
        self.lifetime = lifetime
    }

    func keep(_ report: GatewayReport) {
        guard capacity > 0 else { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        guard let data = try? encoder.encode(report) else { return }
        let now = ContinuousClock.now
        state.withLock { state in
            state.entries[report.requestID] = Entry(report: data, storedAt: now)
            state.order.append(report.requestID)
            Self.evict(&state, capacity: capacity, before: now - lifetime)
        }
    }

    /// The report's JSON, while it is kept.
    func report(_ requestID: String) -> Data? {
        let now = ContinuousClock.now
        return state.withLock { state in
            Self.evict(&state, capacity: capacity, before: now - lifetime)
            return state.entries[requestID]?.report
        }
    }

    private static func evict(
        _ state: inout (entries: [String: Entry], order: [String]), capacity: Int,
        before oldest: ContinuousClock.Instant
    ) {
        var drop = max(0, state.order.count - capacity)
        while drop < state.order.count, let entry = state.entries[state.order[drop]], entry.storedAt < oldest {
            drop += 1
        }
        guard drop > 0 else { return }
        for id in state.order[..<drop] { state.entries[id] = nil }
        state.order.removeFirst(drop)
    }
}
