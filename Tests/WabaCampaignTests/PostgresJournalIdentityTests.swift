import Foundation
import TestSupport
import Testing
import WabaCampaign

/// A PostgreSQL journal whose rows were removed is refused, never taken for a new campaign.
@Suite(
    "PostgreSQL journal: rows that do not add up",
    .enabled(if: TestPostgres.runs, "needs PostgreSQL: run the tests through scripts/with-postgres.sh"))
struct PostgresJournalIdentityTests {
    @Test("an emptied messages table, or rows without a campaign record, make a damaged journal")
    func rowsThatDoNotAddUp() async throws {
        for statement in [
            "DELETE FROM wamedia_messages", "DELETE FROM wamedia_messages WHERE manifest_row = 2",
            "DELETE FROM wamedia_campaign",
        ] {
            try await TestPostgres.withDatabase { url in
                try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                    _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(3))
                }
                _ = try runTool("psql", [url, "-v", "ON_ERROR_STOP=1", "-q", "-c", statement])
                try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                    do {
                        let load = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(3))
                        Issue.record("after \(statement), the journal was taken as it was: \(load)")
                    } catch let error as CampaignJournalError {
                        #expect(error.code == .damaged, "\(statement): \(error)")
                        #expect(error.hint.contains("restore the journal"))
                    }
                }
            }
        }
    }
}
