import AsyncHTTPClient
import Foundation
import NIOCore
import Testing
import WabaSandbox

/// The order in which the sandbox's middleware and handler answer, through real requests: the rate
/// limit before the key, the key before the fields, the fields before an injected failure.
@Suite("the sandbox checks a send in the contract's order", .serialized)
struct SandboxCheckOrderTests {
    static let key = "sk-sandbox-order"
    static let wrongKey = "sk-sandbox-not-this-one"
    static let foreignURL = "https://media.example.com/order.jpg"

    struct Answer {
        var status: Int
        var message: String
        var retryAfter: String?
    }

    func send(
        to url: String, key: String = key, contact recipient: String = contact, headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url + "/v1/waba/send-media")
        request.method = .POST
        request.headers.add(name: "x-api-key", value: key)
        request.headers.add(name: "content-type", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let object: [String: Any] = [
            "channel_id": "chn_order", "contact_id": recipient, "media_type": "image", "media_data": Self.foreignURL,
        ]
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        let response: HTTPClientResponse
        let data: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(30))
            data = try await response.body.collect(upTo: 1 << 20)
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        let body = try JSONSerialization.jsonObject(with: Data(data.readableBytesView)) as? [String: Any] ?? [:]
        return Answer(
            status: Int(response.status.code), message: body["message"] as? String ?? "",
            retryAfter: response.headers.first(name: "retry-after"))
    }

    func withSandbox(_ configuration: SandboxConfiguration, _ body: (SandboxServer, String) async throws -> Void)
        async throws
    {
        let sandbox = try SandboxServer(configuration: configuration)
        let url = try await sandbox.start()
        do {
            try await body(sandbox, url)
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    @Test("a wrong key is 401 before the fields or an injected failure, and the answer does not repeat it")
    func keyBeforeFields() async throws {
        try await withSandbox(SandboxConfiguration(apiKey: Self.key, failFirst: 1)) { sandbox, url in
            let answer = try await send(
                to: url, key: Self.wrongKey, contact: SandboxConfiguration.unknownContactID,
                headers: [SandboxConfiguration.failHeader: "503"])
            #expect(answer.status == 401)
            #expect(answer.message == "API key is invalid")
            #expect(!answer.message.contains(Self.wrongKey) && !answer.message.contains(Self.key))
            let counts = await sandbox.counts()
            #expect(counts.refused == 1 && counts.injectedFailures == 0)
            #expect(sandbox.receipts.last?.status == 401)
            // The refusal did not use up the failure meant for a valid send.
            #expect(try await send(to: url).status == 500)
        }
    }

    @Test("an injected failure meets only a send that would be accepted, the header's before --fail-first")
    func faultsAfterChecks() async throws {
        try await withSandbox(SandboxConfiguration(apiKey: Self.key, failFirst: 1)) { sandbox, url in
            let failing = [SandboxConfiguration.failHeader: "503"]
            let refused = try await send(to: url, contact: SandboxConfiguration.unknownContactID, headers: failing)
            #expect(refused.status == 404)
            let header = try await send(to: url, headers: failing)
            #expect(header.status == 503)
            #expect(header.message == "Error al subir el media: injected failure (sandbox)")
            #expect(try await send(to: url).status == 500, "--fail-first still has its send")
            #expect(try await send(to: url).status == 200)
            let counts = await sandbox.counts()
            #expect(counts.refused == 1 && counts.injectedFailures == 2 && counts.accepted == 1)
            #expect(sandbox.receipts.map(\.status) == [404, 503, 500, 200])
            #expect(sandbox.receipts.map { $0.messageID != nil } == [false, false, false, true])
        }
    }

    @Test("over the rate limit a send is 429 with Retry-After, whatever its key")
    func rateLimitBeforeKey() async throws {
        try await withSandbox(SandboxConfiguration(apiKey: Self.key, rateLimit: 1)) { sandbox, url in
            let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
                for _ in 0..<4 { group.addTask { try await send(to: url, key: Self.wrongKey) } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(Set(answers.map(\.status)).isSubset(of: [401, 429]), "\(answers.map(\.status))")
            let limited = answers.filter { $0.status == 429 }
            #expect(!limited.isEmpty)
            #expect(limited.allSatisfy { $0.retryAfter == "1" && $0.message.hasPrefix("Too many requests") })
            let counts = await sandbox.counts()
            #expect(counts.rateLimited == limited.count && counts.refused == answers.count - limited.count)
            #expect(sandbox.requestCount == answers.count)
        }
    }
}
