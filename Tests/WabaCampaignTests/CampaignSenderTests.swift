import Foundation
import MetricsTestKit
import Synchronization
import TestSupport
import Testing
import WabaCampaign
import WabaClient
import WabaMedia
import WabaSandbox

/// A campaign folder: sample assets copied in, and manifests written by the test.
struct CampaignFolder: Sendable {
    let root: URL

    init(assets: [String] = ["photo.jpg", "logo.png", "invoice.pdf"]) throws {
        root = try makeTemporaryDirectory("wamedia-send-campaign")
        for name in assets + ["truncated.jpg"] {
            try FileManager.default.copyItem(
                at: samplesURL.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
    }

    func path(_ name: String) -> String { root.appendingPathComponent(name).path }

    /// A CSV manifest of `count` rows over `assets` in turn, each to a contact of its own.
    @discardableResult
    func manifest(_ name: String = "messages.csv", rows count: Int, assets: [String]) throws -> String {
        var text = "media,contact_id,caption\n"
        for index in 0..<count {
            text += "\(assets[index % assets.count]),\(Self.contact(index)),hello \(index)\n"
        }
        try text.write(toFile: path(name), atomically: true, encoding: .utf8)
        return path(name)
    }

    /// A contact id that says which row it was made for.
    static func contact(_ index: Int) -> String {
        String(format: "00000000-0000-4000-8000-%012d", index)
    }
}

/// A sandbox on loopback for one test, stopped at the end.
func withSandbox<T>(
    _ configuration: SandboxConfiguration = SandboxConfiguration(apiKey: "campaign-key"),
    _ body: (SandboxServer, String) async throws -> T
) async throws -> T {
    let sandbox = try SandboxServer(configuration: configuration)
    let url = try await sandbox.start()
    do {
        let result = try await body(sandbox, url)
        await sandbox.stop()
        return result
    } catch {
        await sandbox.stop()
        throw error
    }
}

/// Runs a campaign to its end with a client of its own.
func sendCampaign(
    _ manifest: String, journal path: String, baseURL: String, options: CampaignSender.Options = .init(concurrency: 6),
    progress: (@Sendable (CampaignProgress) -> Void)? = nil
) async throws -> CampaignOutcome {
    let journal = try SQLiteJournal(path: path)
    defer { try? journal.close() }
    let client = try SendMediaClient(
        configuration: .init(baseURL: baseURL, apiKey: "campaign-key", readTimeout: .seconds(30)))
    let sender = CampaignSender(
        journal: journal, client: client, preparer: try MediaPreparer(profile: .whatsappCloud, executor: .tests),
        options: options)
    let run = sender.start(CampaignManifest(path: manifest, defaultChannel: "chn_campaign", profile: .whatsappCloud))
    for await snapshot in run.progress { progress?(snapshot) }
    let outcome = try await run.outcome()
    try await client.shutdown()
    return outcome
}

/// The accepted messages' contacts, in arrival order.
func acceptedContacts(_ sandbox: SandboxServer) -> [String] {
    sandbox.receipts.filter { $0.status == 200 }.compactMap(\.contactID)
}

@Suite("Sending a campaign", .serialized)
struct CampaignSenderTests {
    @Test("each asset is uploaded once; the other messages send its media_url")
    func uploadsOnceThenReuses() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 60, assets: ["photo.jpg", "logo.png", "invoice.pdf"])
        let metrics = TestMetrics()
        try await withSandbox { sandbox, url in
            let outcome = try await sendCampaign(
                manifest, journal: folder.path("j.journal"), baseURL: url,
                options: .init(concurrency: 8, metricsFactory: metrics))
            #expect(outcome.allSent)
            #expect(outcome.counts[.sent] == 60)
            #expect(outcome.load == .loaded(rows: 60, rejected: 0))
            let accepted = sandbox.receipts.filter { $0.status == 200 }
            #expect(accepted.count == 60)
            #expect(accepted.filter { $0.mediaKind == "base64" }.count == 3, "one upload per distinct asset")
            #expect(Set(acceptedContacts(sandbox)).count == 60)
            #expect(sandbox.requestCount == 60)
            // Every URL sent is one the sandbox returned for an upload.
            let uploaded = Set(accepted.filter { $0.mediaKind == "base64" }.compactMap(\.mediaURL))
            #expect(accepted.filter { $0.mediaKind == "url" }.allSatisfy { uploaded.contains($0.mediaURL ?? "") })

            #expect(try metrics.expectCounter("wamedia_campaign_messages_total", [("state", "sent")]).totalValue == 60)
            #expect(try metrics.expectTimer("wamedia_campaign_request_duration_seconds").values.count == 60)
            let bytes = try metrics.expectCounter("wamedia_campaign_uploaded_bytes_total").totalValue
            #expect(bytes == Int64(accepted.filter { $0.mediaKind == "base64" }.map(\.bodyBytes).reduce(0, +)))
        }
    }

    @Test("--upload-each uploads every message's bytes")
    func uploadEach() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 9, assets: ["logo.png", "invoice.pdf"])
        try await withSandbox { sandbox, url in
            let outcome = try await sendCampaign(
                manifest, journal: folder.path("j.journal"), baseURL: url,
                options: .init(concurrency: 4, uploadEach: true))
            #expect(outcome.allSent)
            #expect(sandbox.receipts.filter { $0.status == 200 && $0.mediaKind == "base64" }.count == 9)
        }
    }

    @Test("bad rows are reported with their line and never sent; the rest go")
    func badRowsAreRejected() async throws {
        let folder = try CampaignFolder()
        let c = CampaignFolder.contact
        let rows = [
            "media,contact_id,channel_id,media_type,caption,save_message",
            "logo.png,\(c(1)),,,ok,",  // line 2: sent
            "logo.png,,,,no recipient,",  // 3
            "logo.png,\(c(3)),,picture,bad type,",  // 4
            "missing.jpg,\(c(4)),,,no such file,",  // 5
            "truncated.jpg,\(c(5)),,,broken image,",  // 6
            "https://example.com/a.jpg,\(c(6)),,,URL without a type,",  // 7
            "logo.png,\(c(7)),,,,maybe",  // 8: save_message neither true nor false
            "invoice.pdf,\(c(8)),chn_other,,own channel,false",  // 9: sent
        ]
        try (rows.joined(separator: "\n") + "\n").write(toFile: folder.path("m.csv"), atomically: true, encoding: .utf8)
        try await withSandbox { sandbox, url in
            let journalPath = folder.path("j.journal")
            let outcome = try await sendCampaign(folder.path("m.csv"), journal: journalPath, baseURL: url)
            #expect(outcome.counts[.sent] == 2)
            #expect(outcome.counts[.rejected] == 6)
            #expect(!outcome.allSent)
            #expect(sandbox.requestCount == 2, "no rejected row reaches the server")
            let received = sandbox.receipts
            #expect(Set(received.compactMap(\.contactID)) == [c(1), c(8)])
            #expect(received.first { $0.contactID == c(8) }?.channelID == "chn_other")
            #expect(received.first { $0.contactID == c(8) }?.saveMessage == false)
            #expect(received.first { $0.contactID == c(1) }?.channelID == "chn_campaign")

            let journal = try SQLiteJournal(path: journalPath)
            defer { try? journal.close() }
            let records = try await journal.records(after: 0, limit: 100)
            #expect(records.map(\.row.row) == Array(2...9))
            let byLine = Dictionary(uniqueKeysWithValues: records.map { ($0.row.row, $0) })
            for line in [3, 4, 5, 6, 7, 8] {
                let record = try #require(byLine[line])
                #expect(record.state == .rejected, "line \(line)")
                #expect(record.attempts == 0)
            }
            for line in [3, 4, 7, 8] {
                #expect(byLine[line]?.error?.message.contains("m.csv:\(line)") == true, "line \(line)")
                #expect(byLine[line]?.error?.kind == .invalidRow)
            }
            #expect(byLine[3]?.error?.message.contains("contact_id") == true)
            #expect(byLine[4]?.error?.message.contains("picture") == true)
            #expect(byLine[5]?.error?.kind == .assetRejected)
            #expect(byLine[6]?.error?.kind == .assetRejected)
            #expect(byLine[8]?.error?.message.contains("save_message") == true)
        }
    }

    @Test("a 500 fails its row; a rerun sends nothing again, --retry-failed sends the failed rows once")
    func serverErrorsAndResuming() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 20, assets: ["logo.png", "invoice.pdf"])
        let journal = folder.path("j.journal")
        try await withSandbox { sandbox, url in
            sandbox.failNext(3)
            let first = try await sendCampaign(manifest, journal: journal, baseURL: url, options: .init(concurrency: 2))
            #expect(first.counts[.failed] == 3)
            #expect(first.counts[.sent] == 17)
            #expect(!first.allSent)

            // The same command again: nothing is sent, the report is whole.
            let requests = sandbox.requestCount
            let second = try await sendCampaign(manifest, journal: journal, baseURL: url)
            #expect(sandbox.requestCount == requests)
            #expect(second.load == .joined(rows: 20))
            #expect(second.counts == first.counts)

            let third = try await sendCampaign(
                manifest, journal: journal, baseURL: url, options: .init(concurrency: 2, retryFailed: true))
            #expect(third.requeued == 3)
            #expect(third.allSent)
            let accepted = acceptedContacts(sandbox)
            #expect(accepted.count == 20)
            #expect(Set(accepted).count == 20, "no message arrived twice")

            let reader = try SQLiteJournal(path: journal)
            defer { try? reader.close() }
            let records = try await reader.records(after: 0, limit: 100)
            let retried = records.filter { $0.attempts == 2 }
            #expect(retried.count == 3)
            // The journal's message ids are the ones the sandbox gave.
            let ids = Dictionary(
                uniqueKeysWithValues: sandbox.receipts.filter { $0.status == 200 }.map {
                    ($0.contactID ?? "", $0.messageID ?? "")
                })
            #expect(records.allSatisfy { ids[$0.row.contactID ?? ""] == $0.sent?.messageID })
        }
    }

    @Test("a URL the platform refuses falls back to the bytes once, and is not reused")
    func refusedURLFallsBack() async throws {
        let folder = try CampaignFolder()
        let manifestPath = try folder.manifest(rows: 5, assets: ["logo.png"])
        let journalPath = folder.path("j.journal")
        // The journal already holds a media_url for the prepared logo that this sandbox never issued
        // (an earlier run's, from a platform that has since forgotten it).
        let preparer = try MediaPreparer(profile: .whatsappCloud, executor: .tests)
        let key = try await preparer.withPreparedMedia(at: folder.path("logo.png")) { media async throws in
            try AssetKey(hashing: media.media, as: media.report.mediaType)
        }
        let manifest = CampaignManifest(path: manifestPath, defaultChannel: "chn_campaign", profile: .whatsappCloud)
        do {
            let journal = try SQLiteJournal(path: journalPath)
            _ = try await journal.load(try manifest.identity(), rows: try manifest.rows())
            try await journal.recordMediaURL("http://127.0.0.1:9/media/forgotten/logo.png", forAsset: key)
            try journal.close()
        }
        try await withSandbox { sandbox, url in
            let outcome = try await sendCampaign(
                manifestPath, journal: journalPath, baseURL: url, options: .init(concurrency: 1))
            #expect(outcome.allSent)
            let receipts = sandbox.receipts
            #expect(receipts.count == 6)
            #expect(receipts.first?.status == 400)
            #expect(receipts.first?.mediaKind == "url")
            #expect(receipts.dropFirst().allSatisfy { $0.status == 200 && $0.mediaKind == "base64" })
            let journal = try SQLiteJournal(path: journalPath)
            defer { try? journal.close() }
            #expect(try await journal.mediaURL(forAsset: key) == nil)
        }
    }

    @Test("a 429 is waited out for its Retry-After and sent again: every message arrives once")
    func rateLimitIsWaitedOut() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 40, assets: ["logo.png", "invoice.pdf"])
        let metrics = TestMetrics()
        try await withSandbox(SandboxConfiguration(apiKey: "campaign-key", rateLimit: 15)) { sandbox, url in
            let outcome = try await sendCampaign(
                manifest, journal: folder.path("j.journal"), baseURL: url,
                options: .init(concurrency: 8, metricsFactory: metrics))
            #expect(outcome.allSent)
            let counts = await sandbox.counts()
            #expect(counts.rateLimited > 0, "the campaign went faster than the limit, so some sends were refused")
            #expect(counts.accepted == 40)
            let accepted = await sandbox.acceptedMessages().compactMap(\.contactID)
            #expect(Set(accepted).count == 40)
            #expect(
                try metrics.expectCounter("wamedia_campaign_rate_limited_total").totalValue == Int64(counts.rateLimited)
            )
        }
    }

    @Test("--rate spaces the starts: 20 messages at 40 per second take about half a second")
    func rateLimitsTheStarts() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 20, assets: ["logo.png"])
        try await withSandbox { _, url in
            let started = ContinuousClock.now
            let outcome = try await sendCampaign(
                manifest, journal: folder.path("j.journal"), baseURL: url, options: .init(concurrency: 8, rate: 40))
            let elapsed = ContinuousClock.now - started
            #expect(outcome.allSent)
            #expect(elapsed >= .milliseconds(450), "19 gaps of 25 ms at least")
        }
    }

    @Test("progress is an AsyncSequence that ends with the final counts")
    func progressEnds() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 12, assets: ["logo.png"])
        let seen = ProgressLog()
        try await withSandbox { _, url in
            let outcome = try await sendCampaign(
                manifest, journal: folder.path("j.journal"), baseURL: url, progress: { seen.add($0) })
            let last = try #require(seen.all.last)
            #expect(last.phase == .finished)
            #expect(last.counts[.sent] == 12)
            #expect(last.finishedThisRun == 12)
            #expect(outcome.counts[.sent] == 12)
            let sent = seen.all.map { $0.counts[.sent] }
            #expect(sent == sent.sorted(), "counts only grow")
        }
    }
}

final class ProgressLog: Sendable {
    private let log = Mutex<[CampaignProgress]>([])
    func add(_ progress: CampaignProgress) { log.withLock { $0.append(progress) } }
    var all: [CampaignProgress] { log.withLock { $0 } }
}
