public import Foundation
import Synchronization

/// How a message's media arrived: uploaded in `media_data` as base64, or given as a URL.
public enum SandboxMediaKind: String, Sendable, Hashable, Codable {
    case base64
    case url
}

/// One message the sandbox accepted (answered 200): what a rehearsal proves delivery against.
public struct SandboxAcceptedMessage: Sendable, Hashable, Codable {
    public var messageID: String
    public var channelID: String?
    public var contactID: String?
    /// The `thread_id` the request gave (nil when it named a channel and contact).
    public var threadID: String?
    public var mediaType: String
    public var mediaKind: SandboxMediaKind
    /// The SHA-256 (lower-case hex) of the media's bytes: the decoded upload, or for a URL the sandbox
    /// issued, the upload it points at. Nil for any other URL, which the sandbox never fetches.
    public var mediaDigest: String?
    /// The media's size in bytes, known as the digest is.
    public var mediaBytes: Int?
    /// The `media_url` the answer carried.
    public var mediaURL: String
    /// The caption (`content`), when one was sent.
    public var content: String?
    public var acceptedAt: Date

    public init(
        messageID: String, channelID: String?, contactID: String?, threadID: String?, mediaType: String,
        mediaKind: SandboxMediaKind, mediaDigest: String?, mediaBytes: Int?, mediaURL: String, content: String?,
        acceptedAt: Date
    ) {
        self.messageID = messageID
        self.channelID = channelID
        self.contactID = contactID
        self.threadID = threadID
        self.mediaType = mediaType
        self.mediaKind = mediaKind
        self.mediaDigest = mediaDigest
        self.mediaBytes = mediaBytes
        self.mediaURL = mediaURL
        self.content = content
        self.acceptedAt = acceptedAt
    }

    enum CodingKeys: String, CodingKey {
        case content
        case messageID = "message_id"
        case channelID = "channel_id"
        case contactID = "contact_id"
        case threadID = "thread_id"
        case mediaType = "media_type"
        case mediaKind = "media_kind"
        case mediaDigest = "media_sha256"
        case mediaBytes = "media_bytes"
        case mediaURL = "media_url"
        case acceptedAt = "accepted_at"
    }

    // The time is an ISO 8601 string with milliseconds whatever the coder's date strategy, so a
    // test in another process reads `GET /sandbox/accepted` with a plain JSONDecoder.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        messageID = try container.decode(String.self, forKey: .messageID)
        channelID = try container.decodeIfPresent(String.self, forKey: .channelID)
        contactID = try container.decodeIfPresent(String.self, forKey: .contactID)
        threadID = try container.decodeIfPresent(String.self, forKey: .threadID)
        mediaType = try container.decode(String.self, forKey: .mediaType)
        mediaKind = try container.decode(SandboxMediaKind.self, forKey: .mediaKind)
        mediaDigest = try container.decodeIfPresent(String.self, forKey: .mediaDigest)
        mediaBytes = try container.decodeIfPresent(Int.self, forKey: .mediaBytes)
        mediaURL = try container.decode(String.self, forKey: .mediaURL)
        content = try container.decodeIfPresent(String.self, forKey: .content)
        let time = try container.decode(String.self, forKey: .acceptedAt)
        guard let date = try? Date(time, strategy: SandboxLedger.timeFormat) else {
            throw DecodingError.dataCorruptedError(
                forKey: .acceptedAt, in: container, debugDescription: "accepted_at is not an ISO 8601 time: \(time)")
        }
        acceptedAt = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(messageID, forKey: .messageID)
        try container.encodeIfPresent(channelID, forKey: .channelID)
        try container.encodeIfPresent(contactID, forKey: .contactID)
        try container.encodeIfPresent(threadID, forKey: .threadID)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(mediaKind, forKey: .mediaKind)
        try container.encodeIfPresent(mediaDigest, forKey: .mediaDigest)
        try container.encodeIfPresent(mediaBytes, forKey: .mediaBytes)
        try container.encode(mediaURL, forKey: .mediaURL)
        try container.encodeIfPresent(content, forKey: .content)
        try container.encode(acceptedAt.formatted(SandboxLedger.timeFormat), forKey: .acceptedAt)
    }
}

/// How many send-media requests the sandbox answered, by what it answered.
public struct SandboxCounts: Sendable, Hashable, Codable {
    /// Answered 200: the message is in ``SandboxServer/acceptedMessages()``.
    public var accepted = 0
    /// Failures the sandbox injected on purpose (`failFirst`, `failRate`, `failNext(_:)`, the
    /// `x-sandbox-fail` header): 500 unless the header asked for another status.
    public var injectedFailures = 0
    /// Answered 429 because the rate limit was exceeded.
    public var rateLimited = 0
    /// Refused with another 4xx: bad key, bad fields, media the checks refuse, unknown contact, too large.
    public var refused = 0
    /// Failed on the sandbox's own side (it could not store an upload).
    public var serverErrors = 0

    public init() {}

    /// Every request answered.
    public var answered: Int { accepted + injectedFailures + rateLimited + refused + serverErrors }

    enum CodingKeys: String, CodingKey {
        case accepted, refused
        case injectedFailures = "injected_failures"
        case rateLimited = "rate_limited"
        case serverErrors = "server_errors"
    }
}

/// A request the sandbox did not accept, as the inbox's rehearsal panel lists it.
public struct SandboxFailure: Sendable, Hashable {
    public var time: Date
    public var status: Int
    /// The contact, or `thread …`, when the request got far enough to name one.
    public var recipient: String?
    /// The answer's message.
    public var reason: String
}

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
