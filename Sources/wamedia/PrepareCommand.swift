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

    @Flag(
        name: .long,
        help: """
            Also re-save images that are sendable as they are but carry EXIF/XMP metadata (GPS location, \
            camera details): upright, without the metadata.
            """)
    var stripMetadata = false

    @OptionGroup var container: ContainerOptions

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
        let profile = try profileOptions.load()
        let destination = try OutputDestination(output, inputCount: files.count)
        let preparer = Preparer(
            profile: profile, detector: try MIMEDetector(), type: type, destination: destination,
            vipsConcurrency: jobs > 1 ? max(1, MediaChecker.defaultConcurrency / jobs) : 0,
            stripMetadata: stripMetadata, containerOptions: container.rewriteOptions)
        var table = TextTable("FILE", "VERDICT", "OUTPUT", "SIZE", "DIMENSIONS", "QUALITY", "STEPS")
        var details: [String] = []
        var failed = 0
        try await forEachConcurrently(files, width: jobs) { path in
            preparer.prepare(path)
        } emit: { _, record in
            if record.error != nil || record.report.verdict == .rejected { failed += 1 }
            switch format.format {
            case .json:
                try Output.json(record)
            case .table:
                table.append(contentsOf: record)
                details.append(contentsOf: record.explanation)
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

/// Validates, then fits or copies, one file.
struct Preparer: Sendable {
    var profile: MediaProfile
    var inspector: MediaInspector
    var validator: MediaValidator
    var fitter: ImageFitter
    var type: MediaType?
    var destination: OutputDestination
    var stripMetadata: Bool
    var containerOptions: ContainerRewriteOptions

    init(
        profile: MediaProfile, detector: MIMEDetector, type: MediaType?, destination: OutputDestination,
        vipsConcurrency: Int, stripMetadata: Bool = false, containerOptions: ContainerRewriteOptions = .init()
    ) {
        self.profile = profile
        // The fitter decodes every image it transforms with errors on; kept images are verified
        // before copying. Decoding each image once more here would only cost time.
        self.inspector = MediaInspector(detector: detector, options: .init(imageVerification: .header))
        self.validator = MediaValidator(profile: profile)
        self.fitter = ImageFitter(
            profile: profile,
            options: .init(
                passThroughConforming: false, vipsConcurrency: vipsConcurrency, stripMetadata: stripMetadata))
        self.type = type
        self.destination = destination
        self.stripMetadata = stripMetadata
        self.containerOptions = containerOptions
    }

    func prepare(_ path: String) -> PrepareRecord {
        let report: ValidationReport
        do {
            report = validator.validate(try inspector.inspect(path: path), as: type)
        } catch {
            let report = MediaChecker.unreadableReport(file: path, mediaType: type ?? .image, error: error)
            return PrepareRecord(report: report)
        }
        var record = PrepareRecord(report: report)
        guard report.verdict != .rejected else { return record }
        guard report.mediaType == .image else {
            return prepareOther(path, report: report)
        }
        do {
            let profile = self.profile
            let outputPath = { (mime: String) in
                destination.path(for: path, fileExtension: profile.canonicalExtension(for: mime) ?? "img")
            }
            let inspection = report.inspection
            let carriesMetadata = inspection.image.map { $0.hasEXIF || $0.hasXMP } ?? false
            if report.verdict == .ok && !(stripMetadata && carriesMetadata) {
                record.result = try fitter.keep(
                    path: path, mime: inspection.mime, info: inspection.image,
                    writingTo: outputPath(inspection.mime))
            } else {
                record.result = try fitter.fit(
                    path: path, mime: inspection.mime, info: inspection.image, writingTo: outputPath)
            }
        } catch let error as WabaMediaError where error.code == .unsupportedInput {
            // Damage found while decoding is a property of the file: report it as a finding.
            record.report = ValidationReport(
                inspection: report.inspection, mediaType: report.mediaType,
                findings: report.findings + [
                    Finding(.unreadable, .rejected, message: error.message, hint: error.hint ?? "export it again")
                ], effectiveMIME: report.effectiveMIME, suggestedFileName: report.suggestedFileName)
        } catch let error as WabaMediaError {
            record.error = error
        } catch {
            record.error = WabaMediaError(.transformFailed, "\(path): \(error)")
        }
        return record
    }
}

extension Preparer {
    /// Video, audio and documents: containers are rewritten when fixable, everything else is copied.
    fileprivate func prepareOther(_ path: String, report: ValidationReport) -> PrepareRecord {
        var record = PrepareRecord(report: report)
        do {
            let conformed = try MediaTransformer(profile: profile, containerOptions: containerOptions)
                .conform(path, report: report) { destination.path(for: path, fileExtension: $0) }
            record.output = TransformedMedia(
                path: conformed.path, mime: conformed.mime,
                steps: conformed.steps.isEmpty && conformed.action == .copied ? ["keep unchanged"] : conformed.steps)
        } catch {
            record.error = error
        }
        return record
    }
}

/// One line of `prepare`'s output.
struct PrepareRecord: Sendable, Encodable {
    var report: ValidationReport
    /// What the image fitter did.
    var result: ImageFitResult?
    /// What was written for video, audio and documents.
    var output: TransformedMedia?
    var error: WabaMediaError?

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
        try container.encodeIfPresent(result, forKey: .result)
        try container.encodeIfPresent(output, forKey: .output)
        if let error {
            try container.encode(error.message, forKey: .error)
            try container.encodeIfPresent(error.hint, forKey: .hint)
        }
    }

    var explanation: [String] {
        var lines: [String] = []
        if report.verdict == .rejected || error != nil {
            lines.append("\(report.inspection.file) (\(error == nil ? "rejected" : "failed")):")
            for finding in report.findings where finding.severity == .rejected {
                lines.append("  \(finding.code): \(finding.message)")
                lines.append("    hint: \(finding.hint)")
            }
            if let error {
                lines.append("  \(error.message)")
                if let hint = error.hint { lines.append("    hint: \(hint)") }
            }
        }
        return lines
    }
}

extension TextTable {
    mutating func append(contentsOf record: PrepareRecord) {
        let file = record.report.inspection.file
        if let output = record.output {
            let size = (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0
            append(
                file, record.report.verdict.rawValue, output.path,
                "\(formatBytes(record.report.inspection.size)) → \(formatBytes(size))", "-", "-",
                output.steps.joined(separator: "; "))
            return
        }
        guard let result = record.result else {
            append(file, record.error == nil ? record.report.verdict.rawValue : "failed", "-", "-", "-", "-", "-")
            return
        }
        append(
            file, record.report.verdict.rawValue, result.output ?? "-",
            "\(formatBytes(result.inputBytes)) → \(formatBytes(result.outputBytes))",
            "\(result.inputWidth)×\(result.inputHeight) → \(result.outputWidth)×\(result.outputHeight)",
            result.quality.map { "\($0)" } ?? "-", result.steps.joined(separator: "; "))
    }
}
