import Foundation
import Synchronization
import TestSupport
import Testing
import WabaCampaign
import WabaSandbox

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `wamedia send --manifest`, run as users run it, against a sandbox on loopback.
@Suite("wamedia send --manifest", .serialized)
struct CampaignCLITests {
    static let environment = ["WAMEDIA_API_KEY": "campaign-key"]

    func send(_ manifest: String, _ url: String, _ more: [String]) async throws -> CLIRun {
        try await wamediaAsync(
            ["send", "--manifest", manifest, "--channel", "chn_cli", "--base-url", url] + more,
            environment: Self.environment)
    }

    @Test("JSON Lines: one object per row, then the summary; exit 1 while a row is not sent")
    func jsonLinesReport() async throws {
        let folder = try CampaignFolder()
        var text = "media,contact_id,caption\n"
        for index in 0..<6 { text += "logo.png,\(CampaignFolder.contact(index)),hi\n" }
        text += "logo.png,,no recipient\n"
        try text.write(toFile: folder.path("m.csv"), atomically: true, encoding: .utf8)
        try await withSandbox { sandbox, url in
            let run = try await send(folder.path("m.csv"), url, ["--format", "json"])
            #expect(run.status == 1, "\(run.standardError)")
            #expect(run.standardError.contains("6 of 7 messages sent"))
            let objects = try run.allJSONLines()
            #expect(objects.count == 8)
            let rows = try run.jsonLines()
            #expect(rows.map { $0["row"] as? Int } == Array(2...8))
            for row in rows.prefix(6) {
                #expect(row["status"] as? String == "sent")
                #expect((row["message_id"] as? String)?.hasPrefix("msg-") == true)
                #expect(row["contact_id"] as? String != nil)
                #expect(row["channel_id"] as? String == "chn_cli")
                #expect((row["media"] as? String)?.hasSuffix("logo.png") == true)
            }
            let bad = try #require(rows.last)
            #expect(bad["status"] as? String == "rejected")
            let error = try #require(bad["error"] as? [String: Any])
            #expect((error["message"] as? String)?.contains("m.csv:8") == true)
            let summary = try #require(objects.last)
            #expect(summary["summary"] as? Bool == true)
            #expect(summary["sent"] as? Int == 6)
            #expect(summary["rejected"] as? Int == 1)
            #expect(summary["total"] as? Int == 7)
            #expect(sandbox.requestCount == 6)

            // Again: nothing is sent, the same report is printed.
            let again = try await send(folder.path("m.csv"), url, ["--format", "json"])
            #expect(again.status == 1)
            #expect(sandbox.requestCount == 6)
            #expect(again.standardOutput == run.standardOutput)
        }
    }

    @Test("JUnit: a test case per row, a failure per row not sent")
    func junitReport() async throws {
        let folder = try CampaignFolder()
        var text = "media,contact_id\n"
        for index in 0..<3 { text += "invoice.pdf,\(CampaignFolder.contact(index))\n" }
        text += "truncated.jpg,\(CampaignFolder.contact(9))\n"
        try text.write(toFile: folder.path("m.csv"), atomically: true, encoding: .utf8)
        try await withSandbox { _, url in
            let run = try await send(folder.path("m.csv"), url, ["--format", "junit"])
            #expect(run.status == 1)
            let xml = run.standardOutput
            #expect(xml.contains("tests=\"4\" failures=\"1\""))
            #expect(xml.components(separatedBy: "<testcase ").count - 1 == 4)
            #expect(xml.contains("type=\"rejected/asset-rejected\""))
            _ = try XMLDocument(data: Data(xml.utf8))
        }
    }

    @Test("usage errors exit with 2")
    func usageErrors() throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 1, assets: ["logo.png"])
        for arguments in [
            ["send", "--manifest", manifest, folder.path("logo.png")],
            ["send", "--manifest", manifest, "--contact", CampaignFolder.contact(1)],
            ["send", "--manifest", manifest, "--concurrency", "0"],
            ["send", "--manifest", manifest, "--dry-run"],
            ["send", "--format", "junit", "--channel", "c", "--contact", CampaignFolder.contact(1), manifest],
        ] {
            let run = try wamedia(arguments, environment: Self.environment)
            #expect(run.status == 2, "\(arguments): \(run.standardError)")
        }
    }

    @Test("--adopt-journal with a PostgreSQL journal is a usage error, not ignored")
    func adoptingPostgresIsAUsageError() throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 1, assets: ["logo.png"])
        let run = try wamedia(
            [
                "send", "--manifest", manifest, "--channel", "c", "--base-url", "http://127.0.0.1:9",
                "--journal", "postgres://sender@127.0.0.1:9/c", "--adopt-journal",
            ],
            environment: Self.environment)
        #expect(run.status == 2)
        #expect(run.standardError.contains("--adopt-journal takes a copied SQLite journal"), "\(run.standardError)")
    }

    @Test("a journal another process has open is refused with exit status 2")
    func busyJournal() throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 1, assets: ["logo.png"])
        let holder = try SQLiteJournal(path: manifest + ".journal")
        defer { try? holder.close() }
        let run = try wamedia(
            ["send", "--manifest", manifest, "--channel", "c", "--base-url", "http://127.0.0.1:9"],
            environment: Self.environment)
        #expect(run.status == 2)
        #expect(run.standardError.contains("another wamedia process"), "\(run.standardError)")
    }

    @Test("a journal holds one campaign: an edited manifest is refused")
    func editedManifestIsRefused() async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 2, assets: ["logo.png"])
        try await withSandbox { sandbox, url in
            #expect(try await send(manifest, url, []).status == 0)
            try folder.manifest(rows: 3, assets: ["logo.png"])
            let run = try await send(manifest, url, [])
            #expect(run.status == 2)
            #expect(run.standardError.contains("another campaign"))
            #expect(sandbox.requestCount == 2)
        }
    }

    /// The campaign is killed with SIGKILL at random moments, with 500s injected before each run, and
    /// resumed each time; then finished with --retry-failed.
    @Test("killed at random moments and resumed: nothing arrives twice, every row ends final")
    func killedAndResumed() async throws {
        let folder = try CampaignFolder()
        let rows = 2000
        let concurrency = 8
        let manifest = try folder.manifest(rows: rows, assets: ["photo.jpg", "logo.png", "invoice.pdf"])
        let journal = folder.path("m.journal")
        // One send in 50 fails with an injected 500, throughout.
        let rehearsal = SandboxConfiguration(apiKey: "campaign-key", failRate: 0.02)
        try await withSandbox(rehearsal) { sandbox, url in
            var kills = 0
            var moments: [Double] = []
            for _ in 0..<5 {
                let moment = Double.random(in: 0.5...3.0)
                moments.append(moment)
                let arguments = [
                    "send", "--manifest", manifest, "--journal", journal, "--channel", "chn_cli", "--base-url", url,
                    "--concurrency", "\(concurrency)",
                ]
                let killed = try await offThePool { try Self.runAndKill(arguments, after: moment) }
                if killed { kills += 1 }
            }
            // Then to its end: rows that failed (the 500s) are sent again until none is left, at most 6 runs.
            var final = try await send(manifest, url, ["--journal", journal, "--retry-failed", "--format", "json"])
            for _ in 0..<5 where final.standardError.contains(" failed") {
                final = try await send(manifest, url, ["--journal", journal, "--retry-failed", "--format", "json"])
            }
            let report = try final.jsonLines()
            let comment = Comment(rawValue: "killed at \(moments) s; \(final.standardError)")
            #expect(report.count == rows, comment)
            #expect(kills >= 1, comment)

            // The sandbox's record of every message it accepted.
            let accepted = await sandbox.acceptedMessages()
            let acceptedContacts = accepted.compactMap(\.contactID)
            #expect(await sandbox.counts().injectedFailures > 0, "500s were injected: \(comment)")
            #expect(Set(acceptedContacts).count == acceptedContacts.count, "a message arrived twice: \(comment)")

            let states = Dictionary(grouping: report, by: { $0["status"] as? String ?? "" })
            #expect(Set(states.keys).isSubset(of: ["sent", "unknown"]), "every row final: \(states.keys) \(comment)")
            let sent = states["sent"] ?? []
            let unknown = states["unknown"] ?? []
            let acceptedIDs = Dictionary(
                uniqueKeysWithValues: accepted.map { ($0.contactID ?? "", $0.messageID ?? "") })
            // Every row reported sent arrived, with the id the server gave it.
            #expect(sent.allSatisfy { acceptedIDs[$0["contact_id"] as? String ?? ""] == $0["message_id"] as? String })
            // What arrived and is not reported sent is among the unknown rows: killed between the
            // server's answer and the journal's write.
            let sentContacts = Set(sent.compactMap { $0["contact_id"] as? String })
            let unknownContacts = Set(unknown.compactMap { $0["contact_id"] as? String })
            #expect(Set(acceptedContacts).subtracting(sentContacts).isSubset(of: unknownContacts), comment)
            #expect(sent.count + unknown.count == rows)
            #expect(unknown.count <= kills * concurrency, "unknown is at most what was in flight: \(comment)")
            #expect(final.status == (unknown.isEmpty ? 0 : 1))
            // The platform got each asset's bytes about once, not once per message.
            #expect(accepted.filter { $0.mediaKind == .base64 }.count <= 3 + kills * concurrency)
        }
    }

    /// Ctrl-C once: no new message starts, those in flight finish and are recorded; the report is printed.
    /// Ctrl-C twice: those in flight are aborted and become `unknown`.
    @Test("the first Ctrl-C lets requests in flight finish, the second aborts them", arguments: [1, 2])
    func interrupted(times: Int) async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: 200, assets: ["logo.png"])
        let slow = SandboxConfiguration(apiKey: "campaign-key", answerDelay: .milliseconds(400))
        try await withSandbox(slow) { sandbox, url in
            let arguments = [
                "send", "--manifest", manifest, "--channel", "chn_cli", "--base-url", url, "--concurrency", "4",
                "--format", "json",
            ]
            // Interrupted once a few messages have arrived: sending is under way.
            let run = try await offThePool {
                try Self.runAndInterrupt(arguments, times: times) { sandbox.receipts.count >= 3 }
            }
            #expect(run.status == 1, "\(run.standardError)")
            let rows = try run.jsonLines()
            #expect(rows.count == 200, "the report is printed whole: \(run.standardError)")
            let states = Dictionary(grouping: rows, by: { $0["status"] as? String ?? "" }).mapValues(\.count)
            let accepted = Set(await sandbox.acceptedMessages().compactMap(\.contactID))
            let sent = Set(rows.filter { $0["status"] as? String == "sent" }.compactMap { $0["contact_id"] as? String })
            #expect(states["sent", default: 0] > 0)
            #expect(states["pending", default: 0] > 0, "rows not started stay pending")
            #expect(states["in_flight", default: 0] == 0 && states["claimed", default: 0] == 0)
            if times == 1 {
                #expect(states["unknown", default: 0] == 0, "\(states)")
                #expect(sent == accepted, "every request in flight finished and was recorded")
            } else {
                #expect((1...4).contains(states["unknown", default: 0]), "\(states)")
                #expect(sent.isSubset(of: accepted))
            }
            #expect(run.standardError.contains(times == 1 ? "stopping" : "aborting"))
        }
    }

    /// Starts `wamedia`, sends it SIGINT `times` times (0.1 s apart) once `ready` is true (checked for
    /// at most 60 s), and waits for it.
    static func runAndInterrupt(_ arguments: [String], times: Int, when ready: @Sendable () -> Bool) throws
        -> CLIRun
    {
        let process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Both pipes are drained while the process runs, so neither can fill up and stall it.
        let errorData = Mutex(Data())
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            let data = errors.fileHandleForReading.readDataToEndOfFile()
            errorData.withLock { $0 = data }
        }
        let outputData = Mutex(Data())
        DispatchQueue.global().async(group: group) {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            outputData.withLock { $0 = data }
        }
        let readyBy = Date().addingTimeInterval(60)
        while !ready() && process.isRunning && Date() < readyBy { Thread.sleep(forTimeInterval: 0.02) }
        for _ in 0..<times {
            kill(process.processIdentifier, SIGINT)
            Thread.sleep(forTimeInterval: 0.1)
        }
        let deadline = Date().addingTimeInterval(60)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        group.wait()
        return CLIRun(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData.withLock { $0 }, as: UTF8.self),
            standardError: String(decoding: errorData.withLock { $0 }, as: UTF8.self))
    }

    /// Starts `wamedia` and kills it with SIGKILL `seconds` later; true when it was still running then.
    static func runAndKill(_ arguments: [String], after seconds: Double) throws -> Bool {
        let process = Process()
        process.executableURL = executableURL
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        let wasRunning = process.isRunning
        if wasRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return wasRunning
    }
}
