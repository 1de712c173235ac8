import Foundation
import Synchronization
import WabaClient
import WabaMedia

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
        let start = try await begin()
        let assets = CampaignAssets(preparer: sender.preparer, journal: journal, reuseURLs: !options.uploadEach)
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
            await leaveNothingClaimed()
            if !(error is CancellationError) && !Task.isCancelled { throw error }
        }
        return CampaignOutcome(
            counts: try await Task { try await journal.counts() }.value, load: start.load,
            recovered: start.recovered, requeued: start.requeued, stopped: isStopping)
    }

    /// What the run found and did before sending.
    private struct Start {
        var load: JournalLoad
        var recovered: RecoveryCounts
        var requeued: Int
    }

    /// Loads the manifest into the journal (or joins the campaign), makes what a crashed run left safe,
    /// and requeues what the options ask for.
    private func begin() async throws -> Start {
        // The manifest's fingerprint reads the whole file: on the executor, off Swift's pool.
        let manifest = self.manifest
        let identity = try await sender.preparer.executor.run { try manifest.identity() }
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
        return Start(load: load, recovered: recovered, requeued: requeued)
    }

    /// After an abort or a journal failure: no row may stay claimed or look as if it was never sent.
    /// The cleanup runs in a task of its own, which the abort's cancellation does not reach.
    private func leaveNothingClaimed() async {
        let worker = options.worker
        let journal = self.journal
        let abandoned = await Task {
            try? await journal.release(worker: worker)
            return try? await journal.abandonInFlight(worker: worker)
        }.value
        if let abandoned, abandoned > 0 {
            sender.logger?.warning("run aborted with requests in flight", metadata: ["unknown": "\(abandoned)"])
        }
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

    /// What a row sends: a URL the platform fetches, or a prepared asset.
    private enum Media {
        case url(String)
        case asset(CampaignAssets.Prepared)
    }

    private func process(_ row: CampaignRow, assets: CampaignAssets) async throws {
        guard let media = try await media(for: row, assets: assets) else { return }
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

        let payload: SendMediaPayload
        do {
            payload = try self.payload(for: row, media: media, delivery: delivery)
        } catch {
            try await finishUpload(nil)
            try await finish(
                row, .rejected(RowError(kind: .invalidRow, message: "\(error)")), wasInFlight: false)
            return
        }
        guard try await journal.markInFlight(row: row.row, worker: options.worker) else {
            try await finishUpload(nil)
            return
        }
        state.withLock { state in
            state.counts[.claimed] -= 1
            state.counts[.inFlight] += 1
        }

        switch try await send(payload, of: row, media: media, delivery: &delivery, assets: assets) {
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

    /// The row's media: its URL, or its asset, prepared; nil when the asset cannot be sent, and the
    /// row was recorded as rejected.
    private func media(for row: CampaignRow, assets: CampaignAssets) async throws -> Media? {
        if AssetLocation.isURL(row.media) { return .url(row.media) }
        switch try await assets.prepared(path: row.media, as: row.mediaType) {
        case .success(let prepared):
            return .asset(prepared)
        case .failure(let error):
            try await finish(row, .rejected(error), wasInFlight: false)
            return nil
        }
    }

    /// Sends `payload`. When the platform refuses an asset's stored URL (400), the URL is not reused:
    /// this message uploads the bytes instead, once, and `delivery` says so.
    private func send(
        _ payload: SendMediaPayload, of row: CampaignRow, media: Media, delivery: inout CampaignAssets.Delivery,
        assets: CampaignAssets
    ) async throws -> Result<SendMediaResult, SendMediaError> {
        let result = await sendWaitingOutRateLimits(payload)
        guard case .failure(let error) = result, error.status == 400, case .url(let url) = delivery,
            case .asset(let prepared) = media
        else { return result }
        sender.logger?.warning(
            "a URL send was refused; uploading instead", metadata: ["row": "\(row.row)", "asset": "\(prepared.key)"])
        try await assets.refuseURL(url, for: prepared.key)
        delivery = .upload
        do {
            return await sendWaitingOutRateLimits(try self.payload(for: row, media: media, delivery: delivery))
        } catch {
            return .failure(SendMediaError(kind: .payload, message: "\(error)", hint: "check the prepared file"))
        }
    }

    /// The body of the row's message, built from its fields as every message's is.
    private func payload(for row: CampaignRow, media: Media, delivery: CampaignAssets.Delivery) throws
        -> SendMediaPayload
    {
        let profile = sender.preparer.profile
        let fields = row.fields
        switch (media, delivery) {
        case (.url(let url), _):
            return try fields.payload(row.mediaType ?? .document, url: url, fileName: row.fileName, profile: profile)
        case (.asset(let prepared), .url(let url)):
            return try fields.payload(
                prepared.mediaType, url: url, fileName: row.fileName ?? prepared.fileName, profile: profile)
        case (.asset(let prepared), .upload):
            return try fields.payload(
                prepared.mediaType, file: prepared.media, fileName: row.fileName ?? prepared.fileName,
                profile: profile)
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
