/// How a row's message ended, as ``CampaignJournal/record(row:worker:outcome:)`` stores it.
public enum RowOutcome: Sendable, Hashable {
    case sent(SentMessage)
    case failed(RowError)
    case unknown(RowError)
    case rejected(RowError)

    /// The state the row ends in.
    public var state: RowState {
        switch self {
        case .sent: .sent
        case .failed: .failed
        case .unknown: .unknown
        case .rejected: .rejected
        }
    }
}
