import Foundation
public import Logging
import NIOCore
import PostgresNIO

/// The campaign journal in a PostgreSQL database, shared by any number of `wamedia send --manifest`
/// processes on any machines (`--journal postgres://user@host:port/db`).
///
/// Workers claim rows in small batches with `SELECT … FOR UPDATE SKIP LOCKED`: two workers never
/// claim the same row, and neither waits for the other's locks. A claim holds until its lease ends;
/// a live worker renews its leases, so only a crashed worker's rows outlive them. Then
/// ``recoverAbandoned()`` (any worker calls it) puts its claimed, unstarted rows back to `pending`
/// and makes its in-flight rows `unknown`. Lease times are the database server's clock, never a
/// worker's, so workers on machines whose clocks disagree still agree on when a lease ended.
///
/// The manifest is loaded once: the first worker loads it in one transaction under an advisory lock;
/// the others wait on that lock, then find it loaded and join. The database holds one campaign (the
/// tables are `wamedia_campaign`, `wamedia_messages` and `wamedia_assets`): give each campaign its
/// own database.
///
/// Open it with ``withJournal(url:logger:_:)``: the connection pool lives for the closure.
public final class PostgresJournal: CampaignJournal {
    public let location: String
    private let client: PostgresClient
    private let logger: Logger

    /// How many rows one `INSERT` of the load carries (13 values each, under PostgreSQL's 65,535 binds).
    static let loadBatch = 1_000
    /// The key of the advisory lock that serialises loading a campaign.
    static let loadLock: Int64 = 0x7761_6d65_6469_6131  // "wamedia1"
    /// The key of the advisory lock that serialises creating the tables (concurrent `CREATE TABLE IF
    /// NOT EXISTS` can collide); apart from ``loadLock``, so a worker does not wait for another's load.
    static let schemaLock: Int64 = 0x7761_6d65_6469_6132  // "wamedia2"

    private init(location: String, client: PostgresClient, logger: Logger) {
        self.location = location
        self.client = client
        self.logger = logger
    }

    /// Connects to the database at `url` (`postgres://user[:password]@host[:port]/database`, the
    /// password also from `PGPASSWORD`; `?sslmode=disable|prefer|require`, `prefer` by default),
    /// creates the journal's tables when missing, runs `body` with the journal, and closes every
    /// connection when `body` returns or throws.
    ///
    /// - Parameter reachingWithin: how long the first connection may take (``firstContactLimit``
    ///   by default); a process whose threads are busy with other work may need longer.
    /// - Throws: ``CampaignJournalError`` `.storage` when the URL is not a PostgreSQL URL or the
    ///   database cannot be reached or written; whatever `body` throws.
    public static func withJournal<Result: Sendable>(
        url: String, logger: Logger? = nil, reachingWithin firstContactLimit: Duration = firstContactLimit,
        _ body: (PostgresJournal) async throws -> Result
    ) async throws -> Result {
        let address = try PostgresAddress(url)
        let logger = logger ?? Logger(label: "wamedia.journal", factory: { _ in SwiftLogNoOpLogHandler() })
        let client = PostgresClient(configuration: address.configuration, backgroundLogger: logger)
        let journal = PostgresJournal(location: address.redacted, client: client, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            try await journal.firstContact(address, within: firstContactLimit)
            try await journal.migrate()
            return try await body(journal)
        }
    }

    /// How long the first connection to the server may take. The pool retries a server that refuses
    /// connections for as long as a request waits: a wrong port must be an error, not a minute's hang.
    public static let firstContactLimit: Duration = .seconds(30)

    /// How the first contact ends.
    private enum Contact {
        case reached
        case timedOut
        /// The direct connection beside the pool's found nothing to report at once.
        case nothingRefused
    }

    /// One `SELECT 1`, bounded in time: whether the server can be reached at all. Beside it, one
    /// direct connection: the pool retries every failed connection, a database that does not exist
    /// or a refused login included, and only says so at the limit; the direct connection reports
    /// such an answer of the server's at once, in its own words. Connections refused or timing out
    /// are left to the pool and the limit.
    private func firstContact(_ address: PostgresAddress, within limit: Duration) async throws {
        let client = self.client
        let logger = self.logger
        let location = self.location
        try await withThrowingTaskGroup(of: Contact.self) { group in
            group.addTask {
                try await client.query("SELECT 1", logger: logger)
                return .reached
            }
            group.addTask {
                try await Task.sleep(for: limit)
                return .timedOut
            }
            group.addTask {
                if let refusal = await Self.refusal(at: address, location: location, logger: logger) { throw refusal }
                return .nothingRefused
            }
            defer { group.cancelAll() }
            var outcome = try await group.next()
            if outcome == .nothingRefused { outcome = try await group.next() }
            guard outcome == .reached else {
                throw CampaignJournalError(
                    .storage,
                    "the journal \(location) could not be reached within \(limit.components.seconds) s",
                    hint:
                        "check the host and port, and that the PostgreSQL server runs and takes connections from this machine"
                )
            }
        }
    }

    // MARK: - Tables

    private func migrate() async throws {
        try await transaction { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.schemaLock))", logger: self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS wamedia_campaign (
                    id integer PRIMARY KEY CHECK (id = 1),
                    fingerprint text NOT NULL,
                    manifest text NOT NULL,
                    row_count bigint NOT NULL
                )
                """, logger: self.logger)
            try await connection.query(
                """
                CREATE TABLE IF NOT EXISTS wamedia_messages (
                    manifest_row bigint PRIMARY KEY,
                    channel_id text, contact_id text, thread_id text,
                    media text NOT NULL, media_type text, caption text, file_name text,
                    save_message boolean NOT NULL,
                    state text NOT NULL,
                    worker text,
                    lease_until timestamptz,
                    attempts integer NOT NULL DEFAULT 0,
                    message_id text, provider_id text, media_url text,
                    error_kind text, http_status integer, error_message text,
                    retryable boolean NOT NULL DEFAULT false
                )
                """, logger: self.logger)
            // Claiming reads pending rows in row order; recovery and renewal read a worker's rows.
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS wamedia_messages_by_state ON wamedia_messages (state, manifest_row)",
                logger: self.logger)
            try await connection.query(
                "CREATE INDEX IF NOT EXISTS wamedia_messages_by_worker ON wamedia_messages (worker) WHERE worker IS NOT NULL",
                logger: self.logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS wamedia_assets (asset text PRIMARY KEY, media_url text NOT NULL)",
                logger: self.logger)
        }
    }

    // MARK: - Loading

    public func load(_ manifest: ManifestIdentity, rows: some Sequence<CampaignRow>) async throws -> JournalLoad {
        try await transaction { connection -> JournalLoad in
            // Concurrent first workers queue here; the one that gets the lock first loads, and the
            // others, once it committed, find the campaign and join.
            try await connection.query("SELECT pg_advisory_xact_lock(\(Self.loadLock))", logger: self.logger)
            let existing = try await connection.query(
                "SELECT fingerprint, manifest, row_count FROM wamedia_campaign", logger: self.logger
            ).collect()
            let stored =
                try await connection.query("SELECT count(*) FROM wamedia_messages", logger: self.logger)
                .collect().first?.decode(Int64.self) ?? 0
            if let campaign = existing.first {
                let (fingerprint, other, count) = try campaign.decode((String, String, Int64).self)
                guard fingerprint == manifest.fingerprint else {
                    throw CampaignJournalError.otherCampaign(in: self.location, heldManifest: other, manifest: manifest)
                }
                guard stored == count else {
                    throw CampaignJournalError.rowsDoNotAddUp(
                        in: self.location, campaign: "the campaign of \(other) with \(count) rows", rows: Int(stored))
                }
                return .joined(rows: Int(count))
            }
            // Rows without a campaign record: what recorded them was lost, not a new campaign.
            guard stored == 0 else {
                throw CampaignJournalError.rowsDoNotAddUp(in: self.location, campaign: nil, rows: Int(stored))
            }
            var count = 0
            var rejected = 0
            var batch: [CampaignRow] = []
            batch.reserveCapacity(Self.loadBatch)
            for row in rows {
                count += 1
                if row.rejection != nil { rejected += 1 }
                batch.append(row)
                if batch.count == Self.loadBatch {
                    try await self.insert(batch, on: connection)
                    batch.removeAll(keepingCapacity: true)
                }
            }
            if !batch.isEmpty { try await self.insert(batch, on: connection) }
            try await connection.query(
                "INSERT INTO wamedia_campaign (id, fingerprint, manifest, row_count) VALUES (1, \(manifest.fingerprint), \(manifest.path), \(Int64(count)))",
                logger: self.logger)
            return .loaded(rows: count, rejected: rejected)
        }
    }

    private func insert(_ rows: [CampaignRow], on connection: PostgresConnection) async throws {
        var sql = """
            INSERT INTO wamedia_messages (manifest_row, channel_id, contact_id, thread_id, media, media_type, caption,
                file_name, save_message, state, error_kind, error_message) VALUES
            """
        var binds = PostgresBindings(capacity: rows.count * 12)
        for (index, row) in rows.enumerated() {
            let first = index * 12
            sql += index == 0 ? " (" : ", ("
            sql += (1...12).map { "$\(first + $0)" }.joined(separator: ", ")
            sql += ")"
            binds.append(Int64(row.row))
            binds.append(row.channelID)
            binds.append(row.contactID)
            binds.append(row.threadID)
            binds.append(row.media)
            binds.append(row.mediaType?.rawValue)
            binds.append(row.caption)
            binds.append(row.fileName)
            binds.append(row.saveMessage)
            binds.append((row.rejection == nil ? RowState.pending : .rejected).rawValue)
            binds.append(row.rejection?.kind.rawValue)
            binds.append(row.rejection?.message)
        }
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
    }

    // MARK: - Moving rows

    public func recoverAbandoned() async throws -> RecoveryCounts {
        try await transaction { connection in
            let released = try await connection.query(
                """
                UPDATE wamedia_messages SET state = 'pending', worker = NULL, lease_until = NULL
                WHERE state = 'claimed' AND lease_until < clock_timestamp()
                RETURNING manifest_row
                """, logger: self.logger
            ).collect().count
            let unknown = try await connection.query(
                """
                UPDATE wamedia_messages SET state = 'unknown', worker = NULL, lease_until = NULL,
                    error_kind = \(RowError.Kind.interrupted.rawValue), http_status = NULL,
                    error_message = \(RowError.interruptedMessage), retryable = false
                WHERE state = 'in_flight' AND lease_until < clock_timestamp()
                RETURNING manifest_row
                """, logger: self.logger
            ).collect().count
            return RecoveryCounts(released: released, unknown: unknown)
        }
    }

    public func requeue(_ selection: RequeueSelection) async throws -> Int {
        try await transaction { connection in
            var changed = 0
            if selection.contains(.retryableFailures) {
                changed += try await connection.query(
                    """
                    UPDATE wamedia_messages SET state = 'pending' WHERE state = 'failed' AND retryable
                    RETURNING manifest_row
                    """, logger: self.logger
                ).collect().count
            }
            if selection.contains(.unknown) {
                changed += try await connection.query(
                    "UPDATE wamedia_messages SET state = 'pending' WHERE state = 'unknown' RETURNING manifest_row",
                    logger: self.logger
                ).collect().count
            }
            return changed
        }
    }

    public func claim(worker: String, limit: Int, lease: Duration) async throws -> [CampaignRow] {
        // Rows other transactions hold locked are skipped, not waited for: concurrent claimers each
        // get rows of their own at once.
        let rows = try await transaction { connection in
            try await connection.query(
                """
                UPDATE wamedia_messages SET state = 'claimed', worker = \(worker),
                    lease_until = clock_timestamp() + \(lease.seconds) * interval '1 second'
                WHERE manifest_row IN (
                    SELECT manifest_row FROM wamedia_messages WHERE state = 'pending'
                    ORDER BY manifest_row LIMIT \(Int64(limit)) FOR UPDATE SKIP LOCKED)
                RETURNING \(unescaped: Self.rowColumns)
                """, logger: self.logger
            ).collect()
        }
        return try rows.map { try Self.campaignRow($0, in: location) }.sorted { $0.row < $1.row }
    }

    public func renew(worker: String, lease: Duration) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE wamedia_messages SET lease_until = clock_timestamp() + \(lease.seconds) * interval '1 second'
                WHERE worker = \(worker) AND state IN ('claimed', 'in_flight')
                """, logger: self.logger)
        }
    }

    public func markInFlight(row: Int, worker: String) async throws -> Bool {
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE wamedia_messages SET state = 'in_flight'
                WHERE manifest_row = \(Int64(row)) AND worker = \(worker) AND state = 'claimed'
                RETURNING manifest_row
                """, logger: self.logger
            ).collect().count == 1
        }
    }

    @discardableResult
    public func record(row: Int, worker: String, outcome: RowOutcome) async throws -> Bool {
        var sent: SentMessage?
        var error: RowError?
        switch outcome {
        case .sent(let message): sent = message
        case .failed(let failure), .unknown(let failure), .rejected(let failure): error = failure
        }
        // A rejection is recorded for a claimed row (nothing was sent); the others end a request.
        let from = outcome.state == .rejected ? "'claimed', 'in_flight'" : "'in_flight'"
        let attempt: Int32 = outcome.state == .rejected ? 0 : 1
        let state = outcome.state.rawValue
        let httpStatus = error?.httpStatus.map { Int32($0) }
        let retryable = error?.retryable ?? false
        return try await transaction { connection in
            try await connection.query(
                """
                UPDATE wamedia_messages SET state = \(state), worker = NULL, lease_until = NULL,
                    attempts = attempts + \(attempt),
                    message_id = \(sent?.messageID), provider_id = \(sent?.providerID), media_url = \(sent?.mediaURL),
                    error_kind = \(error?.kind.rawValue), http_status = \(httpStatus),
                    error_message = \(error?.message), retryable = \(retryable)
                WHERE manifest_row = \(Int64(row)) AND worker = \(worker) AND state IN (\(unescaped: from))
                RETURNING manifest_row
                """, logger: self.logger
            ).collect().count == 1
        }
    }

    public func release(worker: String) async throws {
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE wamedia_messages SET state = 'pending', worker = NULL, lease_until = NULL
                WHERE worker = \(worker) AND state = 'claimed'
                """, logger: self.logger)
        }
    }

    public func abandonInFlight(worker: String) async throws -> Int {
        try await transaction { connection in
            try await connection.query(
                """
                UPDATE wamedia_messages SET state = 'unknown', worker = NULL, lease_until = NULL,
                    error_kind = \(RowError.Kind.interrupted.rawValue), http_status = NULL,
                    error_message = \(RowError.interruptedMessage), retryable = false
                WHERE worker = \(worker) AND state = 'in_flight'
                RETURNING manifest_row
                """, logger: self.logger
            ).collect().count
        }
    }

    // MARK: - Assets

    public func mediaURL(forAsset asset: AssetKey) async throws -> String? {
        try await transaction { connection in
            let rows = try await connection.query(
                "SELECT media_url FROM wamedia_assets WHERE asset = \(asset.text)", logger: self.logger
            ).collect()
            return try rows.first?.decode(String.self)
        }
    }

    public func recordMediaURL(_ url: String, forAsset asset: AssetKey) async throws {
        try await transaction { connection in
            try await connection.query(
                "INSERT INTO wamedia_assets (asset, media_url) VALUES (\(asset.text), \(url)) ON CONFLICT (asset) DO NOTHING",
                logger: self.logger)
        }
    }

    public func forgetMediaURL(_ url: String, forAsset asset: AssetKey) async throws {
        try await transaction { connection in
            try await connection.query(
                "DELETE FROM wamedia_assets WHERE asset = \(asset.text) AND media_url = \(url)", logger: self.logger)
        }
    }

    // MARK: - Reading

    public func records(after row: Int, limit: Int) async throws -> [JournalRecord] {
        let rows = try await transaction { connection in
            try await connection.query(
                """
                SELECT \(unescaped: Self.rowColumns), attempts, message_id, provider_id, media_url, http_status, retryable
                FROM wamedia_messages WHERE manifest_row > \(Int64(row)) ORDER BY manifest_row LIMIT \(Int64(limit))
                """, logger: self.logger
            ).collect()
        }
        return try rows.map { try Self.record($0, in: location) }
    }

    public func counts() async throws -> StateCounts {
        let rows = try await transaction { connection in
            try await connection.query(
                "SELECT state, count(*) FROM wamedia_messages GROUP BY state", logger: self.logger
            ).collect()
        }
        var counts = StateCounts()
        for row in rows {
            let (name, count) = try row.decode((String, Int64).self)
            guard let state = RowState(rawValue: name) else {
                throw CampaignJournalError(
                    .storage, "the journal \(location) has rows in a state wamedia does not know: \(name)",
                    hint: "a newer wamedia wrote it; send with that version")
            }
            counts[state] = Int(count)
        }
        return counts
    }

    // MARK: - Rows

    /// The columns a ``CampaignRow`` is read from, in ``campaignRow(_:)``'s order.
    private static let rowColumns =
        "manifest_row, channel_id, contact_id, thread_id, media, media_type, caption, file_name, save_message, state, error_kind, error_message"

    private static func campaignRow(_ row: PostgresRow, in location: String) throws -> CampaignRow {
        let columns = row.makeRandomAccess()
        let state = try columns["state"].decode(String.self)
        var rejection: RowError?
        if state == RowState.rejected.rawValue, let kind = try columns["error_kind"].decode(String?.self) {
            rejection = RowError(kind: .init(kind), message: try columns["error_message"].decode(String?.self) ?? "")
        }
        return CampaignRow(
            row: Int(try columns["manifest_row"].decode(Int64.self)),
            channelID: try columns["channel_id"].decode(String?.self),
            contactID: try columns["contact_id"].decode(String?.self),
            threadID: try columns["thread_id"].decode(String?.self),
            media: try columns["media"].decode(String.self),
            mediaType: try CampaignRow.mediaType(stored: try columns["media_type"].decode(String?.self), in: location),
            caption: try columns["caption"].decode(String?.self),
            fileName: try columns["file_name"].decode(String?.self),
            saveMessage: try columns["save_message"].decode(Bool.self), rejection: rejection)
    }

    private static func record(_ row: PostgresRow, in location: String) throws -> JournalRecord {
        let columns = row.makeRandomAccess()
        let name = try columns["state"].decode(String.self)
        guard let state = RowState(rawValue: name) else {
            throw CampaignJournalError(
                .storage, "a journal row is in a state wamedia does not know: \(name)",
                hint: "a newer wamedia wrote it; read it with that version")
        }
        var sent: SentMessage?
        if state == .sent, let messageID = try columns["message_id"].decode(String?.self) {
            sent = SentMessage(
                messageID: messageID, providerID: try columns["provider_id"].decode(String?.self) ?? "",
                mediaURL: try columns["media_url"].decode(String?.self) ?? "")
        }
        var error: RowError?
        if state != .sent, let kind = try columns["error_kind"].decode(String?.self) {
            error = RowError(
                kind: .init(kind), httpStatus: try columns["http_status"].decode(Int32?.self).map(Int.init),
                message: try columns["error_message"].decode(String?.self) ?? "",
                retryable: try columns["retryable"].decode(Bool.self))
        }
        return JournalRecord(
            row: try campaignRow(row, in: location), state: state,
            attempts: Int(try columns["attempts"].decode(Int32.self)),
            sent: sent, error: error)
    }

    // MARK: - Access

    /// Runs `body` in one transaction, committed before this returns; database errors become
    /// ``CampaignJournalError`` `.storage`.
    @discardableResult
    private func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        do {
            return try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        } catch let error as CampaignJournalError {
            throw error
        } catch let error as PostgresTransactionError {
            if let closure = error.closureError as? CampaignJournalError { throw closure }
            throw storageError(
                error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error)
        } catch {
            throw storageError(error)
        }
    }

    private func storageError(_ error: any Error) -> CampaignJournalError {
        CampaignJournalError(
            .storage, "the journal \(location) cannot be read or written: \(Self.describe(error))",
            hint:
                "check that the PostgreSQL server runs and takes connections from this machine; the campaign resumes from the journal once it can be reached"
        )
    }

    /// The server's own refusal of a connection (a missing database or role, a wrong password, TLS it
    /// does not offer), or nil when it could not be reached or refused for now (too many connections,
    /// starting up): those the pool retries.
    private static func refusal(at address: PostgresAddress, location: String, logger: Logger) async
        -> CampaignJournalError?
    {
        do {
            let connection = try await PostgresConnection.connect(
                configuration: try address.connectionConfiguration(), id: 0, logger: logger)
            try? await connection.close()
            return nil
        } catch let error as PSQLError {
            let refused = "the journal \(location) refused the connection"
            switch error.code {
            case .server:
                guard let state = error.serverInfo?[.sqlState], !isTransient(state) else { return nil }
                return CampaignJournalError(
                    .storage, "\(refused): \(describe(error))", hint: hint(forRefusal: state), cause: error)
            case .sslUnsupported:
                return CampaignJournalError(
                    .storage, "\(refused): the server does not offer TLS, which sslmode=require asks for",
                    hint: "give ?sslmode=prefer (or disable) in the URL, or turn TLS on in the server", cause: error)
            case .authMechanismRequiresPassword:
                return CampaignJournalError(
                    .storage, "\(refused): the server asks for a password and none was given",
                    hint: "give it in the URL (postgres://user:password@host/database) or in PGPASSWORD",
                    cause: error)
            default:
                return nil
            }
        } catch {
            return nil
        }
    }

    /// SQLSTATEs that say "not now" rather than "no": connection exceptions (08), insufficient
    /// resources such as too many connections (53), a server starting or shutting down (57P0x).
    static func isTransient(_ sqlState: String) -> Bool {
        sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || sqlState.hasPrefix("57P0")
    }

    /// What to do about the server's refusal with `sqlState`.
    static func hint(forRefusal sqlState: String) -> String {
        switch sqlState {
        case "3D000":
            return "create the database (createdb NAME, or CREATE DATABASE), or fix its name in the URL"
        case "28000", "28P01":
            return
                "check the user and password in the URL (or PGPASSWORD), and that the server's pg_hba.conf lets that user in from this machine"
        case "42501":
            return "grant the user CONNECT on the database, or use one that has it"
        default:
            return "see the server's message above; the URL names the server, user and database"
        }
    }

    /// What went wrong, from the server's own message when there is one. PSQLError's description
    /// is deliberately vague; its parts are not secret here (never the password).
    static func describe(_ error: any Error) -> String {
        guard let error = error as? PSQLError else { return "\(error)" }
        if let message = error.serverInfo?[.message] {
            return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
        }
        if let underlying = error.underlying { return "\(error.code): \(underlying)" }
        return "\(error.code)"
    }
}
