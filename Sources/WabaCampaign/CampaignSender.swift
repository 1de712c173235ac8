public import CoreMetrics
import Foundation
public import Logging
import Synchronization
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

/// A campaign being sent: its progress, and the means to stop it.
public final class CampaignRun: Sendable {
    /// Snapshots of the counts, a few times a second and once at the end; finishes with the run.
    /// Only the newest snapshot is kept for a slow reader.
    public let progress: AsyncStream<CampaignProgress>
    private let engine: CampaignEngine
    private let task: Task<CampaignOutcome, any Error>

    init(engine: CampaignEngine) {
        self.engine = engine
        let (stream, continuation) = AsyncStream.makeStream(
            of: CampaignProgress.self, bufferingPolicy: .bufferingNewest(1))
        progress = stream
        task = Task { try await engine.run(progress: continuation) }
    }

    /// Stops claiming rows: the messages in flight finish, the rows not started go back to `pending`
    /// for a later run. When `gracePeriod` passes first, the run is aborted (``abort()``).
    public func stop(gracePeriod: Duration? = nil) {
        engine.stop()
        guard let gracePeriod else { return }
        let task = self.task
        Task {
            try? await Task.sleep(for: gracePeriod)
            task.cancel()
        }
    }

    /// Stops at once: requests in flight are cancelled, and their rows become `unknown` (they may have
    /// reached the server). Rows not started go back to `pending`.
    public func abort() {
        engine.stop()
        task.cancel()
    }

    /// Waits for the run to end and returns the campaign's counts.
    ///
    /// - Throws: ``CampaignJournalError`` when the journal cannot be loaded or written (the run stops:
    ///   without its journal nothing more may be sent); `WabaMediaError` when the manifest cannot be read.
    public func outcome() async throws -> CampaignOutcome {
        try await task.value
    }
}

/// Where a run is, as ``CampaignRun/progress`` reports it.
public struct CampaignProgress: Sendable, Hashable {
    public enum Phase: String, Sendable, Hashable {
        /// Reading the manifest into the journal.
        case loading
        case sending
        /// Stopped claiming: waiting for the requests in flight.
        case stopping
        case finished
    }

    public var phase: Phase
    /// The campaign's rows by state, as this worker sees them (others' work shows at the end).
    public var counts: StateCounts
    /// Rows this run took to a final state.
    public var finishedThisRun: Int
    public var elapsed: Duration

    /// Rows finished per second in this run.
    public var messagesPerSecond: Double {
        elapsed.seconds > 0 ? Double(finishedThisRun) / elapsed.seconds : 0
    }

    /// How long the rows left would take at the current pace; nil before there is a pace.
    public var estimatedRemaining: Duration? {
        let rate = messagesPerSecond
        guard rate > 0 else { return nil }
        return .milliseconds(Int64(Double(counts.open) / rate * 1000))
    }
}

/// How a run ended.
public struct CampaignOutcome: Sendable, Hashable {
    /// The whole campaign's rows by state, earlier runs' and other workers' included.
    public var counts: StateCounts
    public var load: JournalLoad
    /// What this run found left by a crashed one.
    public var recovered: RecoveryCounts
    /// Rows sent again because the options asked.
    public var requeued: Int
    /// Whether the run was stopped before every row was tried.
    public var stopped: Bool

    /// Whether every row of the campaign was sent: the only outcome that is a success.
    public var allSent: Bool { counts[.sent] == counts.total }
}

// MARK: - The run

/// One run of a campaign: the loop that claims rows and the work done for each.
final class CampaignEngine: Sendable {
    private let sender: CampaignSender
    private let manifest: CampaignManifest
    private let metrics: CampaignMetrics
    private let state = Mutex(State())

    private struct State {
        var stopping = false
        var phase = CampaignProgress.Phase.loading
        var counts = StateCounts()
        var finishedThisRun = 0
    }

    private var options: CampaignSender.Options { sender.options }
    private var journal: any CampaignJournal { sender.journal }

    init(sender: CampaignSender, manifest: CampaignManifest) {
        self.sender = sender
        self.manifest = manifest
        self.metrics = CampaignMetrics(
            dimensions: sender.options.metricDimensions, factory: sender.options.metricsFactory)
    }

    func stop() {
        state.withLock { state in
            state.stopping = true
            if state.phase == .sending { state.phase = .stopping }
        }
    }

    private var isStopping: Bool { state.withLock { $0.stopping } }

    func run(progress: AsyncStream<CampaignProgress>.Continuation) async throws -> CampaignOutcome {
        let started = ContinuousClock.now
        let reporter = Task {
            while !Task.isCancelled {
                progress.yield(snapshot(since: started))
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
        defer {
            reporter.cancel()
            state.withLock { $0.phase = .finished }
            progress.yield(snapshot(since: started))
            progress.finish()
        }

        let identity = try manifest.identity()
        let load = try await journal.load(identity, rows: try manifest.rows())
        let recovered = try await journal.recoverAbandoned()
        let requeued = try await journal.requeue(options.requeue)
        let counts = try await journal.counts()
        state.withLock { state in
            state.counts = counts
            state.phase = state.stopping ? .stopping : .sending
        }
        sender.logger?.info(
            "campaign loaded",
            metadata: [
                "journal": "\(journal.location)", "rows": "\(counts.total)",
                "recovered_unknown": "\(recovered.unknown)", "requeued": "\(requeued)",
            ])

        // The prepared assets' folder: removed when the run ends, or by a later run if this one is killed.
        let workspace = try TemporaryFolder()
        let workers = BlockingWorkers(count: max(1, min(options.concurrency, MediaChecker.defaultConcurrency)))
        defer {
            workers.shutdown()
            workspace.remove()
        }
        let assets = CampaignAssets(
            preparer: sender.preparer, folder: workspace.path, workers: workers, journal: journal,
            reuseURLs: !options.uploadEach)
        let heartbeat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: options.lease / 3)
                try? await journal.renew(worker: options.worker, lease: options.lease)
            }
        }
        defer { heartbeat.cancel() }

        do {
            try await sendAll(assets: assets)
        } catch {
            // Aborted, or the journal failed: no row may stay claimed or look as if it was never sent.
            // The cleanup runs in a task of its own, which the abort's cancellation does not reach.
            let worker = options.worker
            let journal = self.journal
            let abandoned = await Task {
                try? await journal.release(worker: worker)
                return try? await journal.abandonInFlight(worker: worker)
            }.value
            if let abandoned, abandoned > 0 {
                sender.logger?.warning("run aborted with requests in flight", metadata: ["unknown": "\(abandoned)"])
            }
            if !(error is CancellationError) && !Task.isCancelled { throw error }
        }
        return CampaignOutcome(
            counts: try await Task { try await journal.counts() }.value, load: load, recovered: recovered,
            requeued: requeued, stopped: isStopping)
    }

    /// Claims rows and sends them until none is left, the run is stopped, or it is cancelled.
    private func sendAll(assets: CampaignAssets) async throws {
        let limiter = RateLimiter(rate: options.rate)
        let worker = options.worker
        try await withThrowingTaskGroup(of: Void.self) { group in
            var running = 0
            claiming: while !isStopping {
                let claimed = try await journal.claim(worker: worker, limit: options.claimBatch, lease: options.lease)
                if claimed.isEmpty {
                    if running > 0 {
                        try await group.next()
                        running -= 1
                        continue
                    }
                    // Nothing of ours is out. Rows other workers hold come back if they crash.
                    let counts = try await journal.counts()
                    state.withLock { $0.counts = counts }
                    if counts[.pending] + counts[.claimed] == 0 { break }
                    try await Task.sleep(for: options.idlePoll)
                    _ = try await journal.recoverAbandoned()
                    continue
                }
                for row in claimed {
                    while running >= options.concurrency {
                        try await group.next()
                        running -= 1
                    }
                    try await limiter?.acquire()
                    if isStopping { break claiming }
                    group.addTask { try await self.process(row, assets: assets) }
                    running += 1
                }
            }
            // Claimed rows not started go back, for a later run or another worker.
            try await journal.release(worker: worker)
            try await group.waitForAll()
        }
    }

    // MARK: - One row

    private enum Media {
        case url(String)
        case asset(CampaignAssets.Prepared)
    }

    private func process(_ row: CampaignRow, assets: CampaignAssets) async throws {
        let worker = options.worker
        let mediaType = row.mediaType.flatMap(MediaType.init(rawValue:))
        let media: Media
        if AssetLocation.isURL(row.media) {
            media = .url(row.media)
        } else {
            switch await assets.prepared(path: row.media, as: mediaType) {
            case .success(let prepared): media = .asset(prepared)
            case .failure(let error):
                try await finish(row, .rejected(error), wasInFlight: false)
                return
            }
        }

        var delivery: CampaignAssets.Delivery
        switch media {
        case .url(let url): delivery = .url(url)
        case .asset(let prepared): delivery = try await assets.delivery(for: prepared.key)
        }
        /// Ends an upload ``CampaignAssets/delivery(for:)`` asked this row for, whatever happens.
        func finishUpload(_ url: String?) async throws {
            if case .asset(let prepared) = media, delivery == .upload {
                try await assets.finishUpload(prepared.key, url: url)
            }
        }

        var payload: SendMediaPayload
        do {
            payload = try self.payload(for: row, media: media, delivery: delivery)
        } catch {
            try await finishUpload(nil)
            try await finish(
                row, .rejected(RowError(kind: .invalidRow, message: "\(error)")), wasInFlight: false)
            return
        }
        guard try await journal.markInFlight(row: row.row, worker: worker) else {
            try await finishUpload(nil)
            return
        }
        state.withLock { state in
            state.counts[.claimed] -= 1
            state.counts[.inFlight] += 1
        }

        var result = await sendWaitingOutRateLimits(payload)
        if case .failure(let error) = result, error.status == 400, case .url(let url) = delivery,
            case .asset(let prepared) = media
        {
            // The platform refused the stored URL: this message uploads the bytes, once, and the URL
            // is not reused.
            sender.logger?.warning(
                "a URL send was refused; uploading instead",
                metadata: ["row": "\(row.row)", "asset": "\(prepared.key)"])
            try await assets.refuseURL(url, for: prepared.key)
            delivery = .upload
            do {
                payload = try self.payload(for: row, media: media, delivery: delivery)
                result = await sendWaitingOutRateLimits(payload)
            } catch {
                result = .failure(
                    SendMediaError(kind: .payload, message: "\(error)", hint: "check the prepared file"))
            }
        }
        switch result {
        case .success(let sent):
            try await finishUpload(sent.mediaURL)
            try await finish(
                row,
                .sent(SentMessage(messageID: sent.messageID, providerID: sent.providerID, mediaURL: sent.mediaURL)),
                wasInFlight: true)
        case .failure(let error):
            try await finishUpload(nil)
            try await finish(row, Self.outcome(of: error), wasInFlight: true)
        }
    }

    private func payload(for row: CampaignRow, media: Media, delivery: CampaignAssets.Delivery) throws
        -> SendMediaPayload
    {
        let profile = sender.preparer.profile
        func request(_ type: MediaType, _ data: MediaData, fileName: String?) -> SendMediaRequest {
            SendMediaRequest(
                channelID: row.channelID, contactID: row.contactID, mediaType: type, mediaData: data,
                content: row.caption, fileName: fileName, threadID: row.threadID, saveMessage: row.saveMessage)
        }
        switch (media, delivery) {
        case (.url(let url), _):
            let type = row.mediaType.flatMap(MediaType.init(rawValue:)) ?? .document
            return try SendMediaPayload(request(type, .url(url), fileName: row.fileName), profile: profile)
        case (.asset(let prepared), .url(let url)):
            return try SendMediaPayload(
                request(prepared.mediaType, .url(url), fileName: row.fileName ?? prepared.fileName), profile: profile)
        case (.asset(let prepared), .upload):
            return try SendMediaPayload(
                request(
                    prepared.mediaType, .file(path: prepared.media.path), fileName: row.fileName ?? prepared.fileName),
                media: prepared.media, profile: profile)
        }
    }

    /// Sends, and when the server answers 429 (it refused the message: nothing was sent), waits for its
    /// `Retry-After` and sends again, up to ``CampaignSender/Options/maxRateLimitWaits`` times.
    private func sendWaitingOutRateLimits(_ payload: SendMediaPayload) async -> Result<SendMediaResult, SendMediaError>
    {
        var waits = 0
        while true {
            let started = ContinuousClock.now
            let result: Result<SendMediaResult, SendMediaError>
            do throws(SendMediaError) {
                result = .success(try await sender.client.send(payload))
            } catch {
                result = .failure(error)
            }
            metrics.request(took: ContinuousClock.now - started)
            if payload.mediaByteCount > 0 { metrics.uploaded(bytes: payload.contentLength) }
            guard case .failure(let error) = result, error.status == 429, waits < options.maxRateLimitWaits,
                !Task.isCancelled
            else { return result }
            waits += 1
            metrics.waitedOutRateLimit()
            do {
                try await Task.sleep(for: error.retryAfter ?? .seconds(1))
            } catch {
                return result
            }
        }
    }

    /// A failed send as the journal keeps it. `failed` means the server answered with an error (or was
    /// never reached): the message was not sent. `unknown` means it may have been.
    static func outcome(of error: SendMediaError) -> RowOutcome {
        let message = "\(error.message) (\(error.hint))"
        let kind = RowError.Kind(error.kind.rawValue)
        switch error.kind {
        case .unknown, .invalidResponse:
            return .unknown(RowError(kind: kind, httpStatus: error.status, message: message))
        case .connectionFailed, .transport, .serverError, .payload:
            return .failed(RowError(kind: kind, httpStatus: error.status, message: message, retryable: true))
        default:
            let retryable = error.status == 429 || error.status == 408
            return .failed(RowError(kind: kind, httpStatus: error.status, message: message, retryable: retryable))
        }
    }

    private func finish(_ row: CampaignRow, _ outcome: RowOutcome, wasInFlight: Bool) async throws {
        guard try await journal.record(row: row.row, worker: options.worker, outcome: outcome) else { return }
        metrics.finished(outcome.state)
        state.withLock { state in
            state.counts[wasInFlight ? .inFlight : .claimed] -= 1
            state.counts[outcome.state] += 1
            state.finishedThisRun += 1
        }
    }

    private func snapshot(since started: ContinuousClock.Instant) -> CampaignProgress {
        state.withLock { state in
            // Claimed rows are pending as far as anyone watching is concerned.
            var counts = state.counts
            counts[.pending] += counts[.claimed]
            counts[.claimed] = 0
            return CampaignProgress(
                phase: state.phase, counts: counts, finishedThisRun: state.finishedThisRun,
                elapsed: ContinuousClock.now - started)
        }
    }
}
