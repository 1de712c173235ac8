import Foundation
import GRDB
import TestSupport
import Testing
import WabaCampaign
import WabaMedia

@Suite("SQLite journal")
struct SQLiteJournalTests {
    static let contract = JournalContract {
        try SQLiteJournal(path: try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path)
    }

    @Test func loadsOnceAndJoins() async throws { try await Self.contract.loadsOnceAndJoins() }
    @Test func keepsEveryField() async throws { try await Self.contract.keepsEveryField() }
    @Test func claimsEachRowOnce() async throws { try await Self.contract.claimsEachRowOnce() }
    @Test func releasesAndRecovers() async throws { try await Self.contract.releasesAndRecovers() }
    @Test func requeuesOnlyWhatIsAsked() async throws { try await Self.contract.requeuesOnlyWhatIsAsked() }
    @Test func keepsTheFirstMediaURL() async throws { try await Self.contract.keepsTheFirstMediaURL() }
    @Test func pagesInRowOrder() async throws { try await Self.contract.pagesInRowOrder() }

    @Test("one process at a time: a second opener is refused until the first closes")
    func locksTheJournal() throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        let first = try SQLiteJournal(path: path)
        #expect {
            _ = try SQLiteJournal(path: path)
        } throws: { ($0 as? CampaignJournalError)?.code == .busy }
        try first.close()
        let second = try SQLiteJournal(path: path)
        try second.close()
    }

    @Test("a lock released within a moment is waited for: the journal is not called busy")
    func waitsForALockReleasedSoon() throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        try SQLiteJournal(path: path).close()
        // Another process holds the lock (on the journal's file itself) for half a second.
        let holder = Process()
        holder.executableURL = URL(fileURLWithPath: "/usr/bin/flock")
        holder.arguments = ["--exclusive", path, "sleep", "0.5"]
        try holder.run()
        defer { holder.waitUntilExit() }
        // Bounded: 5 s for the other process to start and take it, however loaded the machine.
        let held = (0..<2_500).contains { _ in
            let probe = open(path, O_RDONLY | O_CLOEXEC)
            defer { close(probe) }
            if flock(probe, LOCK_EX | LOCK_NB) != 0 { return true }
            usleep(2_000)
            return false
        }
        try #require(held, "the other process never took the lock")
        let journal = try SQLiteJournal(path: path)
        try journal.close()
    }

    @Test("a committed state survives reopening; a load cut short leaves nothing behind")
    func survivesReopening() async throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        let journal = try SQLiteJournal(path: path)
        // A manifest whose reading fails half-way: nothing of it is kept.
        struct Failing: Sequence, IteratorProtocol {
            var left = 5
            mutating func next() -> CampaignRow? {
                left -= 1
                return left >= 0 ? JournalContract.rows(1)[0] : nil
            }
        }
        _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(3))
        _ = try await journal.claim(worker: "w", limit: 2, lease: .seconds(60))
        #expect(try await journal.markInFlight(row: 2, worker: "w"))
        try journal.close()

        let reopened = try SQLiteJournal(path: path)
        #expect(try await reopened.counts()[.inFlight] == 1)
        #expect(try await reopened.recoverAbandoned() == RecoveryCounts(released: 1, unknown: 1))
        #expect(try await reopened.load(JournalContract.manifest, rows: Failing()) == .joined(rows: 3))
        try reopened.close()

        let fresh = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("k.journal").path
        let empty = try SQLiteJournal(path: fresh)
        // Rows with one number twice cannot be loaded: the load fails whole.
        let duplicated = JournalContract.rows(3) + JournalContract.rows(1)
        await #expect(throws: CampaignJournalError.self) {
            try await empty.load(JournalContract.manifest, rows: duplicated)
        }
        #expect(try await empty.counts().total == 0)
        #expect(
            try await empty.load(JournalContract.manifest, rows: JournalContract.rows(3))
                == .loaded(rows: 3, rejected: 0))
        try empty.close()
    }

    @Test("claiming reads an index of pending rows only; a journal with the earlier index over every state is upgraded")
    func claimsFromThePendingIndex() async throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        let journal = try SQLiteJournal(path: path)
        _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(4))
        try journal.close()
        // The journal as an earlier version left it: every state change rewrote this index.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(
                sql: """
                    DROP INDEX pending_messages;
                    CREATE INDEX messages_by_state ON messages (state, row);
                    """)
        }

        let upgraded = try SQLiteJournal(path: path)
        #expect(try await upgraded.claim(worker: "w", limit: 2, lease: .seconds(60)).map(\.row) == [2, 3])
        #expect(try await upgraded.markInFlight(row: 2, worker: "w"))
        try upgraded.close()
        let (indexes, plan) = try await DatabaseQueue(path: path).read { db in
            (
                try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"),
                try Row.fetchAll(
                    db,
                    sql: """
                        EXPLAIN QUERY PLAN
                        SELECT row FROM messages WHERE state = 'pending' ORDER BY row LIMIT 16
                        """
                ).map { $0["detail"] as String }.joined(separator: "\n")
            )
        }
        #expect(indexes == ["pending_messages"])
        #expect(plan.contains("pending_messages"), "claiming scans instead: \(plan)")
    }

    @Test("media types and asset keys are stored as the text earlier journals hold, and read back typed")
    func storesTheSameText() async throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        let journal = try SQLiteJournal(path: path)
        _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(2))
        let key = AssetKey(digest: String(repeating: "c", count: 64), mediaType: .video)
        try await journal.recordMediaURL("http://stored", forAsset: key)
        try journal.close()
        let (types, assets) = try await DatabaseQueue(path: path).read { db in
            (
                try String.fetchAll(db, sql: "SELECT DISTINCT media_type FROM messages"),
                try String.fetchAll(db, sql: "SELECT asset FROM assets")
            )
        }
        #expect(types == ["image"])
        #expect(assets == [String(repeating: "c", count: 64) + "/video"])

        // A row and an asset as an earlier version wrote them.
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE messages SET media_type = 'document' WHERE row = 3")
            try db.execute(
                sql:
                    "INSERT INTO assets (asset, media_url) VALUES ('\(String(repeating: "d", count: 64))/audio', 'http://old')"
            )
        }
        let reopened = try SQLiteJournal(path: path)
        defer { try? reopened.close() }
        #expect(try await reopened.records(after: 0, limit: 10).map(\.row.mediaType) == [.image, .document])
        #expect(try await reopened.mediaURL(forAsset: key) == "http://stored")
        #expect(
            try await reopened.mediaURL(
                forAsset: AssetKey(digest: String(repeating: "d", count: 64), mediaType: .audio))
                == "http://old")
    }

    @Test("a media type this version does not know is refused, never sent as something else")
    func refusesAnUnknownMediaType() async throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        let journal = try SQLiteJournal(path: path)
        _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(2))
        try journal.close()
        try await DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE messages SET media_type = 'hologram' WHERE row = 2")
        }
        let reopened = try SQLiteJournal(path: path)
        defer { try? reopened.close() }
        await #expect {
            _ = try await reopened.claim(worker: "w", limit: 10, lease: .seconds(60))
        } throws: { error in
            let error = error as? CampaignJournalError
            return error?.code == .storage && error?.message.contains("hologram") == true
        }
    }

    @Test("a write that waits for SQLite's lock holds no thread while it waits")
    func writesWaitOffThePool() async throws {
        let path = try makeTemporaryDirectory("wamedia-journal").appendingPathComponent("j.journal").path
        let journal = try SQLiteJournal(path: path)
        defer { try? journal.close() }
        _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(4))

        // Another program holds the database's write lock for two seconds, on a thread of its own.
        let holder = try DatabaseQueue(path: path)
        let tookTheLock = await withCheckedContinuation { (locked: CheckedContinuation<Bool, Never>) in
            Thread.detachNewThread {
                var told = false
                func tell(_ held: Bool) {
                    if !told { locked.resume(returning: held) }
                    told = true
                }
                try? holder.writeWithoutTransaction { db in
                    try db.execute(sql: "BEGIN IMMEDIATE")
                    tell(true)
                    Thread.sleep(forTimeInterval: 2)
                    try db.execute(sql: "COMMIT")
                }
                tell(false)
            }
        }
        try #require(tookTheLock)
        // Writers whose tasks run on an executor of one thread, each waiting for the lock. A write
        // that held its thread while it waited would hold that thread, and nothing else could run
        // there until the lock was free (Swift's pool, with two cores, has two such threads).
        let executor = DedicatedExecutor(label: "journal-writers")
        let writers = Task(executorPreference: executor) {
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 { group.addTask { try await journal.requeue(.unknown) } }
                return try await group.reduce(0, +)
            }
        }
        try await Task.sleep(for: .milliseconds(100))
        let asked = ContinuousClock.now
        let ran = await Task(executorPreference: executor) { ContinuousClock.now }.value
        #expect(ran - asked < .milliseconds(500), "the writers held the thread for \(ran - asked)")
        #expect(try await writers.value == 0, "every write went through once the lock was free")
    }
}
