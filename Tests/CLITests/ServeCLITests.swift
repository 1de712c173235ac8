import Foundation
import TestSupport
import Testing
import WabaSandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `wamedia serve` as its own process, in front of a sandbox in this process.
@Suite(.serialized) struct ServeCLITests {
    static let key = "sk-serve-cli-77d2e0"
    static let contact = "8e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6"

    @Test("without an upstream, serve is a usage error that says what to give")
    func noUpstream() throws {
        let run = try wamedia(["serve", "--port", "0"], environment: ["WAMEDIA_UPSTREAM": ""])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(run.standardError.contains("--upstream"), "\(run.standardError)")
        #expect(run.standardError.contains("WAMEDIA_UPSTREAM"), "\(run.standardError)")
        #expect(run.standardOutput.isEmpty)
    }

    @Test("listening beyond loopback without --client-token is refused")
    func exposedWithoutToken() throws {
        let run = try wamedia(["serve", "--port", "0", "--host", "0.0.0.0", "--upstream", "http://127.0.0.1:9"])
        #expect(run.status == 2, "\(run.standardError)")
        #expect(run.standardError.contains("--client-token"), "\(run.standardError)")
    }

    @Test("serve --port 0 prints its URL, passes a PDF to the upstream, logs without the key, stops on SIGTERM")
    func servesUntilTerminated() async throws {
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: Self.key))
        let upstream = try await sandbox.start()
        do {
            try await withBackgroundWamedia(["serve", "--port", "0", "--upstream", upstream]) { gateway in
                let url = try await gateway.firstLine()
                #expect(url.hasPrefix("http://127.0.0.1:"), "\(url)")
                let (health, _) = try await Self.request(url + "/healthz")
                #expect(String(decoding: health, as: UTF8.self) == "ok")

                let pdf = try Data(contentsOf: samplesURL.appendingPathComponent("invoice.pdf"))
                let body = try JSONSerialization.data(withJSONObject: [
                    "channel_id": "chn_cli", "contact_id": Self.contact, "media_type": "document",
                    "media_data": pdf.base64EncodedString(),
                ])
                let (answer, response) = try await Self.request(url + "/v1/waba/send-media", body: body)
                #expect(response.statusCode == 200, "\(String(decoding: answer, as: UTF8.self))")
                #expect(response.value(forHTTPHeaderField: "Wamedia-Action") == "kept")
                #expect(await sandbox.acceptedMessages().count == 1)

                gateway.signal(SIGTERM)
                #expect(try await gateway.exitStatus() == 0)
                #expect(gateway.standardError.contains("send-media passed upstream"), "\(gateway.standardError)")
                #expect(!gateway.standardError.contains(Self.key))
            }
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    static func request(_ url: String, body: Data? = nil) async throws -> (Data, HTTPURLResponse) {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 60)
        if let body {
            request.httpMethod = "POST"
            request.httpBody = body
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(key, forHTTPHeaderField: "x-api-key")
        }
        let (data, response) = try await session.data(for: request)
        return (data, try #require(response as? HTTPURLResponse))
    }
}
