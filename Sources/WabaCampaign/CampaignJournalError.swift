/// Why a journal call failed.
public struct CampaignJournalError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The journal holds another campaign (another manifest fingerprint).
        case otherCampaign = "other-campaign"
        /// Another process has the (single-process) journal open.
        case busy
        /// The journal cannot be opened, read or written.
        case storage
        /// The file is not a wamedia journal: empty, another kind of file, or a database without a
        /// journal's tables.
        case notAJournal = "not-a-journal"
        /// The journal is a journal, but what it holds does not add up (rows missing from its campaign,
        /// pages that cannot be read): resuming from it could send messages again.
        case damaged
        /// The file is reached by more than one name (another hard link) or was copied from the file the
        /// journal was made in: two copies sending would send their messages twice.
        case elsewhere
    }

    public var code: Code
    public var message: String
    public var hint: String
    /// The error underneath (SQLite's, PostgreSQL's, the system's), when there is one.
    public var cause: (any Error)?

    public init(_ code: Code, _ message: String, hint: String, cause: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.hint = hint
        self.cause = cause
    }

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.code == rhs.code && lhs.message == rhs.message && lhs.hint == rhs.hint
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(code)
        hasher.combine(message)
        hasher.combine(hint)
    }

    public var description: String { "\(message) (\(hint))" }

    /// Whether the journal given is not one to send this campaign from (another campaign's, one
    /// another process sends from, not a journal, a copy): the choice of journal is wrong. Otherwise
    /// the journal cannot be reached or written, or what it held was lost.
    public var isWrongJournal: Bool {
        switch code {
        case .otherCampaign, .busy, .notAJournal, .elsewhere: true
        case .storage, .damaged: false
        }
    }

    /// The journal at `location` holds `rows` message rows, and its campaign record (`campaign`, nil when
    /// there is none) says otherwise.
    static func rowsDoNotAddUp(in location: String, campaign: String?, rows: Int) -> CampaignJournalError {
        CampaignJournalError(
            .damaged,
            "the journal \(location) holds \(campaign ?? "no campaign record") but \(rows) message rows: its rows were removed or changed",
            hint:
                "restore the journal from a backup; starting anew would send again every message it had recorded as sent"
        )
    }

    /// The journal at `location` holds the campaign of `heldManifest`, and `manifest` differs from it.
    static func otherCampaign(in location: String, heldManifest: String, manifest: ManifestIdentity)
        -> CampaignJournalError
    {
        CampaignJournalError(
            .otherCampaign,
            "the journal \(location) holds another campaign (the manifest \(heldManifest) as it was when it was first sent); \(manifest.path) differs from it",
            hint:
                "resume with the manifest unchanged, or give another journal for a new campaign (an edited manifest is a new campaign)"
        )
    }
}
