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
    /// and not forgotten since; stored under the key's ``AssetKey/text``.
    func mediaURL(forAsset asset: AssetKey) async throws -> String?

    /// Records `url` as the asset's `media_url` unless one is already recorded (the first upload's wins).
    func recordMediaURL(_ url: String, forAsset asset: AssetKey) async throws

    /// Forgets the asset's `media_url` when it is still `url` (a URL send of it was refused as invalid
    /// media): the next message uploads the bytes again, and that upload's URL may then be recorded.
    func forgetMediaURL(_ url: String, forAsset asset: AssetKey) async throws

    /// Up to `limit` rows with a row number above `row`, in row order, with their state and outcome:
    /// the report is read page by page, never whole.
    func records(after row: Int, limit: Int) async throws -> [JournalRecord]

    /// How many rows are in each state.
    func counts() async throws -> StateCounts
}
