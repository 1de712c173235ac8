import Testing

@testable import WabaCampaign

@Suite("What a run comes to")
struct CampaignOutcomeTests {
    static func outcome(_ counts: [RowState: Int], recoveredUnknown: Int = 0, stopped: Bool = false)
        -> CampaignOutcome
    {
        CampaignOutcome(
            counts: StateCounts(counts), load: .joined(rows: counts.values.reduce(0, +)),
            recovered: RecoveryCounts(unknown: recoveredUnknown), requeued: 0, stopped: stopped)
    }

    @Test("every row sent: no shortfall, and nothing to note")
    func allSent() {
        let outcome = Self.outcome([.sent: 3])
        #expect(outcome.shortfall == nil)
        #expect(outcome.recoveryNote == nil)
    }

    @Test("each kind of row left is counted, with what to do about it")
    func shortfall() throws {
        let outcome = Self.outcome(
            [.sent: 2, .failed: 1, .unknown: 1, .rejected: 1, .pending: 2], recoveredUnknown: 1, stopped: true)
        let shortfall = try #require(outcome.shortfall)
        #expect(shortfall.message == "2 of 7 messages sent: 1 failed, 1 unknown, 1 rejected, 2 not sent yet (stopped)")
        #expect(
            shortfall.hints == [
                "run the same command again to send the rest",
                "rows that failed for now (429, 5xx) are sent again with --retry-failed",
                "check whether the 'unknown' rows arrived before sending them again with --resend-unknown",
                "fix the rejected rows (see the report) and send them in a new manifest",
            ])
        #expect(outcome.recoveryNote == "1 row(s) were in flight when an earlier run stopped: they are 'unknown'")
    }

    @Test("a journal that is not this campaign's to send from is the wrong journal; one that cannot be written is not")
    func wrongJournal() {
        for code in [CampaignJournalError.Code.otherCampaign, .busy, .notAJournal, .elsewhere] {
            #expect(CampaignJournalError(code, "m", hint: "h").isWrongJournal, "\(code)")
        }
        for code in [CampaignJournalError.Code.storage, .damaged] {
            #expect(!CampaignJournalError(code, "m", hint: "h").isWrongJournal, "\(code)")
        }
        #expect(JournalLocation.beside(manifest: "/m/messages.csv") == .sqlite(path: "/m/messages.csv.journal"))
    }
}
