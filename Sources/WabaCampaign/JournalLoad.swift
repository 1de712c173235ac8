/// What ``CampaignJournal/load(_:rows:)`` did.
public enum JournalLoad: Sendable, Hashable {
    /// This call loaded the manifest: `rows` rows, of which `rejected` were invalid.
    case loaded(rows: Int, rejected: Int)
    /// The campaign was already loaded (a rerun, or another worker loaded it).
    case joined(rows: Int)
}
