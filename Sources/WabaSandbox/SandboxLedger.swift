import Foundation
import Synchronization

/// What the sandbox answered, for rehearsals: every accepted message, counts per kind of answer, and
/// the latest failures.
///
/// The record of accepted messages is complete (never trimmed) so a rehearsal can prove that no
/// message arrived twice; it costs a few hundred bytes per message.
final class SandboxLedger: Sendable {
    /// How many of the latest failures are kept for the inbox.
    static let keptFailures = 10
    static let timeFormat = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// What an answer was, for counting it.
    enum Answer {
        case accepted(SandboxAcceptedMessage)
        case injectedFailure
        case rateLimited
        case refused
        case serverError
    }

    struct Snapshot: Sendable {
        var counts: SandboxCounts
        /// Newest first.
        var failures: [SandboxFailure]
        /// Grows with every answer: a page compares it to see whether anything changed.
        var version: Int
    }

    private struct State {
        var accepted: [SandboxAcceptedMessage] = []
        var counts = SandboxCounts()
        var failures: [SandboxFailure] = []
    }

    private let state = Mutex(State())

    func record(_ answer: Answer, status: Int, recipient: String?, reason: String, at time: Date = Date()) {
        state.withLock { state in
            switch answer {
            case .accepted(let message):
                state.accepted.append(message)
                state.counts.accepted += 1
                return
            case .injectedFailure: state.counts.injectedFailures += 1
            case .rateLimited: state.counts.rateLimited += 1
            case .refused: state.counts.refused += 1
            case .serverError: state.counts.serverErrors += 1
            }
            state.failures.insert(
                SandboxFailure(time: time, status: status, recipient: recipient, reason: reason), at: 0)
            if state.failures.count > Self.keptFailures { state.failures.removeLast() }
        }
    }

    var accepted: [SandboxAcceptedMessage] { state.withLock { $0.accepted } }

    var snapshot: Snapshot {
        state.withLock { Snapshot(counts: $0.counts, failures: $0.failures, version: $0.counts.answered) }
    }

    /// The accepted messages as JSON Lines, one object per message, oldest first.
    static func jsonLines(_ messages: some Sequence<SandboxAcceptedMessage>) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var text = ""
        for message in messages {
            text += String(decoding: try encoder.encode(message), as: UTF8.self)
            text += "\n"
        }
        return text
    }
}
