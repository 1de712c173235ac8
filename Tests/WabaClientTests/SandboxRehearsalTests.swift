import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import Testing
import WabaMedia
import WabaSandbox

/// The sandbox as a rehearsal target: injected failures, slow answers, a rate limit, and the record
/// of what it accepted, through real requests to a real sandbox on loopback.
@Suite("the sandbox rehearses a campaign", .serialized)
struct SandboxRehearsalTests {
    static let key = "sk-sandbox-rehearsal"
    static let contact = "3b9f2c1e-7d4a-4e8b-9c2f-1a5e6d7c8b90"

    /// What the sandbox answered one send.
    struct Answer: Sendable {
        var status: Int
        var success: Bool?
        var message: String?
        var messageID: String?
        var mediaURL: String?
        var retryAfter: String?
    }

    /// A running sandbox, a client for it, and both stopped afterwards.
    struct Rig {
        let sandbox: SandboxServer
        let url: String
        let http: HTTPClient

        func send(
            _ media: String, type: String = "image", contact: String = SandboxRehearsalTests.contact,
            caption: String? = nil
        ) async throws -> Answer {
            var object: [String: Any] = [
                "channel_id": "chn_rehearsal", "contact_id": contact, "media_type": type, "media_data": media,
            ]
            if let caption { object["content"] = caption }
            var request = HTTPClientRequest(url: url + "/v1/waba/send-media")
            request.method = .POST
            request.headers.add(name: "x-api-key", value: SandboxRehearsalTests.key)
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
            let response = try await http.execute(request, timeout: .seconds(30))
            let data = try await response.body.collect(upTo: 1 << 20)
            let body = try JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any] ?? [:]
            let fields = body["data"] as? [String: Any]
            return Answer(
                status: Int(response.status.code), success: body["success"] as? Bool,
                message: body["message"] as? String,
                messageID: fields?["message_id"] as? String, mediaURL: fields?["media_url"] as? String,
                retryAfter: response.headers.first(name: "retry-after"))
        }

        func get(_ path: String) async throws -> (status: Int, type: String?, body: Data) {
            let response = try await http.execute(HTTPClientRequest(url: url + path), timeout: .seconds(30))
            let data = try await response.body.collect(upTo: 16 << 20)
            return (
                Int(response.status.code), response.headers.first(name: "content-type"), Data(data.readableBytesView)
            )
        }
    }

    func withRig(_ configuration: SandboxConfiguration, _ body: (Rig) async throws -> Void) async throws {
        let sandbox = try SandboxServer(configuration: configuration)
        let url = try await sandbox.start()
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            try await body(Rig(sandbox: sandbox, url: url, http: http))
        } catch {
            try? await http.shutdown()
            await sandbox.stop()
            throw error
        }
        try await http.shutdown()
        await sandbox.stop()
    }

    static let foreignURL = "https://media.example.com/spring.jpg"

    @Test("--fail-first fails the first valid sends with 500, and refusals do not use them up")
    func failFirst() async throws {
        try await withRig(SandboxConfiguration(apiKey: Self.key, failFirst: 2)) { rig in
            let unknown = try await rig.send(Self.foreignURL, contact: SandboxConfiguration.unknownContactID)
            #expect(unknown.status == 404)
            var statuses: [Int] = []
            for _ in 0..<4 { statuses.append(try await rig.send(Self.foreignURL).status) }
            #expect(statuses == [500, 500, 200, 200])
            let counts = await rig.sandbox.counts()
            #expect(counts.accepted == 2)
            #expect(counts.injectedFailures == 2)
            #expect(counts.refused == 1)
            #expect(counts.rateLimited == 0)
            #expect(counts.answered == 5)
            #expect(await rig.sandbox.acceptedMessages().count == 2)
        }
    }

    /// The statuses of `count` sends, one after the other, to a sandbox failing `rate` of them.
    func statuses(rate: Double, seed: UInt64?, count: Int) async throws -> (statuses: [Int], seed: UInt64) {
        var statuses: [Int] = []
        var used: UInt64 = 0
        try await withRig(SandboxConfiguration(apiKey: Self.key, failRate: rate, failRateSeed: seed)) { rig in
            used = rig.sandbox.failRateSeed
            for _ in 0..<count { statuses.append(try await rig.send(Self.foreignURL).status) }
            let counts = await rig.sandbox.counts()
            #expect(counts.injectedFailures == statuses.count { $0 == 500 })
            #expect(counts.accepted == statuses.count { $0 == 200 })
        }
        return (statuses, used)
    }

    @Test("--fail-rate fails about that share of sends, the same ones again with the same seed")
    func failRateIsSeeded() async throws {
        let first = try await statuses(rate: 0.3, seed: 42, count: 60)
        let again = try await statuses(rate: 0.3, seed: 42, count: 60)
        let other = try await statuses(rate: 0.3, seed: 7, count: 60)
        #expect(first.statuses == again.statuses)
        #expect(first.statuses != other.statuses, "another seed fails other sends")
        #expect(Set(first.statuses) == [200, 500])
        // 60 draws at 0.3: 18 expected; outside 5...35 has a probability far below 1e-6.
        #expect((5...35).contains(first.statuses.count { $0 == 500 }))

        // Without a seed one is picked, and it repeats the run.
        let unseeded = try await statuses(rate: 0.5, seed: nil, count: 20)
        let replayed = try await statuses(rate: 0.5, seed: unseeded.seed, count: 20)
        #expect(unseeded.statuses == replayed.statuses)

        #expect(try await statuses(rate: 0, seed: 1, count: 10).statuses == Array(repeating: 200, count: 10))
        #expect(try await statuses(rate: 1, seed: 1, count: 10).statuses == Array(repeating: 500, count: 10))
    }

    @Test("above --rate-limit sends get 429 with Retry-After, and are taken again after it")
    func rateLimit() async throws {
        let limit = 4
        try await withRig(SandboxConfiguration(apiKey: Self.key, rateLimit: limit)) { rig in
            let started = ContinuousClock.now
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<24 { group.addTask { try await rig.send(Self.foreignURL) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let elapsed = ContinuousClock.now - started
            let accepted = answers.filter { $0.status == 200 }
            let limited = answers.filter { $0.status == 429 }
            #expect(accepted.count + limited.count == answers.count, "\(answers.map(\.status))")
            #expect(!limited.isEmpty)
            // At most `limit` sends are taken in any one-second window of the burst.
            let windows = Int((elapsed / .seconds(1)).rounded(.up)) + 1
            #expect(accepted.count <= limit * windows, "\(accepted.count) taken in \(elapsed)")
            for answer in limited {
                #expect(answer.retryAfter == "1")
                #expect(answer.message?.contains("Too many requests") == true)
                #expect(answer.success == false)
            }
            let counts = await rig.sandbox.counts()
            #expect(counts.rateLimited == limited.count)
            #expect(counts.accepted == accepted.count)

            try await Task.sleep(for: .seconds(1))
            #expect(try await rig.send(Self.foreignURL).status == 200, "after Retry-After the send is taken")
        }
    }

    @Test("--slow-ms holds every answer back, accepted or not")
    func slowAnswers() async throws {
        try await withRig(SandboxConfiguration(apiKey: Self.key, answerDelay: .milliseconds(400))) { rig in
            for contact in [Self.contact, SandboxConfiguration.unknownContactID] {
                let started = ContinuousClock.now
                _ = try await rig.send(Self.foreignURL, contact: contact)
                #expect(ContinuousClock.now - started >= .milliseconds(400))
            }
        }
    }

    @Test("every accepted message is recorded: recipient, base64 or URL, digest and size, time")
    func acceptedRecord() async throws {
        let pdfPath = sample("invoice.pdf")
        let pdf = try Data(contentsOf: URL(fileURLWithPath: pdfPath))
        let digest = try ContentDigest.sha256(ofFileAt: pdfPath)
        try await withRig(SandboxConfiguration(apiKey: Self.key)) { rig in
            let before = Date()
            let upload = try await rig.send(pdf.base64EncodedString(), type: "document", caption: "Invoice <1>")
            #expect(upload.status == 200)
            let issued = try #require(upload.mediaURL)
            #expect(try await rig.send(issued, type: "document").status == 200)
            #expect(try await rig.send(Self.foreignURL).status == 200)
            // Neither a refusal nor an injected failure is recorded as accepted.
            #expect(try await rig.send(Self.foreignURL, contact: SandboxConfiguration.unknownContactID).status == 404)
            rig.sandbox.failNext(1)
            #expect(try await rig.send(Self.foreignURL).status == 500)

            let accepted = await rig.sandbox.acceptedMessages()
            try #require(accepted.count == 3)
            #expect(accepted.map(\.mediaKind) == [.base64, .url, .url])
            #expect(accepted.map(\.mediaDigest) == [digest, digest, nil])
            #expect(accepted.map(\.mediaBytes) == [pdf.count, pdf.count, nil])
            #expect(accepted.map(\.mediaURL) == [issued, issued, Self.foreignURL])
            #expect(accepted.allSatisfy { $0.contactID == Self.contact && $0.channelID == "chn_rehearsal" })
            #expect(accepted[0].content == "Invoice <1>")
            #expect(Set(accepted.map(\.messageID)).count == 3)
            #expect(accepted.allSatisfy { $0.acceptedAt >= before.addingTimeInterval(-1) && $0.acceptedAt <= Date() })
            #expect(accepted[0].messageID == upload.messageID)

            // The same record over HTTP, as JSON Lines another process reads.
            let (status, type, body) = try await rig.get("/sandbox/accepted")
            #expect(status == 200)
            #expect(type?.hasPrefix("application/x-ndjson") == true)
            let lines = String(decoding: body, as: UTF8.self).split(separator: "\n")
            let decoded = try lines.map { try JSONDecoder().decode(SandboxAcceptedMessage.self, from: Data($0.utf8)) }
            #expect(decoded.map(\.messageID) == accepted.map(\.messageID))
            #expect(decoded.map(\.mediaDigest) == accepted.map(\.mediaDigest))
            // Times keep their milliseconds across the wire.
            for (wire, local) in zip(decoded, accepted) {
                #expect(abs(wire.acceptedAt.timeIntervalSince(local.acceptedAt)) < 0.001)
            }
            let first = try #require(
                try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
            #expect(first["media_kind"] as? String == "base64")
            #expect(first["media_sha256"] as? String == digest)
            #expect(first["media_bytes"] as? Int == pdf.count)
            #expect(first["contact_id"] as? String == Self.contact)

            let (countsStatus, _, countsBody) = try await rig.get("/sandbox/counts")
            #expect(countsStatus == 200)
            let counts = try JSONDecoder().decode(SandboxCounts.self, from: countsBody)
            let local = await rig.sandbox.counts()
            #expect(counts == local)
            #expect(counts.accepted == 3 && counts.refused == 1 && counts.injectedFailures == 1)
            let raw = try #require(try JSONSerialization.jsonObject(with: countsBody) as? [String: Any])
            #expect(Set(raw.keys) == ["accepted", "injected_failures", "rate_limited", "refused", "server_errors"])
        }
    }

    @Test(
        "settings a rehearsal cannot use are refused before the sandbox starts",
        arguments: [
            SandboxConfiguration(failFirst: -1), SandboxConfiguration(failRate: 1.5),
            SandboxConfiguration(failRate: -0.1), SandboxConfiguration(failRate: .nan),
            SandboxConfiguration(answerDelay: .milliseconds(-1)), SandboxConfiguration(answerDelay: .seconds(601)),
            SandboxConfiguration(rateLimit: 0),
        ])
    func badSettings(configuration: SandboxConfiguration) throws {
        #expect(configuration.rehearsalProblem != nil)
        #expect(throws: WabaMediaError.self) { try SandboxServer(configuration: configuration) }
    }
}
