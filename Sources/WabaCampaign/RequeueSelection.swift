/// Which finished rows a run sends again.
public struct RequeueSelection: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `failed` rows whose error is ``RowError/retryable`` (`--retry-failed`).
    public static let retryableFailures = RequeueSelection(rawValue: 1)
    /// `unknown` rows (`--resend-unknown`, after the user has looked).
    public static let unknown = RequeueSelection(rawValue: 2)
}
