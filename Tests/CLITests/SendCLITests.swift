import Foundation
import TestSupport
import Testing
import WabaSandbox

/// `wamedia payload`, `send` and `sandbox`, run as users run them, against a sandbox on loopback.
@Suite(.serialized) struct SendCLITests {
    static let contact = "c1d2e3f4-a5b6-7890-cdef-123456789012"
    static let key = "sk-cli-secret-0a1b2c3d"

    func withSandbox(_ body: (String) async throws -> Void) async throws {
        let sandbox = try SandboxServer(configuration: SandboxConfiguration(apiKey: Self.key))
        let url = try await sandbox.start()
        do {
            try await body(url)
        } catch {
            await sandbox.stop()
            throw error
        }
        await sandbox.stop()
    }

    @Test func sendPrintsTheResultAndNeverTheKey() async throws {
        try await withSandbox { url in
            let run = try await offThePool {
                try wamedia(
                    "send", "--channel", "chn_abc123", "--contact", Self.contact, "--base-url", url, "--format", "json",
                    sample("invoice.pdf"), environment: ["WAMEDIA_API_KEY": Self.key])
            }
            #expect(run.status == 0, "\(run.standardError)")
            let object = try #require(try run.jsonLines().first)
            #expect(object["status"] as? String == "sent")
            #expect(object["file_name"] as? String == "invoice.pdf")
            let result = try #require(object["result"] as? [String: Any])
            #expect((result["message_id"] as? String)?.hasPrefix("msg-") == true)
            #expect(!run.standardOutput.contains(Self.key) && !run.standardError.contains(Self.key))
        }
    }

    @Test func wrongKeyExitsWith1AndAClearMessage() async throws {
        try await withSandbox { url in
            let secret = "sk-wrong-77665544"
            let run = try await offThePool {
                try wamedia(
                    "send", "--channel", "chn_abc123", "--contact", Self.contact, "--base-url", url, "--api-key",
                    secret,
                    sample("invoice.pdf"))
            }
            #expect(run.status == 1)
            #expect(run.standardError.contains("401"))
            #expect(run.standardError.contains("API key"))
            #expect(!run.standardOutput.contains(secret) && !run.standardError.contains(secret))
        }
    }

    @Test func missingKeyIsAUsageError() throws {
        let run = try wamedia(
            "send", "--channel", "chn_abc123", "--contact", Self.contact, sample("invoice.pdf"),
            environment: ["WAMEDIA_API_KEY": ""])
        #expect(run.status == 2)
        #expect(run.standardError.contains("WAMEDIA_API_KEY"))
    }

    @Test func rejectedFileIsNeverSent() async throws {
        try await withSandbox { url in
            let run = try await offThePool {
                try wamedia(
                    "send", "--type", "image", "--channel", "chn_abc123", "--contact", Self.contact, "--base-url", url,
                    "--api-key", Self.key, sample("invoice.pdf"))
            }
            #expect(run.status == 1)
            #expect(run.standardOutput.contains("mime-mismatch"))
        }
    }

    @Test func payloadWritesTheExactBody() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("body-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let run = try wamedia(
            "payload", "--thread", "thr-1", "--caption", "Factura \"marzo\"", "-o", output, sample("invoice.pdf"))
        #expect(run.status == 0, "\(run.standardError)")
        let data = try Data(contentsOf: URL(fileURLWithPath: output))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(object["content"] as? String == "Factura \"marzo\"")
        #expect(object["media_type"] as? String == "document")
        let pdf = try Data(contentsOf: URL(fileURLWithPath: sample("invoice.pdf")))
        #expect(object["media_data"] as? String == pdf.base64EncodedString())

        let stdout = try wamedia(
            "payload", "--thread", "thr-1", "--caption", "Factura \"marzo\"", sample("invoice.pdf"))
        #expect(Data(stdout.standardOutput.utf8) == data)
    }

    @Test func payloadWithoutRecipientIsAUsageError() throws {
        let run = try wamedia("payload", sample("invoice.pdf"))
        #expect(run.status == 2)
        #expect(run.standardError.contains("--thread"))
    }
}
