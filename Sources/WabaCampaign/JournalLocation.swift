public import Logging
import WabaMedia

/// Where a campaign's journal is: a SQLite file for one sender, or a PostgreSQL database that any
/// number of senders share.
///
/// ```swift
/// try await JournalLocation("messages.csv.journal").withJournal { journal in
///     let sender = CampaignSender(journal: journal, client: client, preparer: preparer)
///     …
/// }
/// ```
public enum JournalLocation: Sendable, Hashable, CustomStringConvertible {
    /// A SQLite file (``SQLiteJournal``).
    case sqlite(path: String)
    /// A PostgreSQL database (``PostgresJournal``), as `postgres://user[:password]@host[:port]/database`.
    case postgres(url: String)

    /// Reads a journal's location as a user writes it (`--journal`): a `postgres://` or
    /// `postgresql://` URL (any letter case), else a file path.
    public init(_ text: String) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("postgres://") || lowered.hasPrefix("postgresql://") {
            self = .postgres(url: text)
        } else {
            self = .sqlite(path: text)
        }
    }

    /// Where a campaign's journal is when none is given: a SQLite file beside the manifest at `path`,
    /// named after it (`messages.csv.journal`).
    public static func beside(manifest path: String) -> JournalLocation {
        .sqlite(path: path + ".journal")
    }

    /// The location for messages: a database URL without its password.
    public var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url): PostgresAddress.redact(url)
        }
    }

    /// How a journal is opened.
    public struct Options: Sendable, Hashable {
        /// For a SQLite journal: take a file that was copied from the one the journal was made in, or
        /// that has other hard links (see ``SQLiteJournal/init(path:adopt:)``).
        public var adopt: Bool

        public init(adopt: Bool = false) {
            self.adopt = adopt
        }
    }

    /// Opens the journal, runs `body` with it, and closes it when `body` returns or throws.
    ///
    /// - Throws: ``CampaignJournalError`` when the journal cannot be opened; whatever `body` throws.
    public func withJournal<Result: Sendable>(
        options: Options = .init(), logger: Logger? = nil, _ body: (any CampaignJournal) async throws -> Result
    ) async throws -> Result {
        switch self {
        case .postgres(let url):
            return try await PostgresJournal.withJournal(url: url, logger: logger) { try await body($0) }
        case .sqlite(let path):
            // Opening waits for the file's lock (a moment, while a child this process just started
            // still holds it) and reads the file: on a thread of its own, off Swift's pool.
            let journal = try await BlockingExecutor.withExecutor(threads: 1) { executor in
                try await executor.run { try SQLiteJournal(path: path, adopt: options.adopt) }
            }
            do {
                let result = try await body(journal)
                try journal.close()
                return result
            } catch {
                try? journal.close()
                throw error
            }
        }
    }
}
