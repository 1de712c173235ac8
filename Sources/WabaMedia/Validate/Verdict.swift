/// What validation concludes about a file for one media type.
public enum Verdict: String, Sendable, Hashable, Codable, Comparable, CaseIterable, CustomStringConvertible {
    /// Sendable as it is.
    case ok
    /// The pipeline can make it conform.
    case fixable
    /// It cannot be sent as that media type.
    case rejected

    public var description: String { rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }

    private var rank: Int {
        switch self {
        case .ok: 0
        case .fixable: 1
        case .rejected: 2
        }
    }

    /// The verdict that a set of findings amounts to: the worst of them.
    public init(findings: some Sequence<Finding>) {
        let worst = findings.map(\.severity).max()
        switch worst {
        case nil, .warning?: self = .ok
        case .fixable?: self = .fixable
        case .rejected?: self = .rejected
        }
    }
}
