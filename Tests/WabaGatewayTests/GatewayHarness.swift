import AsyncHTTPClient
import Foundation
import NIOCore
import TestSupport
import WabaGateway
import WabaMedia
import WabaSandbox

/// The sandbox as the upstream and a gateway in front of it, both on free loopback ports, for one test.
struct GatewayHarness {
    static let key = "sk-gateway-4f1c9a7e2b"
    static let contact = "8e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6"

    let sandbox: SandboxServer
    let gateway: GatewayServer
    let gatewayURL: String
    let sandboxURL: String
    /// Where the sandbox keeps what it accepted.
    let store: URL
    /// Where the gateway decodes uploads and prepares files.
    let scratch: URL
    let logs: LogRecorder

    static func with(
        _ configure: (inout GatewayConfiguration) -> Void = { _ in }, _ body: (GatewayHarness) async throws -> Void
    ) async throws {
        let store = try makeTemporaryDirectory("gateway-store")
        let scratch = try makeTemporaryDirectory("gateway-scratch")
        defer {
            try? FileManager.default.removeItem(at: store)
            try? FileManager.default.removeItem(at: scratch)
        }
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: key, storeDirectory: store.path))
        let sandboxURL = try await sandbox.start()
        var configuration = GatewayConfiguration(
            upstream: sandboxURL, port: 0, preparationThreads: 2, temporaryDirectory: scratch.path)
        configure(&configuration)
        let logs = LogRecorder()
        let outcome: Result<Void, any Error>
        do {
            let gateway = try GatewayServer(configuration: configuration, logger: logs.logger("gateway"))
            let gatewayURL = try await gateway.start()
            let harness = GatewayHarness(
                sandbox: sandbox, gateway: gateway, gatewayURL: gatewayURL, sandboxURL: sandboxURL, store: store,
                scratch: scratch, logs: logs)
            do {
                try await body(harness)
                outcome = .success(())
            } catch {
                outcome = .failure(error)
            }
            await gateway.stop()
        } catch {
            outcome = .failure(error)
        }
        await sandbox.stop()
        try outcome.get()
    }

    var gatewayPort: Int { Int(gatewayURL.split(separator: ":").last ?? "") ?? 0 }

    /// A send-media body for the file at `path` sent as base64.
    static func message(file path: String, type: String, extra: [String: Any] = [:]) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return message(media: data.base64EncodedString(), type: type, extra: extra)
    }

    static func message(media: String, type: String, extra: [String: Any] = [:]) -> [String: Any] {
        ["channel_id": "chn_gateway", "contact_id": contact, "media_type": type, "media_data": media].merging(
            extra
        ) { $1 }
    }

    /// An answer: its status, headers, raw body and the body as JSON when it is.
    struct Answer {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]) ?? [:] }
        var text: String { String(decoding: body, as: UTF8.self) }
        func header(_ name: String) -> String? { headers[name.lowercased()] }
    }

    /// POSTs `object` to `url`'s send-media endpoint with `key`.
    static func post(
        _ object: [String: Any], to url: String, key: String? = GatewayHarness.key, headers: [String: String] = [:]
    ) async throws -> Answer {
        var request = HTTPClientRequest(url: url + "/v1/waba/send-media")
        request.method = .POST
        if let key { request.headers.add(name: "x-api-key", value: key) }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: try JSONSerialization.data(withJSONObject: object)))
        return try await execute(request)
    }

    /// POSTs the file at `path` as the raw body to `url`'s `/v1/check`, with `query` (already encoded).
    static func check(_ path: String, query: String = "", to url: String) async throws -> Answer {
        var request = HTTPClientRequest(url: url + "/v1/check" + (query.isEmpty ? "" : "?" + query))
        request.method = .POST
        request.headers.add(name: "content-type", value: "application/octet-stream")
        request.body = .bytes(ByteBuffer(bytes: try Data(contentsOf: URL(fileURLWithPath: path))))
        return try await execute(request)
    }

    static func get(_ url: String) async throws -> Answer {
        try await execute(HTTPClientRequest(url: url))
    }

    private static func execute(_ request: HTTPClientRequest) async throws -> Answer {
        let http = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        do {
            let response = try await http.execute(request, timeout: .seconds(120))
            let body = try await response.body.collect(upTo: 4 << 20)
            try await http.shutdown()
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return Answer(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView))
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// The gateway's request folders still on disk.
    func requestFolders() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: scratch.path)) ?? []).filter {
            $0.hasPrefix("wamedia-work.")
        }
    }
}

func sample(_ name: String) -> String { samplesURL.appendingPathComponent(name).path }
