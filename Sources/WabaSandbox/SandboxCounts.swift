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
