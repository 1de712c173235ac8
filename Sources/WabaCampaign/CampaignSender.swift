public import CoreMetrics
import Foundation
public import Logging
public import WabaClient
public import WabaMedia

/// Sends a campaign: every row of a manifest, each message at most once, resumable after a crash.
///
/// ```swift
/// let journal = try SQLiteJournal(path: "messages.journal")
/// let sender = CampaignSender(journal: journal, client: client, preparer: preparer)
/// let run = sender.start(CampaignManifest(path: "messages.csv", defaultChannel: "chn_1", profile: profile))
/// for await progress in run.progress { print(progress.counts[.sent]) }
/// let outcome = try await run.outcome()
/// ```
///
/// What it does, in order: loads the manifest into the journal once (a rerun or another worker joins);
/// makes what a crashed run left safe (claimed rows back to `pending`, in-flight ones `unknown`); requeues
/// what the options ask for; then claims rows in small batches and sends them, `concurrency` at a time
/// and at most `rate` per second. Each distinct asset is prepared once, through ``MediaPreparer``, before
/// the first message that needs it; its first upload's `media_url` is then sent in place of the bytes.
/// Every row is marked in flight in the journal before its request starts.
public struct CampaignSender: Sendable {
    public struct Options: Sendable {
        /// Requests in flight at once.
        public var concurrency: Int
        /// Messages started per second, for this process; nil for no limit.
        public var rate: Double?
        /// Upload every message's bytes instead of reusing the first upload's `media_url`.
        public var uploadEach: Bool
        /// Send again the rows that failed with 429, 5xx or an unreachable server.
        public var retryFailed: Bool
        /// Send again the rows whose outcome is unknown (after checking they did not arrive).
        public var resendUnknown: Bool
        /// This process's name in the journal; unique among the workers of a campaign.
        public var worker: String
        /// How long a claim holds when its worker stops renewing it.
        public var lease: Duration
        /// How many 429 answers one message waits out (each for its `Retry-After`) before it fails.
        public var maxRateLimitWaits: Int
        /// How long to wait before looking again when other workers hold every row that is left.
        public var idlePoll: Duration
        /// Added to every metric (a campaign name, say).
        public var metricDimensions: [(String, String)]
        /// Where metrics go; nil for the backend the process bootstrapped with `MetricsSystem.bootstrap`.
        public var metricsFactory: (any MetricsFactory)?

        public init(
            concurrency: Int = 8, rate: Double? = nil, uploadEach: Bool = false, retryFailed: Bool = false,
            resendUnknown: Bool = false, worker: String = Options.defaultWorker, lease: Duration = .seconds(60),
            maxRateLimitWaits: Int = 20, idlePoll: Duration = .seconds(1), metricDimensions: [(String, String)] = [],
            metricsFactory: (any MetricsFactory)? = nil
        ) {
            self.concurrency = max(1, concurrency)
            self.rate = rate
            self.uploadEach = uploadEach
            self.retryFailed = retryFailed
            self.resendUnknown = resendUnknown
            self.worker = worker
            self.lease = lease
            self.maxRateLimitWaits = max(0, maxRateLimitWaits)
            self.idlePoll = idlePoll
            self.metricDimensions = metricDimensions
            self.metricsFactory = metricsFactory
        }

        /// `host:pid:random`: unique across machines and restarts.
        public static var defaultWorker: String {
            "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UInt32.random(in: 0...UInt32.max))"
        }

        /// Rows claimed at once: enough to keep every slot busy, few enough that a crash returns little.
        var claimBatch: Int { max(1, concurrency * 2) }

        var requeue: RequeueSelection {
            var selection: RequeueSelection = []
            if retryFailed { selection.insert(.retryableFailures) }
            if resendUnknown { selection.insert(.unknown) }
            return selection
        }
    }

    public let journal: any CampaignJournal
    public let client: SendMediaClient
    public let preparer: MediaPreparer
    public let options: Options
    public let logger: Logger?

    /// - Parameters:
    ///   - client: sends each message; owned by the caller (shut it down after the run).
    ///   - preparer: checks and prepares each asset, as `send` and `prepare` do.
    public init(
        journal: any CampaignJournal, client: SendMediaClient, preparer: MediaPreparer, options: Options = Options(),
        logger: Logger? = nil
    ) {
        self.journal = journal
        self.client = client
        self.preparer = preparer
        self.options = options
        self.logger = logger
    }

    /// Starts sending `manifest` in a task of its own and returns its handle at once.
    public func start(_ manifest: CampaignManifest) -> CampaignRun {
        CampaignRun(engine: CampaignEngine(sender: self, manifest: manifest))
    }

    /// Sends `manifest` and returns when every row it could send has an outcome.
    public func send(_ manifest: CampaignManifest) async throws -> CampaignOutcome {
        let run = start(manifest)
        return try await withTaskCancellationHandler {
            try await run.outcome()
        } onCancel: {
            run.abort()
        }
    }
}
