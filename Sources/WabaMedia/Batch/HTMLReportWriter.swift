public import Foundation

/// Writes an ``HTMLReport`` for any number of assets with flat memory: videos' poster frames and
/// audio levels are made by ffmpeg, as many runs at once as the executor has threads (awaited, no
/// thread held); cards are made in parallel on the caller's ``BlockingExecutor`` (thumbnails are
/// the costly part), kept in one temporary file per verdict, and joined behind the summary once
/// every asset is in, rejected first.
///
/// The temporary files belong to the writer and are removed when it goes away.
public final class HTMLReportWriter {
    public let report: HTMLReport
    /// Where cards are made, as many at once as it has threads.
    public let executor: BlockingExecutor
    private var groups: [(verdict: Verdict, url: URL, handle: FileHandle)] = []
    private var counts: [Verdict: Int] = [:]
    private(set) public var bytesBefore = 0
    private(set) public var bytesAfter = 0
    private let folder: URL

    /// - Parameter temporaryDirectory: where cards wait for the summary (one file per verdict).
    public init(report: HTMLReport, executor: BlockingExecutor, temporaryDirectory: URL? = nil) throws {
        self.report = report
        self.executor = executor
        let base = temporaryDirectory ?? FileManager.default.temporaryDirectory
        folder = base.appendingPathComponent("wamedia-html-\(ProcessInfo.processInfo.processIdentifier)-\(UUID())")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            for verdict in Self.order {
                let url = folder.appendingPathComponent("\(verdict.rawValue).html")
                guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                    throw CocoaError(.fileWriteNoPermission)
                }
                groups.append((verdict, url, try FileHandle(forWritingTo: url)))
            }
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw WabaMediaError(
                .ioError, "cannot create temporary files for the HTML report in \(base.path): \(error)",
                hint: "set TMPDIR to a writable folder")
        }
    }

    deinit {
        for group in groups { try? group.handle.close() }
        try? FileManager.default.removeItem(at: folder)
    }

    /// The order of groups in the page: what needs attention first.
    static let order: [Verdict] = [.rejected, .fixable, .ok]

    /// Adds assets, in their order within each verdict; their cards are made on the ``executor``.
    public func add(_ results: [BatchResult]) async throws {
        guard !results.isEmpty else { return }
        let previews = await Self.makePreviews(results, report: report, atOnce: executor.threads)
        let cards = try await Self.makeCards(results, previews: previews, report: report, executor: executor)
        var blocks: [Verdict: String] = [:]
        for card in cards {
            blocks[card.verdict, default: ""] += card.html
            counts[card.verdict, default: 0] += 1
            bytesBefore += card.bytesBefore
            bytesAfter += card.bytesAfter
        }
        for group in groups {
            guard let block = blocks[group.verdict] else { continue }
            do {
                try group.handle.write(contentsOf: Data(block.utf8))
            } catch {
                throw WabaMediaError(.ioError, "cannot write the HTML report's temporary file: \(error)", cause: error)
            }
        }
    }

    /// Writes the whole page through `write`, in pieces of at most 1 MiB.
    public func finish(summary: BatchSummary, write: (Data) throws -> Void) throws {
        try write(Data(report.opening(summary: summary, bytesBefore: bytesBefore, bytesAfter: bytesAfter).utf8))
        for group in groups {
            try group.handle.close()
            let count = counts[group.verdict, default: 0]
            guard count > 0 else { continue }
            try write(Data(report.groupHeading(group.verdict, count: count).utf8))
            let reader = try FileHandle(forReadingFrom: group.url)
            defer { try? reader.close() }
            while let block = try reader.read(upToCount: 1 << 20), !block.isEmpty { try write(block) }
            try write(Data("</section>\n".utf8))
        }
        groups.removeAll()
        try write(Data(report.closing.utf8))
    }

    /// The previews of the videos and audio files among `results`, by index in `results`: videos
    /// and audio files in runs of up to ``MediaPreview/filesPerRun`` each, at most `atOnce` runs at
    /// a time.
    private static func makePreviews(_ results: [BatchResult], report: HTMLReport, atOnce: Int) async
        -> [Int: MediaPreview]
    {
        var runs: [[Int]] = []
        for mediaType in [MediaType.video, .audio] {
            let wanted = results.indices.filter { results[$0].report.mediaType == mediaType }
            runs += stride(from: 0, to: wanted.count, by: MediaPreview.filesPerRun).map {
                Array(wanted[$0..<min($0 + MediaPreview.filesPerRun, wanted.count)])
            }
        }
        guard !runs.isEmpty else { return [:] }
        return await withTaskGroup(of: [(Int, MediaPreview?)].self) { group in
            var previews: [Int: MediaPreview] = [:]
            var waiting = runs[...]
            func start(_ run: [Int]) {
                group.addTask { Array(zip(run, await report.previews(for: run.map { results[$0] }))) }
            }
            for run in waiting.prefix(max(1, atOnce)) { start(run) }
            waiting = waiting.dropFirst(max(1, atOnce))
            while let made = await group.next() {
                for (index, preview) in made { previews[index] = preview }
                if let run = waiting.popFirst() { start(run) }
            }
            return previews
        }
    }

    /// The cards of `results`, in their order: one lane of every `lanes`-th result per thread.
    private static func makeCards(
        _ results: [BatchResult], previews: [Int: MediaPreview], report: HTMLReport, executor: BlockingExecutor
    ) async throws -> [HTMLReport.Card] {
        let lanes = min(executor.threads, results.count)
        return try await withThrowingTaskGroup(of: (Int, [HTMLReport.Card]).self) { group in
            for lane in 0..<lanes {
                group.addTask {
                    let cards = try await executor.run {
                        stride(from: lane, to: results.count, by: lanes).map {
                            report.card(for: results[$0], preview: previews[$0])
                        }
                    }
                    return (lane, cards)
                }
            }
            var byLane = Array(repeating: [HTMLReport.Card](), count: lanes)
            for try await (lane, cards) in group { byLane[lane] = cards }
            return results.indices.map { byLane[$0 % lanes][$0 / lanes] }
        }
    }
}
