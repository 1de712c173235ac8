/// One thing validation noticed about a file, in the words users see.
///
/// Findings are collected, never thrown: a file can have several at once, and the
/// worst one decides the ``Verdict``.
public struct Finding: Sendable, Hashable, Codable {
    /// How much a finding weighs.
    public enum Severity: String, Sendable, Hashable, Codable, Comparable {
        /// Worth knowing; the file is sent as it is.
        case warning
        /// The pipeline changes the file so it conforms.
        case fixable
        /// The file cannot be sent as the requested media type.
        case rejected

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

        private var rank: Int {
            switch self {
            case .warning: 0
            case .fixable: 1
            case .rejected: 2
            }
        }
    }

    /// A stable, machine-readable name for a kind of finding.
    ///
    /// Codes are part of the public contract (scripts match on them), so they are
    /// strings that only ever grow, not an enum that would break on a new case.
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible,
        ExpressibleByStringLiteral
    {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(stringLiteral value: String) { self.rawValue = value }
        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            rawValue = try decoder.singleValueContainer().decode(String.self)
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    public var code: Code
    public var severity: Severity
    public var message: String
    public var hint: String

    public init(_ code: Code, _ severity: Severity, message: String, hint: String) {
        self.code = code
        self.severity = severity
        self.message = message
        self.hint = hint
    }
}
