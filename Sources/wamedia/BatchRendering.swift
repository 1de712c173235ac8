import Foundation
import WabaMedia

/// Prints a batch's results as they arrive, in the chosen format, keeping memory flat:
/// the table is printed in blocks, JUnit test cases and HTML cards are kept in temporary files until the
/// counts are known.
struct BatchRenderer {
    let format: CheckFormat
    let junit: JUnitReport
    private(set) var summary = BatchSummary()
    private var table = TextTable("FILE", "TYPE", "MIME", "SIZE", "VERDICT", "FINDINGS")
    private var details: [String] = []
    private var printedBlocks = 0
    private var junitCases: (url: URL, handle: FileHandle)?
    private let htmlWriter: HTMLReportWriter?
    /// Results waiting for their HTML cards, which are made a batch at a time on every thread of the executor.
    private var htmlPending: [BatchResult] = []
    private let encoder = Output.jsonEncoder()
    /// JSON lines not yet written: one write per block instead of one per asset, yet results still
    /// reach a reader within a fraction of a second.
    private var pendingLines = Data()
    private var lastWrite = ContinuousClock.now

    /// - Parameter executor: where the HTML report's cards are made.
    init(format: CheckFormat, failAt: Verdict, html: HTMLReport, executor: BlockingExecutor) throws {
        self.format = format
        self.junit = JUnitReport(failAt: failAt)
        htmlWriter = format == .html ? try HTMLReportWriter(report: html, executor: executor) : nil
        if format == .junit {
            let url = FileManager.default.temporaryDirectory.appendingPathComponent(
                "wamedia-junit-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).xml")
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw WabaMediaError(
                    .ioError, "cannot create a temporary file in \(url.deletingLastPathComponent().path)",
                    hint: "set TMPDIR to a writable folder")
            }
            junitCases = (url, try FileHandle(forWritingTo: url))
        }
    }

    mutating func add(_ result: BatchResult) async throws {
        summary.add(result)
        switch format {
        case .json:
            pendingLines.append(try encoder.encode(result))
            pendingLines.append(0x0A)
            let now = ContinuousClock.now
            if pendingLines.count >= 1 << 16 || now - lastWrite > .milliseconds(200) {
                Output.write(pendingLines)
                pendingLines.removeAll(keepingCapacity: true)
                lastWrite = now
            }
        case .junit:
            try junitCases?.handle.write(contentsOf: Data(junit.testCase(for: result).utf8))
        case .html:
            htmlPending.append(result)
            if htmlPending.count >= 256 {
                try await htmlWriter?.add(htmlPending)
                htmlPending.removeAll(keepingCapacity: true)
            }
        case .table:
            let report = result.report
            var codes = report.findings.map(\.code.rawValue)
            if let first = result.duplicateOf { codes = codes.map { $0 == "duplicate" ? "duplicate of \(first)" : $0 } }
            table.append(
                report.inspection.file, report.mediaType.rawValue, report.inspection.mime.rawValue,
                ByteCount(report.inspection.size).description, report.verdict.rawValue, codes.joined(separator: ", "))
            details.append(contentsOf: report.explanation(origin: result.origin))
            if table.rows.count >= TextTable.rowsPerBlock { flushTable() }
        }
    }

    private mutating func flushTable() {
        guard !table.rows.isEmpty || printedBlocks == 0 else { return }
        if printedBlocks > 0 { table.header = table.header.map { _ in "" } }
        var text = table.render()
        if printedBlocks > 0 { text = "\n" + String(text.drop { $0 != "\n" }.dropFirst()) }
        Output.line(text)
        if !details.isEmpty { Output.line("\n" + details.joined(separator: "\n")) }
        table.rows.removeAll()
        details.removeAll()
        printedBlocks += 1
    }

    mutating func finish() async throws {
        switch format {
        case .json:
            pendingLines.append(try encoder.encode(summary))
            pendingLines.append(0x0A)
            Output.write(pendingLines)
            pendingLines.removeAll()
        case .table:
            if !table.rows.isEmpty || printedBlocks == 0 { flushTable() }
            let verdicts = Verdict.allCases.map { "\(summary.count($0)) \($0)" }.joined(separator: ", ")
            var lines = ["\n\(summary.total) file\(summary.total == 1 ? "" : "s"): \(verdicts)"]
            if !summary.findings.isEmpty {
                let codes = summary.findings.sorted { ($1.value, $0.key) < ($0.value, $1.key) }
                lines.append("findings: " + codes.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
            }
            if summary.duplicates > 0 { lines.append("duplicates: \(summary.duplicates), checked once") }
            if summary.remoteAssets > 0 {
                lines.append(
                    "URLs: \(summary.remoteAssets), \(ByteCount(summary.bytesFetched)) fetched (\(ByteCount(summary.bytesFetched / summary.remoteAssets)) per URL)"
                )
            }
            Output.line(lines.joined(separator: "\n"))
        case .html:
            guard let htmlWriter else { return }
            try await htmlWriter.add(htmlPending)
            htmlPending.removeAll()
            try htmlWriter.finish(summary: summary) { Output.write($0) }
        case .junit:
            guard let (url, handle) = junitCases else { return }
            try handle.close()
            defer { try? FileManager.default.removeItem(at: url) }
            Output.write(Data(junit.opening(summary: summary).utf8))
            let reader = try FileHandle(forReadingFrom: url)
            defer { try? reader.close() }
            while let block = try reader.read(upToCount: 1 << 20), !block.isEmpty {
                Output.write(block)
            }
            Output.write(Data(junit.closing.utf8))
        }
    }
}

extension BatchSummary {
    /// `check`'s progress line: the counts so far and the files checked per second.
    func progressText(elapsedSeconds seconds: Double) -> String {
        let rate = seconds > 0 ? Int(Double(total) / seconds) : 0
        return
            "checked \(total) · \(count(.ok)) ok · \(count(.fixable)) fixable · \(count(.rejected)) rejected · \(rate)/s"
    }
}
