import Foundation
import TestSupport
import Testing
import WabaMedia

@testable import WabaClient

/// Servers that answer at once and then send their body a byte at a time: the URL check is bounded as
/// a whole and holds bodies to a minimum rate, and a send's answer must arrive within the read
/// timeout, so such a server costs a check or a send its timeout at most.
@Suite("servers that drip their body", .serialized)
struct SlowServerTests {
    static func checker(timeout: Duration, minimumRate: TransferRate? = .assetCheck) throws -> RemoteAssetChecker {
        RemoteAssetChecker(
            checker: try MediaChecker(profile: .whatsappCloud), executor: .tests,
            options: .init(timeout: timeout, allowPrivateAddresses: true, allowHTTP: true, minimumRate: minimumRate))
    }

    static func check(_ url: String, with checker: RemoteAssetChecker) async -> RemoteCheck {
        await checker.check(url: url, asset: BatchAsset(location: .url(url), mediaType: .image, origin: url))
    }

    /// Waits (at most `limit`) until the server sees every drip's connection closed by the client.
    static func dripsEnd(on server: DripServer, within limit: Duration = .seconds(3)) async -> Bool {
        let end = ContinuousClock.now + limit
        while server.activeDrips > 0, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
        return server.activeDrips == 0
    }

    @Test("work done on this machine between requests does not count against the timeout")
    func localWorkIsNotTheServers() async {
        let watch = TransferWatch(deadline: .now + .milliseconds(300), minimumRate: nil)
        let before = watch.deadline
        // A machine too busy to inspect what was fetched within the timeout.
        await watch.excluding { usleep(500_000) }
        #expect(watch.deadline - before >= .milliseconds(500))
        // The deadline still comes (its timing is the CLI tests'; this process's pool may be busy).
        #expect(await watch.expiry() == .deadline)
    }

    /// `wamedia check` of `url` with `--timeout`, as users run it: the timing is the check's own, in a
    /// process of its own, whatever else this test process runs meanwhile. Its one asset's findings.
    static func checkFromTheCLI(_ url: String, timeout: Int) async throws -> [[String: Any]] {
        let run = try await wamediaAsync([
            "check", "--format", "json", "--allow-private", "--allow-http", "--timeout", "\(timeout)", "--type",
            "image",
            url,
        ])
        #expect(run.status == 1, "\(run.standardError)")
        let asset = try #require(try run.jsonLines().first, "no asset in: \(run.standardOutput)")
        return asset["findings"] as? [[String: Any]] ?? []
    }

    @Test("a body dripped a byte a second ends the check as url-timeout within the timeout and a second")
    func dripIsATimeout() async throws {
        // The drip outlives the bound: a check that waited for it would take 20 s, not 3.
        let server = try DripServer(imageBytes: 100_000, lifetime: 20)
        defer { server.stop() }
        // The timeout (2 s) comes before the rate floor's first window (4 s): it alone bounds the check.
        let findings = try await Self.checkFromTheCLI(server.baseURL + "/slow.jpg", timeout: 2)
        #expect(await Self.dripsEnd(on: server), "\(server.activeDrips) drips still connected")
        let elapsed = try #require(server.exchangeDuration, "the client never closed the drip")
        #expect(elapsed < .seconds(3), "the check took \(elapsed)")
        #expect(elapsed >= .milliseconds(1900), "the check ended before its timeout: \(elapsed)")
        let message = findings.first { $0["code"] as? String == "url-timeout" }?["message"] as? String ?? ""
        #expect(message.contains("2 s") && message.contains("whole check"), "\(findings)")
        // The body's request was cancelled, not left running: its connection closed.
        #expect(server.requestLines.map { $0.prefix(4) } == ["HEAD", "GET "], "\(server.requestLines)")
    }

    @Test("a body slower than the minimum rate ends the check after one window, whatever the timeout")
    func dripIsTooSlow() async throws {
        let server = try DripServer(imageBytes: 100_000, lifetime: 20)
        defer { server.stop() }
        let window = TransferRate.assetCheck.window
        let findings = try await Self.checkFromTheCLI(server.baseURL + "/slow.jpg", timeout: 60)
        #expect(await Self.dripsEnd(on: server))
        let elapsed = try #require(server.exchangeDuration, "the client never closed the drip")
        #expect(elapsed >= window && elapsed < window + .seconds(1), "the check took \(elapsed)")
        let message = findings.first { $0["code"] as? String == "url-timeout" }?["message"] as? String ?? ""
        #expect(message.contains("too slowly"), "\(findings)")
    }

    @Test("a server that is slow but over the minimum rate is read to the end")
    func slowButSteadyIsRead() async throws {
        // 4 KiB every 0.25 s: 16 KiB/s, eight times the floor, so 48 KiB take 3 s.
        let server = try DripServer(imageBytes: 48 * 1024, tick: 0.25, bytesPerTick: 4096, lifetime: 20)
        defer { server.stop() }
        let checker = try Self.checker(timeout: .seconds(10))
        let check = await Self.check(server.baseURL + "/steady.jpg", with: checker)
        #expect(!check.report.findings.map(\.code).contains(.urlTimeout), "\(check.report.findings)")
        #expect(check.fetch.bytesFetched == 48 * 1024)
        try await checker.shutdown()
    }

    @Test("16 dripping URLs in one check end together, within the timeout and a little")
    func dripsInABatch() async throws {
        let server = try DripServer(imageBytes: 100_000, lifetime: 30)
        defer { server.stop() }
        let timeout = 2
        let urls = (0..<16).map { server.baseURL + "/asset-\($0).jpg" }
        // The URLs run `urlJobs` at once, each bounded by the timeout: so many rounds of it at most.
        let jobs = BatchChecker.Options().urlJobs
        let rounds = (urls.count + jobs - 1) / jobs
        let bound = Duration.seconds(timeout * rounds) + .milliseconds(1500)
        let run = try await wamediaAsync(
            ["check", "--format", "json", "--allow-private", "--allow-http", "--timeout", "\(timeout)"] + urls)
        #expect(await Self.dripsEnd(on: server))
        let elapsed = try #require(server.exchangeDuration, "no drip was closed by the client")
        #expect(elapsed < bound, "16 URLs took \(elapsed), over \(bound)")
        let assets = try run.jsonLines()
        #expect(assets.count == 16, "\(run.standardError)")
        let timedOut = assets.filter { asset in
            (asset["findings"] as? [[String: Any]] ?? []).contains { $0["code"] as? String == "url-timeout" }
        }
        #expect(timedOut.count == 16)
    }

    @Test("an API answer dripped a byte a second ends the send as unknown within the read timeout and a second")
    func dripAnswerIsUnknown() async throws {
        let answer = Array(
            #"{"success":true,"message":"Media enviado","data":{"message_id":"msg-1","provider_id":"wamid.1"}}"#.utf8)
        let server = try DripServer(body: answer, lifetime: 20) { _ in
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.count)\r\nConnection: close"
        }
        defer { server.stop() }
        // The send runs as users run it, in a process of its own; the server times it.
        let run = try await wamediaAsync(
            [
                "send", "--channel", "chn_a", "--contact", contact, "--base-url", server.baseURL, "--read-timeout", "2",
                sample("logo.png"),
            ],
            environment: ["WAMEDIA_API_KEY": apiKey])
        #expect(run.status == 1, "\(run.standardError)")
        #expect(run.standardError.contains("did not finish its answer within 2 s"), "\(run.standardError)")
        #expect(await Self.dripsEnd(on: server))
        let elapsed = try #require(server.exchangeDuration, "the client never closed the answer")
        #expect(elapsed < .seconds(3), "the send took \(elapsed)")
        #expect(server.requestLines.count == 1, "sent once, never retried: \(server.requestLines)")
    }

    @Test("a host lookup ends at once when its task is cancelled, so a slow resolver cannot outlast the timeout")
    func lookupIsCancellable() async throws {
        let lookup = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await AddressPolicy.resolve("localhost")
        }
        await #expect(throws: CancellationError.self) { _ = try await lookup.value }
    }
}
