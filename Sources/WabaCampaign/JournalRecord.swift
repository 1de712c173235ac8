/// A row and what became of it, as the report reads it.
public struct JournalRecord: Sendable, Hashable {
    public var row: CampaignRow
    public var state: RowState
    /// Requests made for the row so far, over all runs.
    public var attempts: Int
    /// Set when `state` is `sent`.
    public var sent: SentMessage?
    /// Set when `state` is `failed`, `unknown` or `rejected`.
    public var error: RowError?

    public init(row: CampaignRow, state: RowState, attempts: Int, sent: SentMessage? = nil, error: RowError? = nil) {
        self.row = row
        self.state = state
        self.attempts = attempts
        self.sent = sent
        self.error = error
    }
}
