import WabaMedia

/// Where a run is, as ``CampaignRun/progress`` reports it.
public struct CampaignProgress: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        /// Reading the manifest into the journal.
        case loading
        case sending
        /// Stopped claiming: waiting for the requests in flight.
        case stopping
        case finished
    }

    public var phase: Phase
    /// The campaign's rows by state, as this worker sees them (others' work shows at the end).
    public var counts: StateCounts
    /// Rows this run took to a final state.
    public var finishedThisRun: Int
    public var elapsed: Duration

    /// Rows finished per second in this run.
    public var messagesPerSecond: Double {
        elapsed.seconds > 0 ? Double(finishedThisRun) / elapsed.seconds : 0
    }

    /// How long the rows left would take at the current pace; nil before there is a pace.
    public var estimatedRemaining: Duration? {
        let rate = messagesPerSecond
        guard rate > 0 else { return nil }
        return .milliseconds(Int64(Double(counts.open) / rate * 1000))
    }
}
