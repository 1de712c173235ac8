/// Why a row did not end `sent`.
public struct RowError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of failure: the client's error kinds (`bad-request`, `server-error`, `unknown`, …) plus
    /// the campaign's own.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The manifest row cannot be sent as written.
        public static let invalidRow = Kind("invalid-row")
        /// The asset was rejected by the checks (or could not be read or prepared).
        public static let assetRejected = Kind("asset-rejected")
        /// The worker stopped (crashed, killed, aborted) while the request was out.
        public static let interrupted = Kind("interrupted")
    }

    public var kind: Kind
    /// The HTTP status, when the server answered.
    public var httpStatus: Int?
    /// What happened and what to do, in words.
    public var message: String
    /// Whether `--retry-failed` sends the row again: the server refused it for now (429), failed (5xx),
    /// or was never reached. Decided by the sender when it records the failure.
    public var retryable: Bool

    public init(kind: Kind, httpStatus: Int? = nil, message: String, retryable: Bool = false) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}

extension RowError {
    /// Why a row whose request was out when its worker stopped is `unknown`, and what to do.
    static let interruptedMessage =
        "the sender stopped while the request was out: the message may or may not have been sent; check the conversation, then resend with --resend-unknown if it did not arrive"
}
