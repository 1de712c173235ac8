// The SQLite journal's cost per message: load ROWS rows, then claim them in batches of 16 and, for
// each, mark it in flight and record it sent (two committed transactions per message, as a campaign
// does). Prints the load's rows/s and the microseconds per message.
// Usage: journal-bench [ROWS] [FOLDER]
import Foundation
import WabaCampaign

let arguments = CommandLine.arguments
let rows = arguments.count > 1 ? Int(arguments[1]) ?? 10_000 : 10_000
let folder = arguments.count > 2 ? arguments[2] : FileManager.default.temporaryDirectory.path
let path = "\(folder)/journal-bench-\(getpid()).journal"
defer {
    for suffix in ["", "-wal", "-shm", ".lock"] { try? FileManager.default.removeItem(atPath: path + suffix) }
}

func seconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
}

let journal = try SQLiteJournal(path: path)
/// The rows, made as they are read. A type of its own, not a closure of this file's top-level code:
/// the journal reads the rows on its own thread, and top-level closures belong to the main actor.
struct BenchRows: Sequence, IteratorProtocol {
    let count: Int
    var index = 0
    mutating func next() -> CampaignRow? {
        guard index < count else { return nil }
        defer { index += 1 }
        return CampaignRow(
            row: index + 2, channelID: "chn_bench",
            contactID: String(format: "00000000-0000-4000-8000-%012d", index), media: "/media/photo.jpg",
            mediaType: .image, caption: "hello \(index)")
    }
}
let manifestRows = BenchRows(count: rows)
let clock = ContinuousClock()
let loadStart = clock.now
_ = try await journal.load(ManifestIdentity(path: "bench.csv", fingerprint: "bench"), rows: manifestRows)
let loadTime = seconds(clock.now - loadStart)

/// The send loop, as a campaign's tasks run it: off the main actor (top-level code runs on it, and a
/// hop to the journal and back per call would be most of what this measures).
nonisolated func sendAll(_ journal: SQLiteJournal) async throws -> Int {
    var done = 0
    while true {
        let claimed = try await journal.claim(worker: "bench", limit: 16, lease: .seconds(60))
        if claimed.isEmpty { return done }
        for row in claimed {
            guard try await journal.markInFlight(row: row.row, worker: "bench") else { fatalError("claim lost") }
            try await journal.record(
                row: row.row, worker: "bench",
                outcome: .sent(
                    SentMessage(messageID: "msg-\(row.row)", providerID: "wamid.\(row.row)", mediaURL: "http://x/m")))
            done += 1
        }
    }
}
let sendStart = clock.now
let done = try await Task.detached { [journal] in try await sendAll(journal) }.value
let sendTime = seconds(clock.now - sendStart)
try journal.close()
print(String(format: "journal: load %d rows in %.2f s (%.0f rows/s)", rows, loadTime, Double(rows) / loadTime))
print(
    String(
        format: "journal: %d messages claimed, in flight, sent in %.2f s: %.0f us per message (%.0f messages/s)",
        done, sendTime, sendTime / Double(done) * 1e6, Double(done) / sendTime))
