/// The durable record of a campaign: every manifest row and the state of its message, so that each
/// message is sent at most once and a rerun (or another worker) resumes where the last one stopped.
///
/// Two implementations: ``SQLiteJournal`` (one process, a file beside the manifest) and a PostgreSQL
/// journal (any number of processes on any machines). ``CampaignSender`` drives either through this
/// protocol alone; what follows is the contract both keep.
///
/// ## The life of a row
/// ```
/// pending ──claim──▶ claimed ──markInFlight──▶ inFlight ──record──▶ sent | failed | unknown
///    ▲                  │                          │
///    └──release / lease─┘                          └──worker gone (recoverAbandoned)──▶ unknown
/// rejected: set at load (a bad manifest row) or by record (an asset that cannot be sent).
/// failed, unknown ──requeue (only when the user asks)──▶ pending
/// ```
/// - A row is `inFlight` *before* its request starts, durably (the write is committed when
///   ``markInFlight(row:worker:)`` returns). A crash between the server's answer and ``record(row:worker:outcome:)``
///   therefore leaves the row `inFlight`, which recovery turns into `unknown`: never back into `pending`,
///   which would send the message again.
/// - Only the worker that claimed a row moves it on. Every method that moves a row names the worker and
///   changes nothing (returns false) when the row is no longer that worker's: its lease ran out and
///   recovery gave it to someone else.
/// - Every method is one transaction (or one per small batch, as stated), committed before it returns:
///   the journal survives `kill -9` of any worker at any instant.
///
/// ## Identity
/// A journal holds one campaign, named by its manifest's fingerprint (a hash of the manifest's bytes).
/// ``load(_:rows:)`` refuses a journal that already holds another campaign: resuming with an edited
/// manifest would mix two campaigns' rows.
public protocol CampaignJournal: Sendable {
    /// Where the journal is, for messages (a file path, or a database URL without its password).
    var location: String { get }

    /// Loads the manifest's rows once, or joins the campaign when they are already there.
    ///
    /// - The first caller for a campaign inserts every row of `rows` (invalid ones as `rejected` with
    ///   their ``CampaignRow/rejection``, the others as `pending`) and marks the campaign loaded, all or
    ///   nothing: a crash while loading leaves the journal as if nothing had been loaded, and the next
    ///   call loads again. `rows` is iterated once, in order, and never held whole (a manifest may have
    ///   millions of rows): insert in batches inside the one transaction. It may be iterated on the
    ///   journal's own thread, so it must not belong to an actor (a sequence made by a main-actor
    ///   closure traps there).
    /// - Any later caller (a rerun, another worker) finds the campaign loaded, does not iterate `rows`,
    ///   and gets ``JournalLoad/joined(rows:)``. Concurrent first callers are serialised: exactly one loads,
    ///   the others wait for it and join.
    /// - Throws: ``CampaignJournalError`` `.otherCampaign` when the journal holds a campaign with another
    ///   fingerprint; `.storage` when the journal cannot be written.
    func load(_ manifest: ManifestIdentity, rows: some Sequence<CampaignRow>) async throws -> JournalLoad

    /// Makes what crashed workers left behind safe to continue from, and returns how many rows changed.
    ///
    /// - `claimed` rows whose lease has ended go back to `pending` (no request was started for them).
    /// - `inFlight` rows whose lease has ended become `unknown` with a ``RowError`` of kind
    ///   ``RowError/Kind/interrupted``: their request may have reached the server.
    ///
    /// Live workers keep their rows' leases current with ``renew(worker:lease:)``, so their rows are never
    /// touched. A journal that only one process can open at a time (SQLite, under its lock) treats every
    /// lease as ended: whoever held it is gone.
    func recoverAbandoned() async throws -> RecoveryCounts

    /// Puts finished rows the user asked to resend back to `pending` and returns how many.
    ///
    /// `failed` rows whose ``RowError/retryable`` is true (429, 5xx, a server that could not be reached)
    /// when `selection` contains ``RequeueSelection/retryableFailures``; `unknown` rows when it contains
    /// ``RequeueSelection/unknown``. `sent` and `rejected` rows never move. Called once at the start of a
    /// run, never in a loop, so a row that fails again stays failed.
    func requeue(_ selection: RequeueSelection) async throws -> Int

    /// Claims up to `limit` `pending` rows for `worker`, lowest row number first, and returns them.
    ///
    /// Claimed rows are `claimed` by `worker` until `now + lease`; no other worker can claim them (the
    /// PostgreSQL journal uses `SELECT … FOR UPDATE SKIP LOCKED` in the claiming transaction). An empty
    /// result means no row is `pending` right now (others may still be claimed or in flight elsewhere).
    func claim(worker: String, limit: Int, lease: Duration) async throws -> [CampaignRow]

    /// Extends the lease of every row `worker` has `claimed` or `inFlight` to `now + lease`. Called
    /// periodically (well within the lease) while the worker runs.
    func renew(worker: String, lease: Duration) async throws

    /// Marks a row `worker` claimed as `inFlight`, durably, right before its request starts.
    ///
    /// - Returns: false, changing nothing, when the row is not `claimed` by `worker` (its lease ended and
    ///   it was recovered or claimed by another): the caller must not send it.
    func markInFlight(row: Int, worker: String) async throws -> Bool

    /// Records how a row `worker` has `inFlight` (or `claimed`, for `rejected`) ended: `sent`, `failed`,
    /// `unknown` or `rejected` with the outcome's details, and counts one more attempt for a request.
    ///
    /// - Returns: false, changing nothing, when the row is not `worker`'s any more (recovery already made
    ///   it `unknown`; a `sent` outcome then is reported by the caller, but the journal keeps `unknown`).
    @discardableResult
    func record(row: Int, worker: String, outcome: RowOutcome) async throws -> Bool

    /// Returns every row `worker` has `claimed` but not started to `pending`, for others or a later run;
    /// its `inFlight` rows are not touched. Called when a worker stops claiming (the first Ctrl-C, the end).
    func release(worker: String) async throws

    /// Turns every row `worker` has `inFlight` into `unknown` (kind ``RowError/Kind/interrupted``) and
    /// returns how many. Called when a run is aborted (a second Ctrl-C) while requests are out.
    func abandonInFlight(worker: String) async throws -> Int

    /// The `media_url` the platform returned for the first upload of an asset, when one was recorded
    /// and not forgotten since. `asset` is the prepared content's key (its SHA-256 and media type).
    func mediaURL(forAsset asset: String) async throws -> String?

    /// Records `url` as the asset's `media_url` unless one is already recorded (the first upload's wins).
    func recordMediaURL(_ url: String, forAsset asset: String) async throws

    /// Forgets the asset's `media_url` when it is still `url` (a URL send of it was refused as invalid
    /// media): the next message uploads the bytes again, and that upload's URL may then be recorded.
    func forgetMediaURL(_ url: String, forAsset asset: String) async throws

    /// Up to `limit` rows with a row number above `row`, in row order, with their state and outcome:
    /// the report is read page by page, never whole.
    func records(after row: Int, limit: Int) async throws -> [JournalRecord]

    /// How many rows are in each state.
    func counts() async throws -> StateCounts
}

/// What identifies a campaign's manifest.
public struct ManifestIdentity: Sendable, Hashable {
    /// The manifest's path, as given (for messages).
    public var path: String
    /// A hash of the manifest's bytes (SHA-256, lower-case hex).
    public var fingerprint: String

    public init(path: String, fingerprint: String) {
        self.path = path
        self.fingerprint = fingerprint
    }
}

/// What ``CampaignJournal/load(_:rows:)`` did.
public enum JournalLoad: Sendable, Hashable {
    /// This call loaded the manifest: `rows` rows, of which `rejected` were invalid.
    case loaded(rows: Int, rejected: Int)
    /// The campaign was already loaded (a rerun, or another worker loaded it).
    case joined(rows: Int)
}

/// What ``CampaignJournal/recoverAbandoned()`` changed.
public struct RecoveryCounts: Sendable, Hashable {
    /// Claimed rows given back to `pending`.
    public var released: Int
    /// In-flight rows made `unknown`.
    public var unknown: Int

    public init(released: Int = 0, unknown: Int = 0) {
        self.released = released
        self.unknown = unknown
    }
}

/// Which finished rows a run sends again.
public struct RequeueSelection: OptionSet, Sendable, Hashable {
    public let rawValue: Int
    public init(rawValue: Int) { self.rawValue = rawValue }

    /// `failed` rows whose error is ``RowError/retryable`` (`--retry-failed`).
    public static let retryableFailures = RequeueSelection(rawValue: 1)
    /// `unknown` rows (`--resend-unknown`, after the user has looked).
    public static let unknown = RequeueSelection(rawValue: 2)
}

/// The state of a row in the journal.
public enum RowState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    /// Claimed by a worker that has not started its request.
    case claimed
    /// Its request may have started: it is never sent again automatically.
    case inFlight = "in_flight"
    case sent
    /// The server answered with an error: the message was not sent.
    case failed
    /// The request may have reached the server, and no answer came.
    case unknown
    /// Never sent: a bad manifest row, or an asset that cannot be sent.
    case rejected

    /// Whether the row has its final state for this run.
    public var isFinal: Bool {
        switch self {
        case .pending, .claimed, .inFlight: false
        case .sent, .failed, .unknown, .rejected: true
        }
    }
}

/// One message of a campaign: a manifest row as read.
public struct CampaignRow: Sendable, Hashable, Codable {
    /// The row's line number in the manifest (1-based, the header counting): unique in a campaign.
    public var row: Int
    public var channelID: String?
    public var contactID: String?
    public var threadID: String?
    /// The asset as the manifest names it, resolved: an absolute path, or an http(s) URL.
    public var media: String
    public var mediaType: MediaTypeName?
    public var caption: String?
    public var fileName: String?
    public var saveMessage: Bool
    /// Why the row cannot be sent, for a row that is loaded as `rejected` (a missing recipient, a bad
    /// media type); nil for a row that is loaded as `pending`.
    public var rejection: RowError?

    public init(
        row: Int, channelID: String? = nil, contactID: String? = nil, threadID: String? = nil, media: String,
        mediaType: MediaTypeName? = nil, caption: String? = nil, fileName: String? = nil, saveMessage: Bool = true,
        rejection: RowError? = nil
    ) {
        self.row = row
        self.channelID = channelID
        self.contactID = contactID
        self.threadID = threadID
        self.media = media
        self.mediaType = mediaType
        self.caption = caption
        self.fileName = fileName
        self.saveMessage = saveMessage
        self.rejection = rejection
    }

    /// Who receives it, in words: `thread <id>`, `contact <id> via <channel>`, or `no recipient`.
    public var recipient: String {
        if let threadID { return "thread \(threadID)" }
        guard let contactID else { return "no recipient" }
        return "contact \(contactID) via \(channelID ?? "no channel")"
    }
}

/// A media type as the manifest spells it (`image`, `video`, `audio`, `document`), stored as text.
public typealias MediaTypeName = String

/// What the API answered for a sent message.
public struct SentMessage: Sendable, Hashable, Codable {
    public var messageID: String
    public var providerID: String
    public var mediaURL: String

    public init(messageID: String, providerID: String, mediaURL: String) {
        self.messageID = messageID
        self.providerID = providerID
        self.mediaURL = mediaURL
    }
}

/// Why a row did not end `sent`.
public struct RowError: Error, Sendable, Hashable, Codable, CustomStringConvertible {
    /// What kind of failure: the client's error kinds (`bad-request`, `server-error`, `unknown`, …) plus
    /// the campaign's own.
    public struct Kind: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The manifest row cannot be sent as written.
        public static let invalidRow = Kind("invalid-row")
        /// The asset was rejected by the checks (or could not be read or prepared).
        public static let assetRejected = Kind("asset-rejected")
        /// The worker stopped (crashed, killed, aborted) while the request was out.
        public static let interrupted = Kind("interrupted")
    }

    public var kind: Kind
    /// The HTTP status, when the server answered.
    public var httpStatus: Int?
    /// What happened and what to do, in words.
    public var message: String
    /// Whether `--retry-failed` sends the row again: the server refused it for now (429), failed (5xx),
    /// or was never reached. Decided by the sender when it records the failure.
    public var retryable: Bool

    public init(kind: Kind, httpStatus: Int? = nil, message: String, retryable: Bool = false) {
        self.kind = kind
        self.httpStatus = httpStatus
        self.message = message
        self.retryable = retryable
    }

    public var description: String { message }
}

/// How a row's message ended, as ``CampaignJournal/record(row:worker:outcome:)`` stores it.
public enum RowOutcome: Sendable, Hashable {
    case sent(SentMessage)
    case failed(RowError)
    case unknown(RowError)
    case rejected(RowError)

    /// The state the row ends in.
    public var state: RowState {
        switch self {
        case .sent: .sent
        case .failed: .failed
        case .unknown: .unknown
        case .rejected: .rejected
        }
    }
}

/// A row and what became of it, as the report reads it.
public struct JournalRecord: Sendable, Hashable {
    public var row: CampaignRow
    public var state: RowState
    /// Requests made for the row so far, over all runs.
    public var attempts: Int
    /// Set when `state` is `sent`.
    public var sent: SentMessage?
    /// Set when `state` is `failed`, `unknown` or `rejected`.
    public var error: RowError?

    public init(row: CampaignRow, state: RowState, attempts: Int, sent: SentMessage? = nil, error: RowError? = nil) {
        self.row = row
        self.state = state
        self.attempts = attempts
        self.sent = sent
        self.error = error
    }
}

/// How many rows are in each state.
public struct StateCounts: Sendable, Hashable {
    public var byState: [RowState: Int]

    public init(_ byState: [RowState: Int] = [:]) { self.byState = byState }

    public subscript(state: RowState) -> Int {
        get { byState[state, default: 0] }
        set { byState[state] = newValue }
    }

    public var total: Int { byState.values.reduce(0, +) }
    /// Rows not yet final: pending, claimed or in flight.
    public var open: Int { self[.pending] + self[.claimed] + self[.inFlight] }
}

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
