import Foundation
import Testing
import WabaCampaign
import WabaMedia

/// The ``CampaignJournal`` contract as tests any journal must pass: each takes a fresh, empty journal
/// from `make`. ``SQLiteJournalTests`` runs them on SQLite; a PostgreSQL journal runs the same.
struct JournalContract: Sendable {
    let make: @Sendable () async throws -> any CampaignJournal

    static let manifest = ManifestIdentity(path: "messages.csv", fingerprint: String(repeating: "a", count: 64))

    /// `count` rows numbered from 2 (line 1 is the header); every `rejectEvery`th one invalid.
    static func rows(_ count: Int, rejectEvery: Int = 0) -> [CampaignRow] {
        (0..<count).map { index in
            var row = CampaignRow(
                row: index + 2, channelID: "chn_1", contactID: UUID().uuidString, media: "/media/\(index % 3).jpg",
                mediaType: .image, caption: index.isMultiple(of: 2) ? "caption \(index)" : nil, saveMessage: index != 1
            )
            if rejectEvery > 0, index % rejectEvery == rejectEvery - 1 {
                row.rejection = RowError(kind: .invalidRow, message: "messages.csv:\(index + 2): no recipient")
            }
            return row
        }
    }

    /// A sequence that records whether it was iterated.
    final class Watched: Sequence, @unchecked Sendable {
        let rows: [CampaignRow]
        private(set) var iterated = false
        init(_ rows: [CampaignRow]) { self.rows = rows }
        func makeIterator() -> IndexingIterator<[CampaignRow]> {
            iterated = true
            return rows.makeIterator()
        }
    }

    func loadsOnceAndJoins() async throws {
        let journal = try await make()
        let rows = Self.rows(10, rejectEvery: 4)
        #expect(try await journal.load(Self.manifest, rows: rows) == .loaded(rows: 10, rejected: 2))
        let again = Watched(rows)
        #expect(try await journal.load(Self.manifest, rows: again) == .joined(rows: 10))
        #expect(!again.iterated, "a joining worker must not read the manifest again")
        let counts = try await journal.counts()
        #expect(counts[.pending] == 8)
        #expect(counts[.rejected] == 2)
        #expect(counts.total == 10)

        var other = Self.manifest
        other.fingerprint = String(repeating: "b", count: 64)
        await #expect(throws: CampaignJournalError.self) { try await journal.load(other, rows: rows) }
        do {
            _ = try await journal.load(other, rows: rows)
        } catch let error as CampaignJournalError {
            #expect(error.code == .otherCampaign)
        }
    }

    func keepsEveryField() async throws {
        let journal = try await make()
        let rows = Self.rows(5, rejectEvery: 5)
        _ = try await journal.load(Self.manifest, rows: rows)
        let records = try await journal.records(after: .min, limit: 100)
        #expect(records.map(\.row.row) == rows.map(\.row))
        for (record, row) in zip(records, rows) {
            var expected = row
            if expected.rejection != nil {
                #expect(record.state == .rejected)
                #expect(record.error?.kind == .invalidRow)
                #expect(record.error?.message == row.rejection?.message)
                expected.rejection = record.row.rejection
            } else {
                #expect(record.state == .pending)
            }
            #expect(record.row == expected)
            #expect(record.attempts == 0)
        }
    }

    func claimsEachRowOnce() async throws {
        let journal = try await make()
        _ = try await journal.load(Self.manifest, rows: Self.rows(10, rejectEvery: 5))
        let first = try await journal.claim(worker: "a", limit: 3, lease: .seconds(60))
        let second = try await journal.claim(worker: "b", limit: 100, lease: .seconds(60))
        #expect(first.map(\.row) == [2, 3, 4])
        #expect(Set(first.map(\.row)).isDisjoint(with: second.map(\.row)))
        #expect(first.count + second.count == 8, "rejected rows are never claimed")
        #expect(try await journal.claim(worker: "a", limit: 10, lease: .seconds(60)).isEmpty)
        #expect(try await journal.counts()[.claimed] == 8)

        // Only the claiming worker moves a row on.
        #expect(try await journal.markInFlight(row: 2, worker: "b") == false)
        #expect(try await journal.markInFlight(row: 2, worker: "a"))
        #expect(try await journal.markInFlight(row: 2, worker: "a") == false, "already in flight")
        let sent = SentMessage(messageID: "msg-1", providerID: "wamid.1", mediaURL: "http://x/m")
        #expect(try await journal.record(row: 2, worker: "b", outcome: .sent(sent)) == false)
        #expect(try await journal.record(row: 2, worker: "a", outcome: .sent(sent)))
        #expect(try await journal.record(row: 2, worker: "a", outcome: .sent(sent)) == false, "already final")
        // A claimed row is rejected without a request; a request's outcome needs the row in flight.
        let failure = RowError(kind: .init("server-error"), httpStatus: 500, message: "boom", retryable: true)
        #expect(try await journal.record(row: 3, worker: "a", outcome: .failed(failure)) == false)
        #expect(
            try await journal.record(
                row: 3, worker: "a", outcome: .rejected(RowError(kind: .assetRejected, message: "bad file"))))

        let records = try await journal.records(after: 1, limit: 2)
        #expect(records.map(\.state) == [.sent, .rejected])
        #expect(records[0].sent == sent)
        #expect(records[0].attempts == 1)
        #expect(records[1].attempts == 0)
        #expect(records[1].error?.message == "bad file")
    }

    func releasesAndRecovers() async throws {
        let journal = try await make()
        _ = try await journal.load(Self.manifest, rows: Self.rows(6))
        _ = try await journal.claim(worker: "a", limit: 4, lease: .seconds(60))
        #expect(try await journal.markInFlight(row: 2, worker: "a"))
        #expect(try await journal.markInFlight(row: 3, worker: "a"))
        try await journal.release(worker: "a")
        var counts = try await journal.counts()
        #expect(counts[.pending] == 4)
        #expect(counts[.inFlight] == 2, "release leaves rows in flight alone")
        #expect(try await journal.abandonInFlight(worker: "a") == 2)
        counts = try await journal.counts()
        #expect(counts[.unknown] == 2)
        let unknown = try await journal.records(after: 1, limit: 1)[0]
        #expect(unknown.error?.kind == .interrupted)

        // A worker that vanished: its lease runs out, its claims go back, its requests are unknown.
        _ = try await journal.claim(worker: "gone", limit: 3, lease: .milliseconds(1))
        #expect(try await journal.markInFlight(row: 4, worker: "gone"))
        try await Task.sleep(for: .milliseconds(50))
        #expect(try await journal.recoverAbandoned() == RecoveryCounts(released: 2, unknown: 1))
        counts = try await journal.counts()
        #expect(counts[.pending] == 3)
        #expect(counts[.unknown] == 3)
        #expect(
            try await journal.record(
                row: 4, worker: "gone", outcome: .sent(SentMessage(messageID: "m", providerID: "p", mediaURL: "u")))
                == false, "a recovered row is no longer the vanished worker's")
    }

    func requeuesOnlyWhatIsAsked() async throws {
        let journal = try await make()
        _ = try await journal.load(Self.manifest, rows: Self.rows(4))
        _ = try await journal.claim(worker: "a", limit: 4, lease: .seconds(60))
        for row in 2...5 { #expect(try await journal.markInFlight(row: row, worker: "a")) }
        try await journal.record(
            row: 2, worker: "a",
            outcome: .failed(RowError(kind: .init("server-error"), httpStatus: 500, message: "x", retryable: true)))
        try await journal.record(
            row: 3, worker: "a", outcome: .failed(RowError(kind: .init("not-found"), httpStatus: 404, message: "x")))
        try await journal.record(row: 4, worker: "a", outcome: .unknown(RowError(kind: .init("unknown"), message: "x")))
        try await journal.record(
            row: 5, worker: "a", outcome: .sent(SentMessage(messageID: "m", providerID: "p", mediaURL: "u")))

        #expect(try await journal.requeue([]) == 0)
        #expect(try await journal.requeue(.retryableFailures) == 1)
        #expect(try await journal.claim(worker: "b", limit: 10, lease: .seconds(60)).map(\.row) == [2])
        #expect(try await journal.requeue(.unknown) == 1)
        #expect(try await journal.claim(worker: "b", limit: 10, lease: .seconds(60)).map(\.row) == [4])
        let counts = try await journal.counts()
        #expect(counts[.failed] == 1)
        #expect(counts[.sent] == 1)
    }

    func keepsTheFirstMediaURL() async throws {
        let k = AssetKey(digest: String(repeating: "b", count: 64), mediaType: .image)
        let journal = try await make()
        _ = try await journal.load(Self.manifest, rows: Self.rows(1))
        #expect(try await journal.mediaURL(forAsset: k) == nil)
        try await journal.recordMediaURL("http://one", forAsset: k)
        try await journal.recordMediaURL("http://two", forAsset: k)
        #expect(try await journal.mediaURL(forAsset: k) == "http://one")
        try await journal.forgetMediaURL("http://two", forAsset: k)
        #expect(try await journal.mediaURL(forAsset: k) == "http://one", "only the URL that was refused is forgotten")
        try await journal.forgetMediaURL("http://one", forAsset: k)
        #expect(try await journal.mediaURL(forAsset: k) == nil)
    }

    func pagesInRowOrder() async throws {
        let journal = try await make()
        _ = try await journal.load(Self.manifest, rows: Self.rows(25))
        var seen: [Int] = []
        let report = CampaignReport(journal: journal, pageSize: 7)
        try await report.forEachRecord { seen.append($0.row.row) }
        #expect(seen == Array(2...26))
    }
}
