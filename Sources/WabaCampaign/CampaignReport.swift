import Foundation
import WabaMedia

/// A campaign's report, read from its journal page by page: every row (earlier runs' included) with
/// its state, then the counts. Memory stays flat however many rows there are.
public struct CampaignReport: Sendable {
    public let journal: any CampaignJournal
    /// Rows read per journal query.
    public var pageSize: Int

    public init(journal: any CampaignJournal, pageSize: Int = 1000) {
        self.journal = journal
        self.pageSize = max(1, pageSize)
    }

    /// Calls `body` with every row's record, in row order.
    public func forEachRecord(_ body: (JournalRecord) throws -> Void) async throws {
        var after = Int.min
        while true {
            let page = try await journal.records(after: after, limit: pageSize)
            for record in page { try body(record) }
            guard page.count == pageSize, let last = page.last else { return }
            after = last.row.row
        }
    }

    // MARK: - JSON Lines

    /// One row as a JSON object: `row`, the recipient, `media`, `status`, then `message_id` (and the
    /// API's other ids) or the `error`.
    public struct RowLine: Encodable, Sendable {
        public var record: JournalRecord

        public init(_ record: JournalRecord) { self.record = record }

        enum CodingKeys: String, CodingKey {
            case row, media, status, attempts, error
            case channelID = "channel_id"
            case contactID = "contact_id"
            case threadID = "thread_id"
            case mediaType = "media_type"
            case messageID = "message_id"
            case providerID = "provider_id"
            case mediaURL = "media_url"
        }

        struct ErrorObject: Encodable {
            var kind: String
            var httpStatus: Int?
            var message: String
            var retryable: Bool

            enum CodingKeys: String, CodingKey {
                case kind, message, retryable
                case httpStatus = "http_status"
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            let row = record.row
            try container.encode(row.row, forKey: .row)
            try container.encodeIfPresent(row.channelID, forKey: .channelID)
            try container.encodeIfPresent(row.contactID, forKey: .contactID)
            try container.encodeIfPresent(row.threadID, forKey: .threadID)
            try container.encode(row.media, forKey: .media)
            try container.encodeIfPresent(row.mediaType, forKey: .mediaType)
            try container.encode(record.state.rawValue, forKey: .status)
            try container.encode(record.attempts, forKey: .attempts)
            if let sent = record.sent {
                try container.encode(sent.messageID, forKey: .messageID)
                try container.encode(sent.providerID, forKey: .providerID)
                try container.encode(sent.mediaURL, forKey: .mediaURL)
            }
            if let error = record.error {
                try container.encode(
                    ErrorObject(
                        kind: error.kind.rawValue, httpStatus: error.httpStatus, message: error.message,
                        retryable: error.retryable), forKey: .error)
            }
        }
    }

    /// The closing object of the JSON Lines report: `"summary": true` and the count of every state.
    public struct SummaryLine: Encodable, Sendable {
        public var counts: StateCounts

        public init(_ counts: StateCounts) { self.counts = counts }

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(true, forKey: Key("summary"))
            try container.encode(counts.total, forKey: Key("total"))
            for state in RowState.allCases where state != .claimed {
                // Claimed rows were not started: pending, as far as a reader is concerned.
                let count = state == .pending ? counts[.pending] + counts[.claimed] : counts[state]
                try container.encode(count, forKey: Key(state.rawValue))
            }
        }
    }

    // MARK: - JUnit

    /// The JUnit document's opening: one test case per row follows, a failure for every row not sent.
    public static func junitOpening(counts: StateCounts, suiteName: String = "wamedia send") -> String {
        JUnitXML.opening(
            suite: suiteName, tests: counts.total, failures: counts[.failed] + counts[.unknown] + counts[.rejected],
            skipped: counts.open)
    }

    /// One row as a `<testcase>`: `sent` passes, `pending` is skipped, the rest fail with their error.
    public static func junitCase(_ record: JournalRecord, manifest: String) -> String {
        let row = record.row
        let outcome: JUnitXML.Outcome
        switch record.state {
        case .sent:
            outcome = .passed(output: record.sent.map { "sent \($0.messageID) (\($0.providerID))" })
        case .pending, .claimed, .inFlight:
            outcome = .skipped(message: record.state.rawValue)
        case .failed, .unknown, .rejected:
            let message = record.error?.message ?? record.state.rawValue
            outcome = .failed(
                message: message, type: "\(record.state.rawValue)/\(record.error?.kind.rawValue ?? "")",
                details: message)
        }
        return JUnitXML.testCase(
            className: "\(manifest):\(row.row)", name: "\(row.recipient): \(row.media)", outcome: outcome)
    }

    public static let junitClosing = JUnitXML.closing
}
