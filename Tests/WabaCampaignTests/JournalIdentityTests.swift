import Foundation
import GRDB
import TestSupport
import Testing
import WabaCampaign

/// One journal, one sender, whatever the path: every spelling of a journal's path reaches one lock,
/// and a file that is not the journal as it was made is refused, never taken for a new campaign.
@Suite("SQLite journal identity")
struct JournalIdentityTests {
    /// A folder with a journal loaded with `rows` rows and closed.
    static func loadedJournal(rows: Int = 3) async throws -> (folder: URL, path: String) {
        let folder = try makeTemporaryDirectory("wamedia-journal-identity")
        let path = folder.appendingPathComponent("j.journal").path
        let journal = try SQLiteJournal(path: path)
        _ = try await journal.load(JournalContract.manifest, rows: JournalContract.rows(rows))
        try journal.close()
        return (folder, path)
    }

    static func code(_ body: () throws -> SQLiteJournal) -> CampaignJournalError.Code? {
        do {
            let journal = try body()
            try? journal.close()
            return nil
        } catch {
            return (error as? CampaignJournalError)?.code
        }
    }

    @Test("a hard link reaches the same lock, and is refused on its own unless adopted")
    func hardLink() async throws {
        let (folder, path) = try await Self.loadedJournal()
        let linked = folder.appendingPathComponent("hard.journal").path
        #expect(link(path, linked) == 0)
        let first = try SQLiteJournal(path: path, adopt: true)
        #expect(Self.code { try SQLiteJournal(path: linked, adopt: true) } == .busy)
        try first.close()
        #expect(Self.code { try SQLiteJournal(path: linked) } == .elsewhere)
        #expect(Self.code { try SQLiteJournal(path: path) } == .elsewhere, "every name of it is refused")
        let adopted = try SQLiteJournal(path: linked, adopt: true)
        #expect(try await adopted.load(JournalContract.manifest, rows: JournalContract.rows(3)) == .joined(rows: 3))
        try adopted.close()
    }

    @Test("a symbolic link is resolved first: one lock, and the write-ahead log beside the real file")
    func symbolicLink() async throws {
        let (folder, path) = try await Self.loadedJournal()
        let symbolic = folder.appendingPathComponent("sym.journal").path
        try FileManager.default.createSymbolicLink(atPath: symbolic, withDestinationPath: "j.journal")
        let first = try SQLiteJournal(path: path)
        #expect(Self.code { try SQLiteJournal(path: symbolic) } == .busy)
        try first.close()

        let throughLink = try SQLiteJournal(path: symbolic)
        _ = try await throughLink.claim(worker: "w", limit: 1, lease: .seconds(60))
        #expect(FileManager.default.fileExists(atPath: path + "-wal"))
        #expect(!FileManager.default.fileExists(atPath: symbolic + "-wal"))
        #expect(Self.code { try SQLiteJournal(path: path) } == .busy, "the real path is held too")
        try throughLink.close()

        let dangling = folder.appendingPathComponent("dangling.journal").path
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: "nowhere/j.journal")
        #expect(Self.code { try SQLiteJournal(path: dangling) } == .storage)
    }

    @Test("other spellings of the same path reach the same lock")
    func spellings() async throws {
        let (folder, path) = try await Self.loadedJournal()
        let name = folder.lastPathComponent
        let spellings = [
            folder.path + "/./j.journal",
            folder.path + "//j.journal",
            folder.path + "/../\(name)/j.journal",
        ]
        let first = try SQLiteJournal(path: path)
        for spelling in spellings {
            #expect(Self.code { try SQLiteJournal(path: spelling) } == .busy, "\(spelling)")
        }
        try first.close()
    }

    @Test("a copy of a journal is refused unless adopted: it records the file it was made in")
    func copy() async throws {
        let (folder, path) = try await Self.loadedJournal()
        let copied = folder.appendingPathComponent("copy.journal").path
        try FileManager.default.copyItem(atPath: path, toPath: copied)
        #expect(Self.code { try SQLiteJournal(path: copied) } == .elsewhere)
        // The original is still its own journal.
        try SQLiteJournal(path: path).close()
        let adopted = try SQLiteJournal(path: copied, adopt: true)
        try adopted.close()
        // Once adopted, the copy is a journal of its own.
        try SQLiteJournal(path: copied).close()
    }

    @Test("an empty file, a database without tables, another database or no database at all is not a journal")
    func notAJournal() async throws {
        let folder = try makeTemporaryDirectory("wamedia-journal-identity")
        let empty = folder.appendingPathComponent("empty.journal").path
        #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
        #expect(Self.code { try SQLiteJournal(path: empty) } == .notAJournal)
        #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty, "the file is left as it was")

        let noTables = folder.appendingPathComponent("no-tables.journal").path
        try await DatabaseQueue(path: noTables).write { db in
            try db.execute(sql: "CREATE TABLE t (x); DROP TABLE t")
        }
        #expect(Self.code { try SQLiteJournal(path: noTables) } == .notAJournal)

        let other = folder.appendingPathComponent("other.sqlite").path
        try await DatabaseQueue(path: other).write { db in try db.execute(sql: "CREATE TABLE notes (text)") }
        #expect(Self.code { try SQLiteJournal(path: other) } == .notAJournal)

        let text = folder.appendingPathComponent("text.journal").path
        try String(repeating: "not a database\n", count: 100).write(toFile: text, atomically: true, encoding: .utf8)
        #expect(Self.code { try SQLiteJournal(path: text) } == .notAJournal)
    }

    @Test("a journal truncated to nothing is not taken for a new campaign")
    func truncatedToZero() async throws {
        let (_, path) = try await Self.loadedJournal()
        #expect(truncate(path, 0) == 0)
        #expect(Self.code { try SQLiteJournal(path: path) } == .notAJournal)
    }

    @Test("rows that do not add up to the campaign's, or pages that cannot be read, make a damaged journal")
    func damaged() async throws {
        let (_, emptied) = try await Self.loadedJournal()
        try await DatabaseQueue(path: emptied).write { db in try db.execute(sql: "DELETE FROM messages") }
        #expect(Self.code { try SQLiteJournal(path: emptied) } == .damaged)

        let (_, oneLess) = try await Self.loadedJournal()
        try await DatabaseQueue(path: oneLess).write { db in try db.execute(sql: "DELETE FROM messages WHERE row = 2") }
        #expect(Self.code { try SQLiteJournal(path: oneLess) } == .damaged)

        let (_, noCampaign) = try await Self.loadedJournal()
        try await DatabaseQueue(path: noCampaign).write { db in try db.execute(sql: "DELETE FROM campaign") }
        #expect(Self.code { try SQLiteJournal(path: noCampaign) } == .damaged)

        // Enough rows for many pages, then the file cut in the middle.
        let (_, cut) = try await Self.loadedJournal(rows: 3_000)
        let size = try #require(try FileManager.default.attributesOfItem(atPath: cut)[.size] as? Int)
        #expect(truncate(cut, off_t(size / 2)) == 0)
        do {
            let journal = try SQLiteJournal(path: cut)
            try journal.close()
            Issue.record("a journal cut in half was opened")
        } catch let error as CampaignJournalError {
            #expect(error.code == .damaged, "\(error)")
            #expect(error.message.contains(cut), "the error names the journal: \(error.message)")
            #expect(!error.hint.contains("check the disk"), "the cause is named: \(error.hint)")
        }
    }

    @Test("a journal is made whole before it has its name: what a stopped creation leaves is cleared, never refused")
    func stoppedCreation() async throws {
        let (folder, path) = try await Self.loadedJournal()
        // Stopped between linking the journal into place and removing its temporary name.
        let leftover = folder.appendingPathComponent(".j.journal.creating.1f2e").path
        #expect(link(path, leftover) == 0)
        let journal = try SQLiteJournal(path: path)
        #expect(try await journal.counts().total == 3)
        try journal.close()
        #expect(!FileManager.default.fileExists(atPath: leftover), "the temporary name is removed")

        // Stopped before linking: an hour-old one is removed, a fresh one (being made now) is not.
        let abandoned = folder.appendingPathComponent(".k.journal.creating.0a1b").path
        let fresh = folder.appendingPathComponent(".k.journal.creating.9c8d").path
        for name in [abandoned, fresh] { #expect(FileManager.default.createFile(atPath: name, contents: Data())) }
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-7_200)], ofItemAtPath: abandoned)
        let made = try SQLiteJournal(path: folder.appendingPathComponent("k.journal").path)
        try made.close()
        #expect(!FileManager.default.fileExists(atPath: abandoned))
        #expect(FileManager.default.fileExists(atPath: fresh))
    }

    @Test("a journal made new is one file: no lock file beside it")
    func noLockFileBeside() async throws {
        let (folder, _) = try await Self.loadedJournal()
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        #expect(names == ["j.journal"], "\(names)")
    }

    @Test("a journal's location is read as users write it, and the journal opened there is closed after")
    func locations() async throws {
        #expect(
            JournalLocation("POSTGRESQL://sender:s3cret@127.0.0.1/c")
                == .postgres(url: "POSTGRESQL://sender:s3cret@127.0.0.1/c"))
        #expect(!JournalLocation("postgres://sender:s3cret@127.0.0.1/c").description.contains("s3cret"))
        #expect(JournalLocation("postgres.journal") == .sqlite(path: "postgres.journal"))
        let (_, path) = try await Self.loadedJournal()
        let rows = try await JournalLocation(path).withJournal { try await $0.counts().total }
        #expect(rows == 3)
        // Closed: it opens again at once.
        try SQLiteJournal(path: path).close()
    }
}
