import ArgumentParser
import Foundation
import WabaMedia

struct PrepareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prepare",
        abstract: "Make files conform to a profile: convert, rotate, strip, resize and fit the byte limit.",
        discussion: """
            Each file is checked first. ok files are copied unchanged, fixable ones are transformed, \
            rejected ones are reported with the findings and skipped (exit status 1). The output is named \
            after the input with the output format's extension (IMG_1234.heic → IMG_1234.jpg), in the \
            folder given with -o or the current folder; the input is never overwritten.
            """)

    @Option(name: .long, help: "The media type to prepare files as (default: inferred from each file's content).")
    var type: MediaType?

    @Option(name: .shortAndLong, help: "The output file (one input) or folder (default: the current folder).")
    var output: String?

    @OptionGroup var profileOptions: ProfileOptions
    @OptionGroup var format: FormatOptions
    @OptionGroup var preparation: PreparationOptions

    @Option(name: .long, help: "How many files to prepare at once.")
    var jobs: Int = 1

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Bulk mode: prepare a whole campaign (files, folders, patterns, manifests) into this folder, with a manifest.jsonl of the results.",
            valueName: "folder"))
    var out: String?

    @Option(
        name: .long,
        help: ArgumentHelp("A campaign manifest (.csv or .jsonl), with --out; may be repeated.", valueName: "file"))
    var manifest: [String] = []

    @Option(name: .long, help: "The manifests' format, when their extension does not say.")
    var manifestFormat: ManifestFormat?

    @Argument(help: "The files to prepare (with --out: also folders, glob patterns and URLs).")
    var files: [String] = []

    func validate() throws {
        guard jobs > 0 else { throw ValidationError("--jobs must be at least 1") }
        guard !files.isEmpty || !manifest.isEmpty else { throw ValidationError("give at least one file to prepare") }
        guard manifest.isEmpty || out != nil else { throw ValidationError("--manifest needs --out FOLDER") }
        guard out == nil || output == nil else { throw ValidationError("give either --out (bulk) or -o, not both") }
    }

    func run() async throws {
        if let out { return try await runBulk(into: out) }
        let destination = try OutputDestination(output, inputCount: files.count)
        let profile = try profileOptions.load()
        let type = self.type
        var table = TextTable("FILE", "VERDICT", "OUTPUT", "SIZE", "DIMENSIONS", "QUALITY", "STEPS")
        var details: [String] = []
        var failed = 0
        try await BlockingExecutor.withExecutor(threads: jobs) { executor in
            let preparer = try preparation.preparer(profile: profile, executor: executor)
            try await forEachConcurrently(files, width: jobs) { path in
                await PrepareRecord(preparing: path, as: type, with: preparer) { media in
                    destination.path(for: path, fileExtension: media.fileExtension)
                }
            } emit: { _, record in
                if record.failed { failed += 1 }
                switch format.format {
                case .json:
                    try Output.json(record)
                case .table:
                    table.append(contentsOf: record)
                    details.append(contentsOf: record.explanation)
                }
            }
        }
        if format.format == .table {
            Output.line(table.render())
            if !details.isEmpty { Output.line("\n" + details.joined(separator: "\n")) }
        }
        if failed > 0 { throw CommandFailure.rejected() }
    }
}

/// Where outputs go: one named file, or a folder where names are inferred.
enum OutputDestination: Sendable {
    case file(String)
    case folder(String)

    init(_ option: String?, inputCount: Int) throws {
        guard let option else {
            self = .folder(FileManager.default.currentDirectoryPath)
            return
        }
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: option, isDirectory: &isFolder)
        if (exists && isFolder.boolValue) || option.hasSuffix("/") {
            guard exists else { throw CommandFailure.usage("-o \(option): no such folder") }
            self = .folder(option)
        } else if inputCount > 1 {
            throw CommandFailure.usage("-o \(option) must be an existing folder when preparing several files")
        } else {
            self = .file(option)
        }
    }

    /// The output path for `input` written as `fileExtension`, never the input itself.
    func path(for input: String, fileExtension: String) -> String {
        switch self {
        case .file(let path):
            return path
        case .folder(let folder):
            let stem = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
            let candidate = URL(fileURLWithPath: folder).appendingPathComponent("\(stem).\(fileExtension)").path
            let inputPath = URL(fileURLWithPath: input).standardizedFileURL.path
            if URL(fileURLWithPath: candidate).standardizedFileURL.path == inputPath {
                return URL(fileURLWithPath: folder).appendingPathComponent("\(stem)-prepared.\(fileExtension)").path
            }
            return candidate
        }
    }
}

/// One line of `prepare`'s output: the check, and what was written.
struct PrepareRecord: Sendable, Encodable {
    var report: ValidationReport
    /// Where the prepared file was written.
    var outputPath: String?
    var media: PreparedMedia?
    var error: String?
    var hint: String?

    /// Prepares `path` with `preparer` and writes the result where `destination` says.
    init(
        preparing path: String, as type: MediaType?, with preparer: MediaPreparer,
        destination: (PreparedMedia) -> String
    ) async {
        do {
            self = try await preparer.withPreparedMedia(at: path, as: type) { media in
                let target = destination(media)
                try await preparer.executor.run { try media.write(to: target) }
                return PrepareRecord(report: media.report, outputPath: target, media: media)
            }
        } catch {
            guard let failure = error as? WabaMediaError, let checked = failure.report else {
                // The file could not be opened or read at all.
                self.init(report: .unreadable(path, as: type ?? .image, error: error))
                return
            }
            // A rejected file is reported by its findings (their hints included); a fixable one
            // nothing can fix, or one whose preparation failed, by the error too.
            self.init(report: checked)
            if report.verdict != .rejected {
                self.error = failure.message
                if failure.code != .rejected { hint = failure.hint }
            }
        }
    }

    private init(report: ValidationReport, outputPath: String? = nil, media: PreparedMedia? = nil) {
        self.report = report
        self.outputPath = outputPath
        self.media = media
    }

    var failed: Bool { error != nil || report.verdict == .rejected }

    /// What the image fitter did, or for a kept image what was kept, in the fitter's terms.
    var imageResult: ImageFitResult? {
        guard let media, let outputPath, report.mediaType == .image else { return nil }
        if var result = media.imageResult {
            result.output = outputPath
            return result
        }
        let image = report.inspection.image
        return ImageFitResult(
            output: outputPath, inputBytes: report.inspection.size, outputBytes: media.size,
            inputMIME: report.inspection.mime, outputMIME: media.mime, inputWidth: image?.width ?? 0,
            inputHeight: image?.height ?? 0, outputWidth: image?.width ?? 0, outputHeight: image?.height ?? 0,
            quality: nil, passedThrough: true, encodes: 0, steps: media.steps)
    }

    private struct Output: Encodable {
        var path: String
        var mime: MIMEType
        var action: PreparedMedia.Action
        var steps: [String]
    }

    enum CodingKeys: String, CodingKey {
        case file, verdict, findings, result, output, error, hint
        case mediaType = "media_type"
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(report.inspection.file, forKey: .file)
        try container.encode(report.mediaType, forKey: .mediaType)
        try container.encode(report.verdict, forKey: .verdict)
        try container.encode(report.findings, forKey: .findings)
        if let result = imageResult {
            try container.encode(result, forKey: .result)
        } else if let media, let outputPath {
            try container.encode(
                Output(path: outputPath, mime: media.mime, action: media.action, steps: media.steps), forKey: .output)
        }
        try container.encodeIfPresent(error, forKey: .error)
        try container.encodeIfPresent(hint, forKey: .hint)
    }

    var explanation: [String] {
        var lines: [String] = []
        if failed {
            lines.append("\(report.inspection.file) (\(error == nil ? "rejected" : "failed")):")
            for finding in report.rejections {
                lines.append("  \(finding.code): \(finding.message)")
                lines.append("    hint: \(finding.hint)")
            }
            if let error {
                lines.append("  \(error)")
                if let hint { lines.append("    hint: \(hint)") }
            }
        }
        return lines
    }
}

extension TextTable {
    mutating func append(contentsOf record: PrepareRecord) {
        let file = record.report.inspection.file
        if let result = record.imageResult {
            append(
                file, record.report.verdict.rawValue, result.output ?? "-",
                "\(ByteCount(result.inputBytes)) → \(ByteCount(result.outputBytes))",
                "\(result.inputWidth)×\(result.inputHeight) → \(result.outputWidth)×\(result.outputHeight)",
                result.quality.map { "\($0)" } ?? "-", result.steps.joined(separator: "; "))
        } else if let media = record.media, let path = record.outputPath {
            append(
                file, record.report.verdict.rawValue, path,
                "\(ByteCount(record.report.inspection.size)) → \(ByteCount(media.size))", "-", "-",
                media.steps.joined(separator: "; "))
        } else {
            append(file, record.error == nil ? record.report.verdict.rawValue : "failed", "-", "-", "-", "-", "-")
        }
    }
}
