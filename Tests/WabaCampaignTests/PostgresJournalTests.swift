import Foundation
import TestSupport
import Testing
import WabaCampaign
import WabaMedia

/// The PostgreSQL journal against a real throwaway cluster on loopback (scripts/with-postgres.sh):
/// concurrent claimers, lease expiry, in-flight rows after a crash, loading once.
@Suite(
    "PostgreSQL journal", .serialized,
    .enabled(if: TestPostgres.runs, "needs PostgreSQL: run the tests through scripts/with-postgres.sh"))
struct PostgresJournalTests {
    /// The contract every journal keeps, on a fresh database each.
    func contract(_ body: (JournalContract) async throws -> Void) async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                try await body(JournalContract { journal })
            }
        }
    }

    @Test func loadsOnceAndJoins() async throws { try await contract { try await $0.loadsOnceAndJoins() } }
    @Test func keepsEveryField() async throws { try await contract { try await $0.keepsEveryField() } }
    @Test func claimsEachRowOnce() async throws { try await contract { try await $0.claimsEachRowOnce() } }
    @Test func releasesAndRecovers() async throws { try await contract { try await $0.releasesAndRecovers() } }
    @Test func requeuesOnlyWhatIsAsked() async throws {
        try await contract { try await $0.requeuesOnlyWhatIsAsked() }
    }
    @Test func keepsTheFirstMediaURL() async throws { try await contract { try await $0.keepsTheFirstMediaURL() } }
    @Test func pagesInRowOrder() async throws { try await contract { try await $0.pagesInRowOrder() } }

    static func rows(_ count: Int, rejectedEvery: Int = 0) -> [CampaignRow] {
        (1...count).map { index in
            let row = index + 1
            if rejectedEvery > 0, index % rejectedEvery == 0 {
                return CampaignRow(
                    row: row, media: "/nowhere.jpg",
                    rejection: RowError(kind: .invalidRow, message: "line \(row): contact_id is required"))
            }
            return CampaignRow(
                row: row, channelID: "chn_pg", contactID: String(format: "00000000-0000-4000-8000-%012d", row),
                media: "/media/hero-\(row % 3).jpg", mediaType: .image, caption: "Hello \(row) 'quoted' \\ ☃",
                fileName: row % 2 == 0 ? "hero.jpg" : nil, saveMessage: row % 5 != 0)
        }
    }

    static let manifest = ManifestIdentity(path: "campaign.csv", fingerprint: String(repeating: "ab", count: 32))

    @Test("media types and asset keys are stored as the text earlier journals hold, and read back typed")
    func storesTheSameText() async throws {
        try await TestPostgres.withDatabase { url in
            let key = AssetKey(digest: String(repeating: "c", count: 64), mediaType: .video)
            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                _ = try await journal.load(Self.manifest, rows: Self.rows(3))
                try await journal.recordMediaURL("http://stored", forAsset: key)
            }
            func query(_ sql: String) throws -> String {
                try runTool("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAt", "-c", sql])
                    .trimmingCharacters(in: .whitespacesAndNewlines)
            }
            #expect(try query("SELECT DISTINCT media_type FROM wamedia_messages") == "image")
            #expect(try query("SELECT asset FROM wamedia_assets") == String(repeating: "c", count: 64) + "/video")

            // A row and an asset as an earlier version wrote them.
            let old = String(repeating: "d", count: 64) + "/audio"
            _ = try query("UPDATE wamedia_messages SET media_type = 'document' WHERE manifest_row = 3")
            _ = try query("INSERT INTO wamedia_assets (asset, media_url) VALUES ('\(old)', 'http://old')")
            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                let types = try await journal.records(after: 0, limit: 10).map(\.row.mediaType)
                #expect(types == [.image, .document, .image])
                #expect(try await journal.mediaURL(forAsset: key) == "http://stored")
                #expect(
                    try await journal.mediaURL(
                        forAsset: AssetKey(digest: String(repeating: "d", count: 64), mediaType: .audio))
                        == "http://old")
            }
        }
    }

    @Test("the manifest is loaded once: concurrent first workers serialise, one loads and the others join")
    func loadOnceThenJoin() async throws {
        try await TestPostgres.withDatabase { url in
            let rows = Self.rows(2_500, rejectedEvery: 100)
            let sources = (0..<4).map { _ in JournalContract.Watched(rows) }
            let loads = try await withThrowingTaskGroup(of: JournalLoad.self) { group in
                for source in sources {
                    group.addTask {
                        try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) {
                            try await $0.load(Self.manifest, rows: source)
                        }
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(loads.filter { $0 == .loaded(rows: 2_500, rejected: 25) }.count == 1, "\(loads)")
            #expect(loads.filter { $0 == .joined(rows: 2_500) }.count == 3, "\(loads)")
            #expect(sources.filter(\.iterated).count == 1, "only the loading worker reads the manifest")

            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                let counts = try await journal.counts()
                #expect(counts[.pending] == 2_475 && counts[.rejected] == 25 && counts.total == 2_500)
                // The rows read back as they were written, quotes, backslashes and non-ASCII included.
                let records = try await journal.records(after: 0, limit: 10_000)
                #expect(records.map(\.row) == rows)
                #expect(records[99].error?.kind == .invalidRow)

                let other = ManifestIdentity(path: "edited.csv", fingerprint: String(repeating: "cd", count: 32))
                await #expect(throws: CampaignJournalError.self) { try await journal.load(other, rows: rows) }
                do {
                    _ = try await journal.load(other, rows: rows)
                } catch let error as CampaignJournalError {
                    #expect(error.code == .otherCampaign)
                    #expect(error.message.contains("edited.csv"))
                }
            }
        }
    }

    @Test("concurrent claimers never get the same row, and together get every pending row")
    func claimRaces() async throws {
        try await TestPostgres.withDatabase { url in
            let total = 3_000
            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) {
                _ = try await $0.load(Self.manifest, rows: Self.rows(total))
            }
            // Three processes' worth of pools, two workers each, claiming small batches as fast as they can.
            let claims = try await withThrowingTaskGroup(of: [Int].self) { group in
                for pool in 0..<3 {
                    group.addTask {
                        try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) {
                            journal in
                            try await withThrowingTaskGroup(of: [Int].self) { workers in
                                for worker in 0..<2 {
                                    workers.addTask {
                                        var mine: [Int] = []
                                        for _ in 0..<1_000 {
                                            let batch = try await journal.claim(
                                                worker: "w\(pool)-\(worker)", limit: 17, lease: .seconds(60))
                                            if batch.isEmpty { break }
                                            mine += batch.map(\.row)
                                        }
                                        return mine
                                    }
                                }
                                return try await workers.reduce(into: []) { $0 += $1 }
                            }
                        }
                    }
                }
                return try await group.reduce(into: [[Int]]()) { $0.append($1) }
            }
            let all = claims.flatMap { $0 }
            #expect(all.count == total, "every row claimed exactly once")
            #expect(Set(all).count == total, "no row claimed twice")
            #expect(claims.allSatisfy { !$0.isEmpty }, "every pool got some: none waited on another's locks")
            let counts = try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) {
                try await $0.counts()
            }
            #expect(counts[.claimed] == total)
        }
    }

    @Test("a crashed worker's claims return to the pool when the lease ends, its in-flight rows become unknown")
    func leaseExpiry() async throws {
        try await TestPostgres.withDatabase { url in
            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { journal in
                _ = try await journal.load(Self.manifest, rows: Self.rows(40))
                let lease = Duration.milliseconds(1_500)
                let crashed = try await journal.claim(worker: "crashed", limit: 10, lease: lease)
                let live = try await journal.claim(worker: "live", limit: 10, lease: lease)
                #expect(crashed.map(\.row) == Array(2...11))
                for row in crashed.prefix(3) {
                    #expect(try await journal.markInFlight(row: row.row, worker: "crashed"))
                }
                #expect(try await journal.markInFlight(row: live[0].row, worker: "live"))
                // Someone else's row is not this worker's to move.
                #expect(try await journal.markInFlight(row: live[1].row, worker: "crashed") == false)

                // While the leases run, nothing is recovered.
                #expect(try await journal.recoverAbandoned() == RecoveryCounts())
                // The live worker renews; the crashed one cannot.
                let end = ContinuousClock.now + .seconds(3)
                while ContinuousClock.now < end {
                    try await journal.renew(worker: "live", lease: lease)
                    try await Task.sleep(for: .milliseconds(300))
                }
                #expect(try await journal.recoverAbandoned() == RecoveryCounts(released: 7, unknown: 3))

                let records = try await journal.records(after: 0, limit: 100)
                let byRow = Dictionary(uniqueKeysWithValues: records.map { ($0.row.row, $0) })
                for row in crashed.prefix(3) {
                    #expect(byRow[row.row]?.state == .unknown)
                    #expect(byRow[row.row]?.error?.kind == .interrupted)
                }
                for row in crashed.dropFirst(3) { #expect(byRow[row.row]?.state == .pending) }
                #expect(byRow[live[0].row]?.state == .inFlight)
                #expect(live.dropFirst().allSatisfy { byRow[$0.row]?.state == .claimed })

                // The crashed worker, were it only slow, can no longer move what it lost.
                #expect(try await journal.markInFlight(row: crashed[4].row, worker: "crashed") == false)
                let late = RowOutcome.sent(SentMessage(messageID: "msg-late", providerID: "p", mediaURL: "u"))
                #expect(try await journal.record(row: crashed[0].row, worker: "crashed", outcome: late) == false)
                #expect(byRow[crashed[0].row]?.state == .unknown)

                // Another worker picks up the released rows, lowest first.
                let next = try await journal.claim(worker: "survivor", limit: 7, lease: lease)
                #expect(next.map(\.row) == crashed.dropFirst(3).map(\.row))
            }
        }
    }

    @Test("a bad URL or an unreachable server is a storage error that says what to do, never a hang")
    func unreachable() async throws {
        for url in ["mysql://u@127.0.0.1/db", "postgres://127.0.0.1/db", "postgres://u@127.0.0.1:5/"] {
            do {
                try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { _ in }
                Issue.record("\(url) opened")
            } catch let error as CampaignJournalError {
                #expect(error.code == .storage, "\(url)")
                #expect(error.message.contains("not a PostgreSQL URL"), "\(url): \(error)")
            }
        }
        // A closed port on loopback: refused at once, reported, within the first contact's limit.
        let started = ContinuousClock.now
        let limit = Duration.seconds(5)
        do {
            try await PostgresJournal.withJournal(url: "postgres://u:secret@127.0.0.1:9/db", reachingWithin: limit) {
                _ in
            }
            Issue.record("a closed port opened")
        } catch let error as CampaignJournalError {
            #expect(error.code == .storage)
            #expect(error.message.contains("postgres://u:***@127.0.0.1:9/db"), "\(error)")
            #expect(!error.description.contains("secret"))
        }
        #expect(ContinuousClock.now - started < limit + .seconds(10))
    }

    /// The throwaway cluster's URL with `user` and `database` in place of its own.
    static func url(user: String? = nil, database: String) throws -> String {
        var components = try #require(TestPostgres.url.flatMap { URLComponents(string: $0) })
        if let user { components.user = user }
        components.path = "/" + database
        return try #require(components.string)
    }

    @Test(
        "the server's refusal (a missing database or role) is reported at once, in its words and with its SQLSTATE",
        arguments: [
            (nil, "wamedia_missing_db", "database \"wamedia_missing_db\" does not exist", "3D000"),
            ("wamedia_missing_role", "wamedia_test", "role \"wamedia_missing_role\" does not exist", "28000"),
        ])
    func refusedAtOnce(user: String?, database: String, said: String, sqlState: String) async throws {
        let url = try Self.url(user: user, database: database)
        let started = ContinuousClock.now
        do {
            try await PostgresJournal.withJournal(url: url, reachingWithin: TestPostgres.contactLimit) { _ in }
            Issue.record("\(url) opened")
        } catch let error as CampaignJournalError {
            #expect(error.code == .storage)
            #expect(error.message.contains(said), "\(error.message)")
            #expect(error.message.contains("SQLSTATE \(sqlState)"), "\(error.message)")
            #expect(error.message.contains("refused the connection"), "\(error.message)")
            #expect(!error.message.contains("could not be reached"))
            #expect(!error.hint.isEmpty && !error.hint.contains("port"), "\(error.hint)")
        }
        // Well under the 30 s of retries an unreachable server gets, with room for a busy test process.
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < PostgresJournal.firstContactLimit / 2, "the refusal took \(elapsed)")
    }
}
