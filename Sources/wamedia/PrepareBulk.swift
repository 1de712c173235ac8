import Foundation
import WabaMedia

extension PrepareCommand {
    /// `prepare --out FOLDER`: the whole batch into one folder, and a manifest to send it from.
    func runBulk(into folder: String) async throws {
        try await BlockingExecutor.withExecutor(threads: jobs) { executor in
            try await runBulk(into: folder, executor: executor)
        }
    }

    /// ``runBulk(into:)`` with its blocking work on `executor`.
    private func runBulk(into folder: String, executor: BlockingExecutor) async throws {
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure.usage("--out \(folder): the folder cannot be created (\(error.localizedDescription))")
        }
        Vips.tune(.forParallelImages(jobs))
        let profile = try profileOptions.load()
        let checker = try MediaChecker(profile: profile, ffmpeg: await FFmpegCapabilities.installed())
        let mediaPreparer = try preparation.preparer(profile: profile, executor: executor)
        let sources =
            BatchInputs.classify(files)
            + manifest.map { .manifest(ManifestReader.Source(path: $0, format: manifestFormat)) }
        let entries = try BatchInputs(sources, defaultType: type)
        let preparer = BatchPreparer(checker: checker, preparer: mediaPreparer, folder: folder, jobs: jobs)

        let manifestPath = URL(fileURLWithPath: folder).appendingPathComponent("manifest.jsonl").path
        guard FileManager.default.createFile(atPath: manifestPath, contents: nil) else {
            throw CommandFailure.usage("cannot write \(manifestPath)")
        }
        let manifestFile = try FileHandle(forWritingTo: URL(fileURLWithPath: manifestPath))
        defer { try? manifestFile.close() }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]

        var summary = BatchSummary()
        var written = 0
        var failed = 0
        try await preparer.run(entries) { prepared in
            summary.add(prepared.result)
            if let row = prepared.manifestRow {
                var line = try encoder.encode(row)
                line.append(0x0A)
                try manifestFile.write(contentsOf: line)
                written += 1
            }
            if prepared.error != nil { failed += 1 }
            switch format.format {
            case .json:
                try Output.json(prepared)
            case .table:
                let report = prepared.result.report
                var line = "\(prepared.result.origin)  \(report.verdict)"
                if let media = prepared.media, let action = prepared.action { line += "  → \(media) (\(action))" }
                if let error = prepared.error { line += "  failed: \(error)" }
                if report.verdict == .rejected {
                    for finding in report.findings where finding.severity == .rejected {
                        line += "\n    \(finding.code): \(finding.message)\n      hint: \(finding.hint)"
                    }
                }
                Output.line(line)
            }
        }
        if format.format == .table {
            let verdicts = Verdict.allCases.map { "\(summary.count($0)) \($0)" }.joined(separator: ", ")
            Output.line(
                "\n\(summary.total) asset\(summary.total == 1 ? "" : "s"): \(verdicts); \(written) ready to send in \(manifestPath)"
                    + (failed > 0 ? "; \(failed) could not be prepared" : ""))
        }
        if summary.count(.rejected) > 0 || failed > 0 { throw CommandFailure.rejected() }
    }
}
