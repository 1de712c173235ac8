import Foundation
import GRDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The campaign journal in one SQLite file, for one sender at a time.
///
/// WAL mode with `synchronous=NORMAL`: a committed transaction survives the process being killed at any
/// instant (it is in the write-ahead log, which the next opener replays); only a power loss may take the
/// last transactions back. Each state change is its own transaction, committed before the method returns;
/// a change made by one statement (claiming, marking in flight, recording an outcome) is that
/// statement's implicit transaction, which saves a `BEGIN` and a `COMMIT` per message.
///
/// The journal is one file whatever its path's spelling (``JournalFile``): a second sender is kept out
/// by a lock on the database file itself, so two senders can never each take the other's in-flight
/// rows for abandoned ones. A file that is not this journal as it was made is refused, never taken for
/// a new campaign: an empty file, a database without a journal's tables, rows that do not add up to the
/// campaign's, or a copy of the journal (the file records the inode it was made in). Call ``close()``
/// when done; the lock is also released when the process ends, however it ends.
public final class SQLiteJournal: CampaignJournal {
    public let location: String
    private let database: DatabaseQueue
    private let file: JournalFile

    /// Opens (creating when missing) the journal at `path` and takes its lock.
    ///
    /// It blocks while it waits for a lock held a moment ago (up to two seconds) and reads the file:
    /// call it where blocking work may run, not on a thread of Swift's pool.
    /// ``JournalLocation/withJournal(options:logger:_:)`` opens it on a thread of its own.
    ///
    /// - Parameter adopt: take the file as this journal even when it has other hard links or was copied
    ///   from the file the journal was made in (a journal restored from a backup, moved to another disk):
    ///   the caller vouches that no other copy or name of it is used to send.
    /// - Throws: ``CampaignJournalError``: `.busy` when another process has it open; `.notAJournal` for an
    ///   empty file or one that is not a journal; `.damaged` when its rows do not match its campaign or
    ///   cannot be read; `.elsewhere` for a copy or a file with other hard links (unless adopted);
    ///   `.storage` when it cannot be opened.
    public init(path: String, adopt: Bool = false) throws {
        location = path
        let configuration = Self.configuration
        file = try JournalFile(path: path, adopt: adopt) { newFile in
            do {
                let database = try DatabaseQueue(path: newFile, configuration: configuration)
                try database.write { db in try Self.make(db, in: newFile) }
                try database.close()
            } catch {
                throw Self.storageError(error, location: path, doing: "cannot create the journal")
            }
        }
        do {
            database = try DatabaseQueue(path: file.resolvedPath, configuration: configuration)
        } catch {
            file.release()
            throw Self.storageError(error, location: path, doing: "cannot open the journal")
        }
        do {
            try database.write { db in try Self.open(db, file: file, adopt: adopt) }
        } catch {
            try? database.close()
            file.release()
            throw Self.storageError(error, location: path, doing: "cannot open the journal")
        }
    }

    deinit {
        // The database first: closing the lock's descriptor drops SQLite's POSIX locks on the file.
        try? database.close()
        file.release()
    }

    /// Closes the database and releases the lock. The journal cannot be used afterwards.
    public func close() throws {
        try database.close()
        file.release()
    }

    private static var configuration: Configuration {
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(5)
        configuration.label = "wamedia-journal"
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        return configuration
    }

    /// Makes a new journal's tables in the file at `path` (under its temporary name: it is linked to
    /// the journal's path once whole, and keeps its inode).
    private static func make(_ db: Database, in path: String) throws {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw CampaignJournalError(
                .storage, "cannot create the journal \(path): \(String(cString: strerror(errno)))",
                hint: "check that the journal's folder is writable")
        }
        try migrate(db)
        try recordFile(db, inode: UInt64(status.st_ino), path: path)
    }

    /// Checks that the file is the journal it claims to be, then brings its schema up to date.
    private static func open(_ db: Database, file: JournalFile, adopt: Bool) throws {
        try checkFound(db, file: file, adopt: adopt)
        try migrate(db)
        try recordFile(db, inode: file.inode, path: file.resolvedPath)
    }

    private static func recordFile(_ db: Database, inode: UInt64, path: String) throws {
        try db.execute(
            sql: """
                INSERT INTO journal_file (id, inode, path) VALUES (1, ?, ?)
                ON CONFLICT (id) DO UPDATE SET inode = excluded.inode, path = excluded.path
                """,
            arguments: [Int64(bitPattern: inode), path])
    }

    /// Refuses a found file that is not a journal, whose rows do not add up to its campaign's, or that
    /// is a copy of the file the journal was made in.
    private static func checkFound(_ db: Database, file: JournalFile, adopt: Bool) throws {
        let shown = JournalFile.describe(file.path, file.resolvedPath)
        let tables = try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
        guard tables.isSuperset(of: ["campaign", "messages"]) else {
            throw CampaignJournalError(
                .notAJournal,
                tables.isEmpty
                    ? "the journal \(shown) is a database with no tables: it holds no campaign, and it cannot be told apart from a journal whose contents were lost"
                    : "\(shown) is not a wamedia journal (it has the tables \(tables.sorted().joined(separator: ", ")))",
                hint:
                    "give the journal of this campaign, or a new path for a new campaign; if a campaign was sent from this file, restore it from a backup"
            )
        }
        let record = try Row.fetchOne(db, sql: "SELECT manifest, row_count FROM campaign")
        let rows = try Int.fetchOne(db, sql: "SELECT count(*) FROM messages") ?? 0
        let expected: Int = record?["row_count"] ?? 0
        guard rows == expected else {
            throw CampaignJournalError.rowsDoNotAddUp(
                in: shown,
                campaign: record.map { "the campaign of \($0["manifest"] as String? ?? "?") with \(expected) rows" },
                rows: rows)
        }
        if tables.contains("journal_file"), !adopt,
            let madeIn = try Row.fetchOne(db, sql: "SELECT inode, path FROM journal_file WHERE id = 1")
        {
            let inode: Int64 = madeIn["inode"]
            if UInt64(bitPattern: inode) != file.inode {
                let made: String = madeIn["path"]
                throw CampaignJournalError(
                    .elsewhere,
                    "the journal \(shown) is a copy: it was made as \(made), another file. Two copies sending would each send the messages the other has not recorded",
                    hint:
                        "send from the journal the campaign started with; if this copy is the only one in use (restored from a backup, moved to another disk), pass --adopt-journal"
                )
            }
        }
    }

    private static func migrate(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS campaign (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    fingerprint TEXT NOT NULL,
                    manifest TEXT NOT NULL,
                    row_count INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS messages (
                    row INTEGER PRIMARY KEY,
                    channel_id TEXT, contact_id TEXT, thread_id TEXT,
                    media TEXT NOT NULL, media_type TEXT, caption TEXT, file_name TEXT,
                    save_message INTEGER NOT NULL,
                    state TEXT NOT NULL,
                    worker TEXT,
                    lease_until REAL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    message_id TEXT, provider_id TEXT, media_url TEXT,
                    error_kind TEXT, http_status INTEGER, error_message TEXT,
                    retryable INTEGER NOT NULL DEFAULT 0
                );
                -- Only pending rows are indexed, for claiming: a message then changes the index once
                -- (when claimed), not at each of its three state changes. The queries that look for
                -- other states run once per run and scan.
                DROP INDEX IF EXISTS messages_by_state;
                CREATE INDEX IF NOT EXISTS pending_messages ON messages (row) WHERE state = 'pending';
                CREATE TABLE IF NOT EXISTS assets (
                    asset TEXT PRIMARY KEY,
                    media_url TEXT NOT NULL
                );
                -- The file the journal was made in: a copy of it is another inode.
                CREATE TABLE IF NOT EXISTS journal_file (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    inode INTEGER NOT NULL,
                    path TEXT NOT NULL
                );
                """)
    }

    // MARK: - Loading

    public func load(_ manifest: ManifestIdentity, rows: some Sequence<CampaignRow>) async throws -> JournalLoad {
        // The rows are read on the writer's queue, once, while this call waits for them (as the
        // protocol allows): nothing else touches the sequence meanwhile.
        nonisolated(unsafe) let rows = rows
        return try await write { db in try self.load(manifest, rows: rows, in: db) }
    }

    /// The rows are read and inserted in one transaction, one prepared statement for all.
    private func load(_ manifest: ManifestIdentity, rows: some Sequence<CampaignRow>, in db: Database) throws
        -> JournalLoad
    {
        if let existing = try Row.fetchOne(db, sql: "SELECT fingerprint, manifest, row_count FROM campaign") {
            let fingerprint: String = existing["fingerprint"]
            guard fingerprint == manifest.fingerprint else {
                let other: String = existing["manifest"]
                throw CampaignJournalError.otherCampaign(in: location, heldManifest: other, manifest: manifest)
            }
            return .joined(rows: existing["row_count"])
        }
        let insert = try db.makeStatement(
            sql: """
                INSERT INTO messages (row, channel_id, contact_id, thread_id, media, media_type, caption,
                    file_name, save_message, state, error_kind, error_message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
        var count = 0
        var rejected = 0
        for row in rows {
            count += 1
            if row.rejection != nil { rejected += 1 }
            try insert.execute(arguments: [
                row.row, row.channelID, row.contactID, row.threadID, row.media, row.mediaType?.rawValue, row.caption,
                row.fileName, row.saveMessage,
                (row.rejection == nil ? RowState.pending : .rejected).rawValue, row.rejection?.kind.rawValue,
                row.rejection?.message,
            ])
        }
        try db.execute(
            sql: "INSERT INTO campaign (id, fingerprint, manifest, row_count) VALUES (1, ?, ?, ?)",
            arguments: [manifest.fingerprint, manifest.path, count])
        return .loaded(rows: count, rejected: rejected)
    }

    // MARK: - Moving rows

    public func recoverAbandoned() async throws -> RecoveryCounts {
        // One process holds the lock: whoever had rows claimed or in flight is gone.
        try await write { db in
            try db.execute(
                sql: "UPDATE messages SET state = 'pending', worker = NULL, lease_until = NULL WHERE state = 'claimed'")
            let released = db.changesCount
            try db.execute(
                sql: """
                    UPDATE messages SET state = 'unknown', worker = NULL, lease_until = NULL, error_kind = ?,
                        http_status = NULL, error_message = ?, retryable = 0
                    WHERE state = 'in_flight'
                    """,
                arguments: [RowError.Kind.interrupted.rawValue, RowError.interruptedMessage])
            return RecoveryCounts(released: released, unknown: db.changesCount)
        }
    }

    public func requeue(_ selection: RequeueSelection) async throws -> Int {
        try await write { db in
            var changed = 0
            if selection.contains(.retryableFailures) {
                try db.execute(
                    sql: "UPDATE messages SET state = 'pending' WHERE state = 'failed' AND retryable = 1")
                changed += db.changesCount
            }
            if selection.contains(.unknown) {
                try db.execute(sql: "UPDATE messages SET state = 'pending' WHERE state = 'unknown'")
                changed += db.changesCount
            }
            return changed
        }
    }

    public func claim(worker: String, limit: Int, lease: Duration) async throws -> [CampaignRow] {
        try await writeStatement { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(
                    sql: """
                        UPDATE messages SET state = 'claimed', worker = ?, lease_until = ?
                        WHERE row IN (SELECT row FROM messages WHERE state = 'pending' ORDER BY row LIMIT ?)
                        RETURNING *
                        """),
                arguments: [worker, Self.until(lease), limit])
            return try rows.map { try Self.campaignRow($0, in: self.location) }.sorted { $0.row < $1.row }
        }
    }

    /// Does nothing: one process holds the journal, and ``recoverAbandoned()`` treats every lease as
    /// ended, so no one reads a lease here. (Renewing would also scan the table: only pending rows are
    /// indexed.)
    public func renew(worker: String, lease: Duration) async throws {}

    public func markInFlight(row: Int, worker: String) async throws -> Bool {
        try await writeStatement { db in
            try db.cachedStatement(
                sql: "UPDATE messages SET state = 'in_flight' WHERE row = ? AND worker = ? AND state = 'claimed'"
            ).execute(arguments: [row, worker])
            return db.changesCount == 1
        }
    }

    @discardableResult
    public func record(row: Int, worker: String, outcome: RowOutcome) async throws -> Bool {
        try await writeStatement { db in
            // A rejection is recorded for a claimed row (nothing was sent); the others end a request.
            let from = outcome.state == .rejected ? "'claimed', 'in_flight'" : "'in_flight'"
            let attempt = outcome.state == .rejected ? 0 : 1
            var sent: SentMessage?
            var error: RowError?
            switch outcome {
            case .sent(let message): sent = message
            case .failed(let failure), .unknown(let failure), .rejected(let failure): error = failure
            }
            try db.cachedStatement(
                sql: """
                    UPDATE messages SET state = ?, worker = NULL, lease_until = NULL, attempts = attempts + ?,
                        message_id = ?, provider_id = ?, media_url = ?,
                        error_kind = ?, http_status = ?, error_message = ?, retryable = ?
                    WHERE row = ? AND worker = ? AND state IN (\(from))
                    """
            ).execute(
                arguments: [
                    outcome.state.rawValue, attempt, sent?.messageID, sent?.providerID, sent?.mediaURL,
                    error?.kind.rawValue, error?.httpStatus, error?.message, error?.retryable ?? false, row, worker,
                ])
            return db.changesCount == 1
        }
    }

    public func release(worker: String) async throws {
        try await writeStatement { db in
            try db.execute(
                sql: """
                    UPDATE messages SET state = 'pending', worker = NULL, lease_until = NULL
                    WHERE worker = ? AND state = 'claimed'
                    """,
                arguments: [worker])
        }
    }

    public func abandonInFlight(worker: String) async throws -> Int {
        try await writeStatement { db in
            try db.execute(
                sql: """
                    UPDATE messages SET state = 'unknown', worker = NULL, lease_until = NULL, error_kind = ?,
                        http_status = NULL, error_message = ?, retryable = 0
                    WHERE worker = ? AND state = 'in_flight'
                    """,
                arguments: [RowError.Kind.interrupted.rawValue, RowError.interruptedMessage, worker])
            return db.changesCount
        }
    }

    // MARK: - Assets

    public func mediaURL(forAsset asset: AssetKey) async throws -> String? {
        try await read { db in
            try String.fetchOne(db, sql: "SELECT media_url FROM assets WHERE asset = ?", arguments: [asset.text])
        }
    }

    public func recordMediaURL(_ url: String, forAsset asset: AssetKey) async throws {
        try await writeStatement { db in
            try db.execute(
                sql: "INSERT INTO assets (asset, media_url) VALUES (?, ?) ON CONFLICT (asset) DO NOTHING",
                arguments: [asset.text, url])
        }
    }

    public func forgetMediaURL(_ url: String, forAsset asset: AssetKey) async throws {
        try await writeStatement { db in
            try db.execute(
                sql: "DELETE FROM assets WHERE asset = ? AND media_url = ?", arguments: [asset.text, url])
        }
    }

    // MARK: - Reading

    public func records(after row: Int, limit: Int) async throws -> [JournalRecord] {
        try await read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM messages WHERE row > ? ORDER BY row LIMIT ?", arguments: [row, limit]
            ).map { try Self.record($0, in: self.location) }
        }
    }

    public func counts() async throws -> StateCounts {
        try await read { db in
            var counts = StateCounts()
            for row in try Row.fetchAll(db, sql: "SELECT state, count(*) AS n FROM messages GROUP BY state") {
                let name: String = row["state"]
                if let state = RowState(rawValue: name) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    // MARK: - Rows

    private static func campaignRow(_ row: Row, in location: String) throws -> CampaignRow {
        var rejection: RowError?
        let state: String = row["state"]
        if state == RowState.rejected.rawValue, let kind: String = row["error_kind"] {
            rejection = RowError(kind: .init(kind), message: row["error_message"] ?? "")
        }
        return CampaignRow(
            row: row["row"], channelID: row["channel_id"], contactID: row["contact_id"], threadID: row["thread_id"],
            media: row["media"], mediaType: try CampaignRow.mediaType(stored: row["media_type"], in: location),
            caption: row["caption"], fileName: row["file_name"],
            saveMessage: row["save_message"], rejection: rejection)
    }

    private static func record(_ row: Row, in location: String) throws -> JournalRecord {
        let state = RowState(rawValue: row["state"]) ?? .pending
        var sent: SentMessage?
        if let messageID: String = row["message_id"] {
            sent = SentMessage(
                messageID: messageID, providerID: row["provider_id"] ?? "", mediaURL: row["media_url"] ?? "")
        }
        var error: RowError?
        if let kind: String = row["error_kind"] {
            error = RowError(
                kind: .init(kind), httpStatus: row["http_status"], message: row["error_message"] ?? "",
                retryable: row["retryable"])
        }
        return JournalRecord(
            row: try campaignRow(row, in: location), state: state, attempts: row["attempts"],
            sent: state == .sent ? sent : nil,
            error: state == .sent ? nil : error)
    }

    private static func until(_ lease: Duration) -> Double {
        Date().timeIntervalSince1970 + lease.seconds
    }

    // MARK: - Access

    /// Runs `body` in a write transaction on GRDB's writer queue, and waits for it without holding a
    /// thread of Swift's pool: a write may wait there for SQLite's lock (its busy timeout) while
    /// another program holds the file. It runs to its end even when the task is cancelled: a state
    /// change the sender asked for (an abort's last records among them) is made, not dropped.
    private func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await storage(doing: "cannot write the journal") {
            try await withCheckedThrowingContinuation { continuation in
                database.asyncWrite(body) { _, result in continuation.resume(with: result) }
            }
        }
    }

    /// Runs `body`, which must change the journal with one statement, as ``write(_:)`` does but
    /// without an explicit transaction: SQLite commits the statement alone, atomically, when it
    /// completes, which saves a `BEGIN` and a `COMMIT` per message.
    private func writeStatement<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await storage(doing: "cannot write the journal") {
            try await withCheckedThrowingContinuation { continuation in
                database.asyncWriteWithoutTransaction { db in continuation.resume(with: Result { try body(db) }) }
            }
        }
    }

    /// Runs `body` on GRDB's reader queue.
    private func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await storage(doing: "cannot read the journal") { try await database.read(body) }
    }

    /// What `body` returns; its error as a journal error that says what was being done.
    private func storage<T>(doing: String, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            throw Self.storageError(error, location: location, doing: doing)
        }
    }
}
