import ArgumentParser
import WabaMedia

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Say whether files can be sent as a media type: ok, fixable or rejected.",
        discussion: """
            ok: sent as it is. fixable: 'prepare' (and 'send') make it conform. rejected: it cannot be \
            sent as that type; the findings say why and what to do. Exit status 1 when any file is rejected.
            """)

    @Option(name: .long, help: "The media type to check against (default: inferred from each file's content).")
    var type: MediaType?

    @Option(name: .long, help: "A caption to check against the profile's limit.")
    var caption: String?

    @OptionGroup var profileOptions: ProfileOptions
    @OptionGroup var format: FormatOptions

    @Option(name: .long, help: "How many files to check at once (default: the number of cores).")
    var jobs: Int = MediaChecker.defaultConcurrency

    @Argument(help: "The files to check.")
    var files: [String]

    func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let checker = try MediaChecker(profile: try profileOptions.load())
        let (type, caption) = (self.type, self.caption)
        var counts: [Verdict: Int] = [:]
        var table = TextTable("FILE", "TYPE", "MIME", "SIZE", "VERDICT", "FINDINGS")
        var details: [String] = []
        try await forEachConcurrently(files, width: jobs) { path in
            checker.check(path: path, as: type, caption: caption)
        } emit: { _, report in
            counts[report.verdict, default: 0] += 1
            switch format.format {
            case .json:
                try Output.json(report)
            case .table:
                table.append(
                    report.inspection.file, report.mediaType.rawValue, report.inspection.mime,
                    formatBytes(report.inspection.size), report.verdict.rawValue,
                    report.findings.map(\.code.rawValue).joined(separator: ", "))
                details.append(contentsOf: Self.explain(report))
            }
        }
        if format.format == .table {
            Output.line(table.render())
            if !details.isEmpty { Output.line("\n" + details.joined(separator: "\n")) }
            let summary = Verdict.allCases.map { "\(counts[$0, default: 0]) \($0)" }.joined(separator: ", ")
            Output.line("\n\(files.count) file\(files.count == 1 ? "" : "s"): \(summary)")
        }
        if counts[.rejected, default: 0] > 0 { throw CommandFailure.rejected() }
    }

    static func explain(_ report: ValidationReport) -> [String] {
        guard !report.findings.isEmpty || !report.plannedSteps.isEmpty else { return [] }
        var lines = ["\(report.inspection.file) (\(report.verdict)):"]
        for finding in report.findings {
            lines.append("  \(finding.severity) \(finding.code): \(finding.message)")
            lines.append("    hint: \(finding.hint)")
        }
        if !report.plannedSteps.isEmpty {
            lines.append("  prepare would: \(report.plannedSteps.joined(separator: "; "))")
        }
        return lines
    }
}
