/// What ``CampaignJournal/recoverAbandoned()`` changed.
public struct RecoveryCounts: Sendable, Hashable {
    /// Claimed rows given back to `pending`.
    public var released: Int
    /// In-flight rows made `unknown`.
    public var unknown: Int

    public init(released: Int = 0, unknown: Int = 0) {
        self.released = released
        self.unknown = unknown
    }
}
