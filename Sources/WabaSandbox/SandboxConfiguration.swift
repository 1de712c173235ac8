public import WabaMedia

/// How the sandbox behaves.
public struct SandboxConfiguration: Sendable {
    /// The key clients must send in `x-api-key`.
    public static let defaultAPIKey = "sandbox-key"
    /// A contact that never exists: requests to it get 404, as for an unknown contact.
    public static let unknownContactID = "00000000-0000-0000-0000-000000000000"
    /// A channel that exists but is not a WABA channel: requests through it get 400.
    public static let nonWABAChannelID = "chn_not_waba"
    /// A request with this header answers with its value as status (500, 503…) after reading the body.
    public static let failHeader = "x-sandbox-fail"

    public var host: String
    /// 0 picks a free port.
    public var port: Int
    public var apiKey: String
    /// Where received media and metadata are kept, one folder per message; nothing is kept when nil.
    public var storeDirectory: String?
    /// How many sends, from the start, fail with 500 after their body was read and checked: the
    /// first `failFirst` requests that would otherwise have been accepted.
    public var failFirst: Int
    /// The share of sends (0...1) that fail with 500 after their body was read and checked, drawn
    /// for each send that would otherwise have been accepted.
    public var failRate: Double
    /// Makes ``failRate``'s draws reproducible: the same seed fails the same sends, counted in the
    /// order they arrive. Nil picks one at random (``SandboxServer/failRateSeed`` tells which).
    public var failRateSeed: UInt64?
    /// How long every send-media answer is held back, as a slow platform would.
    public var answerDelay: Duration
    /// Sends taken per second; above it the answer is 429 with `Retry-After` (a sliding one-second
    /// window over the sends taken). Nil: no limit.
    public var rateLimit: Int?
    /// The contacts that exist. When nil, every UUID exists except ``unknownContactID``.
    public var knownContacts: Set<String>?
    /// The limits uploaded media is checked against.
    public var profile: MediaProfile
    /// How long a client has to send a request's head, from the connection opening or the previous
    /// answer: a client trickling header bytes is cut off here.
    public var headerTimeout: Duration
    /// How long a request's body may make no progress before the connection is closed.
    public var idleTimeout: Duration
    /// The largest body taken; a larger one is refused with 413 as soon as that is known (its
    /// Content-Length, or the bytes read so far), never spooled. Nil derives it from the profile:
    /// the base64 of the largest media it allows, plus room for the other fields.
    public var maxBodyBytes: Int?
    /// How long the inbox's preview of a kept video or audio file may take (a poster frame, a
    /// level); nil keeps ``PosterFrame``'s and ``AudioLevel``'s own limits.
    public var previewTimeLimit: Duration?

    public init(
        host: String = "127.0.0.1", port: Int = 0, apiKey: String = defaultAPIKey, storeDirectory: String? = nil,
        failFirst: Int = 0, failRate: Double = 0, failRateSeed: UInt64? = nil, answerDelay: Duration = .zero,
        rateLimit: Int? = nil, knownContacts: Set<String>? = nil, profile: MediaProfile = .whatsappCloud,
        headerTimeout: Duration = .seconds(10), idleTimeout: Duration = .seconds(30), maxBodyBytes: Int? = nil
    ) {
        self.host = host
        self.port = port
        self.apiKey = apiKey
        self.storeDirectory = storeDirectory
        self.failFirst = failFirst
        self.failRate = failRate
        self.failRateSeed = failRateSeed
        self.answerDelay = answerDelay
        self.rateLimit = rateLimit
        self.knownContacts = knownContacts
        self.profile = profile
        self.headerTimeout = headerTimeout
        self.idleTimeout = idleTimeout
        self.maxBodyBytes = maxBodyBytes
    }

    /// Why the rehearsal settings cannot be used, or nil when they can.
    public var rehearsalProblem: String? {
        if failFirst < 0 { return "failFirst is \(failFirst): it cannot be negative" }
        if !(failRate.isFinite && (0...1).contains(failRate)) {
            return "failRate is \(failRate): it is a share of sends, from 0 to 1"
        }
        if answerDelay < .zero || answerDelay > Self.longestAnswerDelay {
            return "answerDelay is \(answerDelay): it must be from 0 to \(Self.longestAnswerDelay)"
        }
        if let rateLimit, rateLimit < 1 { return "rateLimit is \(rateLimit): it must be at least 1 per second" }
        return nil
    }

    /// The longest ``answerDelay`` taken: longer would outlast any client's timeout.
    public static let longestAnswerDelay: Duration = .seconds(600)

    /// The largest media of any type the profile allows: what media is held to before its type is known.
    var maxMediaBytes: Int { MediaType.allCases.map { profile.maxBytes(for: $0) }.max() ?? 0 }

    /// ``maxBodyBytes``, or the base64 of the largest media plus 1 MiB for the other fields.
    var bodyLimit: Int { maxBodyBytes ?? (min(maxMediaBytes, Int.max / 4) + 2) / 3 * 4 + (1 << 20) }
}
