import Foundation
import TestSupport
import Testing
import WabaSandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// `wamedia sandbox` as a rehearsal target, run as its own process as campaign tests run it.
@Suite(.serialized) struct SandboxCLITests {
    static let contact = "8e1d2c3b-4a59-4687-9a0b-c1d2e3f4a5b6"

    @Test(
        "bad rehearsal settings are usage errors",
        arguments: [
            ["--fail-rate", "1.5"], ["--fail-rate", "-0.2"], ["--fail-rate", "nan"], ["--fail-rate", "lots"],
            ["--fail-first", "-1"], ["--slow-ms", "-5"], ["--slow-ms", "600001"], ["--rate-limit", "0"],
            ["--rate-limit", "-3"], ["--seed", "-1"],
        ])
    func badSettings(arguments: [String]) throws {
        let run = try wamedia(["sandbox", "--port", "0"] + arguments)
        #expect(run.status == 2, "\(arguments): \(run.standardError)")
        #expect(run.standardError.contains(arguments[0]), "\(run.standardError)")
    }

    @Test("a sandbox process fails the first sends, then records what it accepted for another process to read")
    func failFirstAndTheAcceptedRecordOverHTTP() async throws {
        try await withBackgroundWamedia([
            "sandbox", "--port", "0", "--fail-first", "1", "--fail-rate", "0", "--slow-ms", "10", "--rate-limit",
            "1000",
        ]) { sandbox in
            let url = try await sandbox.firstLine()
            #expect(url.hasPrefix("http://127.0.0.1:"))
            func send() async throws -> CLIRun {
                try await wamediaAsync([
                    "send", "--channel", "chn_cli", "--contact", Self.contact, "--base-url", url, "--api-key",
                    SandboxConfiguration.defaultAPIKey, "--format", "json", sample("invoice.pdf"),
                ])
            }
            let failed = try await send()
            #expect(failed.status == 1, "the first send gets the injected 500: \(failed.standardError)")
            let sent = try await send()
            #expect(sent.status == 0, "\(sent.standardError)")
            let result = try #require(try sent.jsonLines().first?["result"] as? [String: Any])
            let messageID = try #require(result["message_id"] as? String)

            let (accepted, type) = try await Self.get(url + "/sandbox/accepted")
            #expect(type?.hasPrefix("application/x-ndjson") == true)
            let lines = String(decoding: accepted, as: UTF8.self).split(separator: "\n")
            try #require(lines.count == 1, "\(lines)")
            let record = try JSONDecoder().decode(SandboxAcceptedMessage.self, from: Data(lines[0].utf8))
            #expect(record.messageID == messageID)
            #expect(record.contactID == Self.contact)
            #expect(record.mediaKind == .base64)
            #expect(record.mediaBytes == 592)

            let (countsBody, _) = try await Self.get(url + "/sandbox/counts")
            let counts = try JSONDecoder().decode(SandboxCounts.self, from: countsBody)
            #expect(counts.accepted == 1 && counts.injectedFailures == 1 && counts.answered == 2)

            sandbox.signal(SIGTERM)
            #expect(try await sandbox.exitStatus() == 0)
        }
    }

    @Test("a --fail-rate run without --seed prints the seed that repeats it")
    func unseededFailRatePrintsItsSeed() async throws {
        try await withBackgroundWamedia(["sandbox", "--port", "0", "--fail-rate", "0.25"]) { sandbox in
            _ = try await sandbox.firstLine()
            #expect(sandbox.standardError.contains("--seed "), "\(sandbox.standardError)")
        }
    }

    static func get(_ url: String) async throws -> (Data, String?) {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: URLRequest(url: URL(string: url)!, timeoutInterval: 10))
        let http = try #require(response as? HTTPURLResponse)
        #expect(http.statusCode == 200)
        return (data, http.value(forHTTPHeaderField: "Content-Type"))
    }
}
