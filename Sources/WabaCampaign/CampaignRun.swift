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
