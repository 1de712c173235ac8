import Foundation
import TestSupport
import Testing
import WabaCampaign
import WabaSandbox

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// Several `wamedia send --manifest` processes on one PostgreSQL journal, sending to a sandbox
/// process; one is killed with SIGKILL mid-run.
@Suite(
    "workers sharing a PostgreSQL journal", .serialized,
    .enabled(if: TestPostgres.runs, "needs PostgreSQL: run the tests through scripts/with-postgres.sh"))
struct PostgresWorkersTests {
    static let rows = 240
    /// Each worker's requests in flight: at most this many rows can be left `unknown` by the kill.
    static let concurrency = 2
    static let lease = 3
    /// How long the sandbox takes to answer each message: 240 rows take one worker 48 s, three 16 s.
    static let answerMilliseconds = 400

    /// Starts `count` workers, runs `body` with them, and kills any still running afterwards.
    func withWorkers(
        _ count: Int, arguments: [String], _ body: ([BackgroundProcess]) async throws -> Void,
        started: [BackgroundProcess] = []
    ) async throws {
        guard started.count < count else { return try await body(started) }
        try await withBackgroundWamedia(arguments, environment: ["WAMEDIA_API_KEY": SandboxConfiguration.defaultAPIKey])
        { worker in
            try await withWorkers(count, arguments: arguments, body, started: started + [worker])
        }
    }

    @Test(
        "each message arrives at most once, and the survivors send every row the killed worker left", arguments: [2, 3])
    func killedWorker(workers: Int) async throws {
        let folder = try CampaignFolder()
        let manifest = try folder.manifest(rows: Self.rows, assets: ["logo.png", "invoice.pdf"])
        try await TestPostgres.withDatabase { journalURL in
            // Slow answers keep the campaign running long enough to kill a worker in the middle of it,
            // also on a machine so loaded that starting the workers and polling take seconds.
            try await withBackgroundWamedia(["sandbox", "--port", "0", "--slow-ms", String(Self.answerMilliseconds)]) {
                sandbox in
                let base = try await sandbox.firstLine()
                let arguments = [
                    "send", "--manifest", manifest, "--channel", "chn_workers", "--base-url", base, "--journal",
                    journalURL, "--format", "json", "--concurrency", String(Self.concurrency), "--lease",
                    String(Self.lease),
                ]
                var arrivedBeforeKill = 0
                try await withWorkers(workers, arguments: arguments) { running in
                    // Kill the first worker once an eighth of the campaign arrived (at least 14 s of sending
                    // are left: 400 ms an answer, 2 at a time per worker). Watched from a thread of its own:
                    // this process's cooperative threads may be busy with other suites' child processes.
                    let first = running[0]
                    let stillRunning = try await offThePool {
                        let end = ContinuousClock.now + .seconds(120)
                        while try Self.acceptedNow(base) < Self.rows / 8, ContinuousClock.now < end {
                            Thread.sleep(forTimeInterval: 0.05)
                        }
                        let stillRunning = first.isRunning
                        first.signal(SIGKILL)
                        return stillRunning
                    }
                    #expect(stillRunning, "the first worker was still sending when it was killed")
                    arrivedBeforeKill = try await Self.counts(base).accepted
                    // On a loaded machine this poll can lag behind the answers: before the end is what matters.
                    #expect(arrivedBeforeKill < Self.rows, "killed before the campaign ended")
                    for survivor in running.dropFirst() {
                        let status = try await survivor.exitStatus(within: 180)
                        // 1 when the killed worker left rows in flight: they are unknown, not sent.
                        #expect(status == 0 || status == 1, "\(survivor.standardError.suffix(2_000))")
                    }
                }

                // What arrived: no contact twice.
                let accepted = try await Self.accepted(base)
                let contacts = accepted.compactMap(\.contactID)
                #expect(contacts.count == accepted.count)
                #expect(Set(contacts).count == contacts.count, "a message arrived twice")

                // The journal: the killed worker's in-flight rows become unknown once its lease ends;
                // everything else was sent by the survivors.
                try await Task.sleep(for: .seconds(Self.lease + 1))
                let records = try await PostgresJournal.withJournal(
                    url: journalURL, reachingWithin: TestPostgres.contactLimit
                ) { journal in
                    _ = try await journal.recoverAbandoned()
                    return try await journal.records(after: .min, limit: 10_000)
                }
                #expect(records.count == Self.rows)
                let sent = records.filter { $0.state == .sent }
                let unknown = records.filter { $0.state == .unknown }
                #expect(
                    sent.count + unknown.count == Self.rows,
                    "\(Dictionary(grouping: records, by: \.state).mapValues(\.count))")
                #expect(unknown.count <= Self.concurrency, "only the killed worker's requests in flight are unknown")
                #expect(unknown.allSatisfy { $0.error?.kind == .interrupted })
                // Every row the journal calls sent arrived, with the message id the sandbox gave it.
                let acceptedIDs = Set(accepted.map(\.messageID))
                #expect(sent.allSatisfy { acceptedIDs.contains($0.sent?.messageID ?? "") })
                #expect(accepted.count >= sent.count && accepted.count <= sent.count + unknown.count)
                #expect(accepted.count > arrivedBeforeKill, "the survivors went on")
            }
        }
    }

    static func counts(_ base: String) async throws -> SandboxCounts {
        try JSONDecoder().decode(SandboxCounts.self, from: try await get(base + "/sandbox/counts"))
    }

    static func accepted(_ base: String) async throws -> [SandboxAcceptedMessage] {
        let text = String(decoding: try await get(base + "/sandbox/accepted"), as: UTF8.self)
        return try text.split(separator: "\n").map {
            try JSONDecoder().decode(SandboxAcceptedMessage.self, from: Data($0.utf8))
        }
    }

    /// How many messages the sandbox accepted so far, asked with curl from the calling thread.
    static func acceptedNow(_ base: String) throws -> Int {
        let body = try runTool("curl", ["-sS", "--max-time", "10", base + "/sandbox/counts"])
        return try JSONDecoder().decode(SandboxCounts.self, from: Data(body.utf8)).accepted
    }

    static func get(_ url: String) async throws -> Data {
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: URLRequest(url: URL(string: url)!, timeoutInterval: 10))
        guard (response as? HTTPURLResponse)?.statusCode == 200 else { throw FixtureError("GET \(url): \(response)") }
        return data
    }
}
