/// How a run ended.
public struct CampaignOutcome: Sendable, Hashable {
    /// The whole campaign's rows by state, earlier runs' and other workers' included.
    public var counts: StateCounts
    public var load: JournalLoad
    /// What this run found left by a crashed one.
    public var recovered: RecoveryCounts
    /// Rows sent again because the options asked.
    public var requeued: Int
    /// Whether the run was stopped before every row was tried.
    public var stopped: Bool

    /// Whether every row of the campaign was sent: the only outcome that is a success.
    public var allSent: Bool { counts[.sent] == counts.total }

    /// What a run that left rows unsent comes to, and what to do about each kind; nil when every row
    /// was sent.
    public var shortfall: Shortfall? {
        allSent ? nil : Shortfall(self)
    }

    /// Rows an earlier run left in flight, which this run found and made `unknown`, in words; nil when
    /// there were none.
    public var recoveryNote: String? {
        guard recovered.unknown > 0 else { return nil }
        return "\(recovered.unknown) row(s) were in flight when an earlier run stopped: they are 'unknown'"
    }

    /// The rows a run did not send, in words (`17 of 20 messages sent: 3 failed`), and what to do next.
    public struct Shortfall: Sendable, Hashable {
        public var message: String
        /// One for each kind of row left: how to send the rest, what to check first, what to fix.
        public var hints: [String]

        init(_ outcome: CampaignOutcome) {
            let counts = outcome.counts
            var parts: [String] = []
            for state in [RowState.failed, .unknown, .rejected] where counts[state] > 0 {
                parts.append("\(counts[state]) \(state.rawValue)")
            }
            let open = counts.open
            if open > 0 { parts.append("\(open) not sent yet") }
            message =
                "\(counts[.sent]) of \(counts.total) messages sent: " + parts.joined(separator: ", ")
                + (outcome.stopped ? " (stopped)" : "")
            hints = []
            if open > 0 { hints.append("run the same command again to send the rest") }
            if counts[.failed] > 0 {
                hints.append("rows that failed for now (429, 5xx) are sent again with --retry-failed")
            }
            if counts[.unknown] > 0 {
                hints.append("check whether the 'unknown' rows arrived before sending them again with --resend-unknown")
            }
            if counts[.rejected] > 0 {
                hints.append("fix the rejected rows (see the report) and send them in a new manifest")
            }
        }
    }
}
