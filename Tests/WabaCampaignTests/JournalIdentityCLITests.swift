import Foundation
import GRDB
import TestSupport
import Testing
import WabaCampaign
import WabaSandbox

/// `wamedia send --manifest` through every path to one journal, against a sandbox whose own record
/// of accepted messages says whether anything arrived twice.
@Suite("wamedia send --manifest: one journal, one sender")
struct JournalIdentityCLITests {
    static let environment = ["WAMEDIA_API_KEY": "campaign-key"]

    static func arguments(_ manifest: String, _ url: String, journal: String) -> [String] {
        ["send", "--manifest", manifest, "--channel", "chn_cli", "--base-url", url, "--journal", journal]
    }

    @Test(
        "while a campaign runs, no other spelling of its journal sends; afterwards, copies and damaged files are refused"
    )
    func everyPathToTheJournal() async throws {
        let rows = 60
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: rows, assets: ["logo.png"])
        let journal = manifest + ".journal"
        let hard = folder.path("hard.journal")
        let symbolic = folder.path("symbolic.journal")
        // Slow answers, two at a time: the first run lasts about 30 s, long enough for the others to try.
        let slow = SandboxConfiguration(apiKey: "campaign-key", answerDelay: .seconds(1))
        try await withSandbox(slow) { sandbox, url in
            let first = Process()
            first.executableURL = executableURL
            first.arguments = Self.arguments(manifest, url, journal: journal) + ["--concurrency", "2"]
            first.environment = ProcessInfo.processInfo.environment.merging(Self.environment) { $1 }
            first.standardOutput = FileHandle.nullDevice
            first.standardError = FileHandle.nullDevice
            try first.run()
            defer {
                if first.isRunning { kill(first.processIdentifier, SIGKILL) }
                first.waitUntilExit()
            }
            // Bounded: 60 s for the first message to arrive.
            for _ in 0..<3_000 where sandbox.receipts.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            try #require(!sandbox.receipts.isEmpty, "the first campaign never started sending")
            #expect(link(journal, hard) == 0)
            try FileManager.default.createSymbolicLink(atPath: symbolic, withDestinationPath: "messages.csv.journal")

            let others: [(String, [String], URL?)] = [
                ("a hard link", Self.arguments(manifest, url, journal: hard), nil),
                ("a symbolic link", Self.arguments(manifest, url, journal: symbolic), nil),
                (
                    "another absolute spelling",
                    Self.arguments(manifest, url, journal: folder.root.path + "/./messages.csv.journal"), nil
                ),
                ("a relative path", Self.arguments("messages.csv", url, journal: "messages.csv.journal"), folder.root),
            ]
            for (spelling, arguments, directory) in others {
                let run = try await wamediaAsync(arguments, in: directory, environment: Self.environment)
                #expect(run.status == 2, "\(spelling): \(run.standardError)")
                #expect(run.standardError.contains("another wamedia process"), "\(spelling): \(run.standardError)")
            }
            #expect(first.isRunning, "the first run was still sending while the others tried")
            try await offThePool {
                // Bounded: 120 s for the first run to finish.
                for _ in 0..<1_200 where first.isRunning { Thread.sleep(forTimeInterval: 0.1) }
            }
            #expect(!first.isRunning && first.terminationStatus == 0, "the first run finished and sent every row")

            // After the campaign: a hard link is refused (its own write-ahead log could miss states).
            let throughHardLink = try await wamediaAsync(
                Self.arguments(manifest, url, journal: hard), environment: Self.environment)
            #expect(throughHardLink.status == 2, "\(throughHardLink.standardError)")
            #expect(throughHardLink.standardError.contains("hard links"), "\(throughHardLink.standardError)")
            #expect(unlink(hard) == 0)

            // The symbolic link reaches the journal itself: everything is sent, nothing again.
            let throughSymbolicLink = try await wamediaAsync(
                Self.arguments(manifest, url, journal: symbolic), environment: Self.environment)
            #expect(throughSymbolicLink.status == 0, "\(throughSymbolicLink.standardError)")

            // A copy.
            let copied = folder.path("copy.journal")
            try FileManager.default.copyItem(atPath: journal, toPath: copied)
            let fromCopy = try await wamediaAsync(
                Self.arguments(manifest, url, journal: copied), environment: Self.environment)
            #expect(fromCopy.status == 2, "\(fromCopy.standardError)")
            #expect(fromCopy.standardError.contains("is a copy"), "\(fromCopy.standardError)")

            // The messages table emptied.
            let emptied = folder.path("emptied.journal")
            try FileManager.default.copyItem(atPath: journal, toPath: emptied)
            try await DatabaseQueue(path: emptied).write { db in try db.execute(sql: "DELETE FROM messages") }
            let fromEmptied = try await wamediaAsync(
                Self.arguments(manifest, url, journal: emptied) + ["--adopt-journal"], environment: Self.environment)
            #expect(fromEmptied.status == 1, "\(fromEmptied.standardError)")
            #expect(fromEmptied.standardError.contains("restore the journal"), "\(fromEmptied.standardError)")

            // The journal itself truncated to 0 bytes.
            #expect(truncate(journal, 0) == 0)
            let fromEmpty = try await wamediaAsync(
                Self.arguments(manifest, url, journal: journal), environment: Self.environment)
            #expect(fromEmpty.status == 2, "\(fromEmpty.standardError)")
            #expect(fromEmpty.standardError.contains("is empty (0 bytes)"), "\(fromEmpty.standardError)")

            // The sandbox's own record: every row arrived, and once.
            let accepted = acceptedContacts(sandbox)
            #expect(accepted.count == rows, "\(accepted.count) messages accepted for \(rows) rows")
            #expect(Set(accepted).count == rows)
        }
    }
}
