import Foundation
public import Logging

/// The one place that runs what happens to a file before it is sent or written out.
///
/// It opens the input once, checks it, and runs the plan the check concludes with
/// (``PreparationPlan``, decided by the ``PreparationPlanner``): an image that already conforms is
/// kept byte for byte, any other image is fitted (``ImageFitter``), a video or audio file whose
/// container needs it is rewritten (``ContainerRewriter``) or transcoded, everything else is kept.
/// What it wrote is checked again before it is handed on. Every command (`prepare`, `payload`,
/// `send`) and the campaign code call it, so an option means the same everywhere.
///
/// Every stage reads the descriptor opened at the start, never the path again: if the path is
/// replaced meanwhile, the bytes checked are still the bytes prepared and sent; if the file is
/// written to in place, the preparation (or, later, the upload) fails with `source-changed`.
/// Files the preparation writes live in a temporary folder owned by the `with…` call, removed when
/// it returns, throws or is cancelled.
///
/// A preparation is async: its blocking work (inspection, libvips, libmagic, scrubbing, container
/// rewrites, file work) runs on the ``executor`` its caller owns, a transcode is awaited while
/// ffmpeg runs as a child process, and no thread of Swift's cooperative pool is held meanwhile.
public struct MediaPreparer: Sendable {
    public struct Options: Sendable, Hashable {
        /// Re-save images that are sendable as they are but carry EXIF/XMP metadata.
        public var stripMetadata: Bool
        /// Keep the location (EXIF/XMP GPS, MP4/MOV location atoms) and other metadata of files sent
        /// as they are. Off by default: a location never leaves unless asked for (docs/metadata.md).
        public var keepMetadata: Bool
        /// What a container rewrite may change; its `keepMetadata` is ``keepMetadata``'s.
        public var container: ContainerRewriteOptions
        /// libvips worker threads per image (0: libvips' default), for callers preparing several at once.
        public var vipsConcurrency: Int
        /// How audio and video are transcoded when nothing less makes them conform; the audio track
        /// kept is ``container``'s.
        public var transcode: TranscodeOptions

        public init(
            stripMetadata: Bool = false, keepMetadata: Bool = false, container: ContainerRewriteOptions = .init(),
            vipsConcurrency: Int = 0, transcode: TranscodeOptions = .init()
        ) {
            self.stripMetadata = stripMetadata
            self.keepMetadata = keepMetadata
            self.container = container
            self.vipsConcurrency = vipsConcurrency
            self.transcode = transcode
        }

        /// What the plan depends on: the check plans with these, and the preparation runs that plan.
        public var planning: PreparationPlanner.Options {
            .init(
                stripMetadata: stripMetadata, keepMetadata: keepMetadata, container: container,
                audioAs: transcode.audioAs)
        }

        var scrubbing: MetadataScrubber.Options { .init(removeLocation: !keepMetadata) }
    }

    public let profile: MediaProfile
    public let options: Options
    /// Checks inputs and prepared files, images from their headers, and plans with ``Options/planning``.
    /// Image data is then proven exactly once: by the fitter's own decode (it fails on damage), or,
    /// for an image sent with its own pixels, by its structure and a reduced-size decode before it
    /// is passed on.
    public let checker: MediaChecker
    /// Where the blocking work runs: its owner's threads, as many as it set.
    public let executor: BlockingExecutor
    public var logger: Logger?
    /// Called as a transcode advances (from ffmpeg's own progress reports), by the task reading them.
    public var progress: (@Sendable (TranscodeProgress) -> Void)?

    public init(
        profile: MediaProfile = .whatsappCloud, detector: MIMEDetector? = nil, options: Options = .init(),
        executor: BlockingExecutor, logger: Logger? = nil, progress: (@Sendable (TranscodeProgress) -> Void)? = nil
    ) throws {
        self.profile = profile
        self.options = options
        self.executor = executor
        // The check judges a location, and plans, by the options the preparation applies; the ffmpeg
        // it plans with is each preparation's own (``FFmpegCapabilities``).
        self.checker = try MediaChecker(
            profile: profile, detector: detector, imageVerification: .header, preparation: options.planning)
        self.logger = logger
        self.progress = progress
    }

    /// Opens, checks and prepares the file at `path`, and runs `body` with the result. Files the
    /// preparation wrote are removed when `body` returns or throws, or the task is cancelled.
    ///
    /// Cancelling the task stops the preparation: work queued on the ``executor`` does not start,
    /// and a transcode's ffmpeg is stopped.
    ///
    /// - Parameters:
    ///   - mediaType: the type to send it as; inferred from the content when nil.
    ///   - caption: checked against the profile and the media type.
    ///   - fileName: the name the recipient will see, when it is not the path's: its extension is judged.
    /// - Throws: ``WabaMediaError``: `rejected` when the file cannot be sent as `mediaType` (its
    ///   ``WabaMediaError/report`` says why); another code with the report of the check when the file
    ///   was checked but changed while read, or a transform failed; without a report when it cannot be
    ///   opened at all. `CancellationError` when the task is cancelled. What `body` throws is thrown
    ///   as it is.
    public func withPreparedMedia<Result>(
        at path: String, as mediaType: MediaType? = nil, caption: String? = nil, fileName: String? = nil,
        isolation: isolated (any Actor)? = #isolation, _ body: (PreparedMedia) async throws -> Result
    ) async throws -> Result {
        let folder = try await executor.run { try TemporaryFolder() }
        let outcome: Swift.Result<Result, any Error>
        do {
            let prepared = try await prepare(path, as: mediaType, caption: caption, fileName: fileName, in: folder)
            try Task.checkCancellation()
            outcome = .success(try await body(prepared))
        } catch {
            outcome = .failure(error)
        }
        await executor.runToEnd { folder.remove() }
        return try outcome.get()
    }

    /// The check alone, without preparing: what ``withPreparedMedia(at:as:caption:fileName:isolation:_:)``
    /// would decide from, with the proof `wamedia check` runs (an input a transcode would read is
    /// decoded: ``MediaChecker/judge(_:as:caption:named:)``). It runs on the ``executor``.
    public func check(_ source: FileSource, as mediaType: MediaType?, caption: String?, fileName: String?)
        async throws -> ValidationReport
    {
        let inspection = try await executor.run { [self] in inspect(source) }
        let ffmpeg = await capabilities(for: inspection)
        guard case .success(let inspected) = inspection else {
            return judge(inspection, of: source, as: mediaType, caption: caption, fileName: fileName, ffmpeg: ffmpeg)
        }
        var checker = self.checker
        checker.ffmpegLookup = { ffmpeg }
        var report = await checker.judge(inspected, as: mediaType, caption: caption, named: fileName)
        report.inspection.file = source.path
        return report
    }

    private func inspect(_ source: FileSource) -> Result<Inspection, any Error> {
        Result { try checker.inspector.inspect(source) }
    }

    /// The ffmpeg the plan for `inspection` is made with: the options' own, awaited only when the
    /// plan may be a transcode. An image never starts ffmpeg, whose start-up (about 0.06 s of CPU)
    /// would otherwise compete with the image's own decode for the cores.
    private func capabilities(for inspection: Result<Inspection, any Error>) async -> FFmpegCapabilities {
        guard case .success(let inspection) = inspection, PreparationPlanner.mayTranscode(inspection) else {
            return .none
        }
        return await options.transcode.capabilities()
    }

    /// The report on `inspection`, planned with `ffmpeg`.
    ///
    /// - Parameter fileName: the name the recipient sees, when it is not the path's: it decides
    ///   whether the extension misleads.
    private func judge(
        _ inspection: Result<Inspection, any Error>, of source: FileSource, as mediaType: MediaType?,
        caption: String?, fileName: String? = nil, ffmpeg: FFmpegCapabilities
    ) -> ValidationReport {
        switch inspection {
        case .success(let inspection):
            var checker = self.checker
            checker.planner.ffmpeg = ffmpeg
            var report = checker.report(on: inspection, as: mediaType, caption: caption, named: fileName)
            report.inspection.file = source.path
            return report
        case .failure(let error):
            return .unreadable(source.path, as: mediaType ?? .document, error: error)
        }
    }

    // MARK: - The decision

    func prepare(
        _ path: String, as mediaType: MediaType?, caption: String?, fileName: String?, in folder: TemporaryFolder
    ) async throws -> PreparedMedia {
        let (input, inspection) = try await executor.run { [self] in
            let input = try FileSource(path: path)
            return (input, inspect(input))
        }
        func judged(with ffmpeg: FFmpegCapabilities) -> ValidationReport {
            judge(inspection, of: input, as: mediaType, caption: caption, fileName: fileName, ffmpeg: ffmpeg)
        }

        // ffmpeg's encoder list is read once per process, in the background, and the first transcode
        // does not wait for it: the transcode starts as if the encoders its plan names were there,
        // and the report is then made from the real list, known by the time the transcode ends. The
        // result is kept only if the two reports are the same; otherwise the real one decides, as if
        // nothing had been started (an ffmpeg without the encoder stops at once, and the file is
        // rejected with `ffmpeg-missing`, as it would have been).
        if case .success(let inspected) = inspection, PreparationPlanner.mayTranscode(inspected),
            let lookup = options.transcode.lookup, !lookup.isFinished, let executable = lookup.executable
        {
            let assumed = FFmpegCapabilities.assumingEveryEncoder(at: executable)
            let provisional = judged(with: assumed)
            // Only a planned transcode asks which encoders there are.
            guard provisional.transcodePlan != nil else {
                return try await prepare(input, report: provisional, caption: caption, in: folder, ffmpeg: assumed)
            }
            let outcome: Swift.Result<PreparedMedia, any Error>
            do {
                outcome = .success(
                    try await prepare(input, report: provisional, caption: caption, in: folder, ffmpeg: assumed))
            } catch {
                outcome = .failure(error)
            }
            let ffmpeg = await options.transcode.capabilities()
            let report = judged(with: ffmpeg)
            if report == provisional { return try outcome.get() }
            return try await prepare(input, report: report, caption: caption, in: folder, ffmpeg: ffmpeg)
        }
        let ffmpeg = await capabilities(for: inspection)
        return try await prepare(input, report: judged(with: ffmpeg), caption: caption, in: folder, ffmpeg: ffmpeg)
    }

    /// Prepares `input` as `report` says, or throws why it cannot be sent. A transcode runs with
    /// `ffmpeg`, the one the report was planned with; the file written is checked with it too.
    private func prepare(
        _ input: FileSource, report: ValidationReport, caption: String?, in folder: TemporaryFolder,
        ffmpeg: FFmpegCapabilities
    ) async throws -> PreparedMedia {
        let rejections = report.rejections
        guard rejections.isEmpty else { throw WabaMediaError.rejected(report: report, blocking: rejections) }
        do {
            return try await prepareAccepted(input, report: report, caption: caption, in: folder, ffmpeg: ffmpeg)
        } catch var error as WabaMediaError {
            // A rejection carries the report that rejects (possibly of the file written); a failure, the check's.
            if error.report == nil { error.report = report }
            throw error
        }
    }

    private func prepareAccepted(
        _ input: FileSource, report: ValidationReport, caption: String?, in folder: TemporaryFolder,
        ffmpeg: FFmpegCapabilities
    ) async throws -> PreparedMedia {
        let path = input.path
        guard let plan = report.plan else {
            throw WabaMediaError(.transformFailed, "\(path): the check made no plan for it")
        }
        let outputStem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let written: Written
        let action: PreparedMedia.Action
        switch plan {
        case .refuse(let refusal):
            throw refused(report, refusal)
        case .keep:
            let steps = plan.steps
            return try await executor.run { [self] in
                try proveDecodes(input, report: report)
                try input.checkUnchanged()
                return PreparedMedia(
                    report: report, action: .kept, steps: steps, media: input, input: input,
                    mime: report.effectiveMIME, fileExtension: fileExtension(for: report.effectiveMIME, report),
                    preparedReport: nil, imageResult: nil)
            }
        case .removeMetadata:
            let output = folder.path(for: outputStem, extension: fileExtension(for: report.effectiveMIME, report))
            written = try await executor.run { [self] in try removeMetadata(input, report: report, into: output) }
            action = .removedMetadata
        case .fitImage:
            written = try await executor.run { [self] in
                // libheif reads a file the check's reduced decode refuses (a mirror it cannot apply
                // at 10 bits, a seek past the end) in part through the fitter's load: the check's
                // proof decides for these formats, so that send refuses what check refused.
                if MediaInspector.decodedFromTheFile.contains(report.inspection.mime) {
                    try proveDecodes(input, report: report)
                }
                return try fitImage(input, report: report) { mime in
                    folder.path(for: outputStem, extension: profile.canonicalExtension(for: mime) ?? "img")
                }
            }
            action = .fittedImage
        case .rewriteContainer(let rewrite):
            if let obstacle = rewrite.obstacle { throw obstacle.error(rewriting: report.inspection.file) }
            let output = folder.path(for: outputStem, extension: report.mediaType == .audio ? "m4a" : "mp4")
            let rewriteOptions = options.planning.rewriteOptions
            written = try await executor.run {
                let result = try ContainerRewriter.rewrite(input, output: output, options: rewriteOptions)
                return Written(file: output, steps: result.actions.map(\.summary), image: nil)
            }
            action = .rewroteContainer
        case .transcode(let plan):
            let output = folder.path(for: outputStem, extension: plan.outputExtension)
            let steps = try await transcode(input, plan: plan, output: output, in: folder, ffmpeg: ffmpeg)
            written = Written(file: output, steps: steps, image: nil)
            action = .transcoded
        }

        // What the preparation wrote is checked like an input before anything sends it, and its data
        // is proven: an image decoded at a reduced size, audio and video decoded whole.
        let (media, preparedReport) = try await executor.run { [self] in
            try input.checkUnchanged()
            let media = try FileSource(path: written.file)
            let inspection = inspect(media)
            return (media, judge(inspection, of: media, as: report.mediaType, caption: caption, ffmpeg: ffmpeg))
        }
        let stillBlocking = preparedReport.findingsBlockingSend
        guard stillBlocking.isEmpty else {
            throw WabaMediaError.rejected(report: preparedReport, blocking: stillBlocking, subject: path)
        }
        if case .transcode = plan { try checkDuration(of: preparedReport, against: report) }
        try await proveDecodes(written: media, report: preparedReport, subject: path, ffmpeg: ffmpeg)
        return PreparedMedia(
            report: report, action: action, steps: written.steps, media: media, input: input,
            mime: preparedReport.effectiveMIME, fileExtension: fileExtension(for: preparedReport.effectiveMIME, report),
            preparedReport: preparedReport, imageResult: written.image)
    }

    /// What a transform wrote: the file, what was done in words, and for a fitted image the fitter's result.
    private struct Written: Sendable {
        var file: String
        var steps: [String]
        var image: ImageFitResult?
    }

    /// The image's location or oversized metadata removed from its bytes, written to `output`.
    private func removeMetadata(_ input: FileSource, report: ValidationReport, into output: String) throws -> Written {
        try proveDecodes(input, report: report)
        let bytes = try input.read(at: 0, count: input.size)
        try input.checkUnchanged()
        let scrubbed = try MetadataScrubber.scrub(bytes, mime: report.inspection.mime, options: options.scrubbing)
        let file = try OutputFile(replacing: output, notOverwriting: [input])
        try file.withDescriptor { try OutputFile.writeAll($0, scrubbed.bytes, path: output) }
        try file.commit()
        return Written(
            file: output, steps: scrubbed.removed.map { "remove \($0)" } + ["keep everything else unchanged"])
    }

    /// The image re-encoded by ``ImageFitter`` into the path `output` names for the MIME type it writes.
    private func fitImage(_ input: FileSource, report: ValidationReport, output: (MIMEType) -> String) throws -> Written
    {
        let fitter = ImageFitter(
            profile: profile,
            options: .init(
                passThroughConforming: false, vipsConcurrency: options.vipsConcurrency,
                stripMetadata: options.stripMetadata, keepMetadata: options.keepMetadata),
            logger: logger)
        let result: ImageFitResult
        do {
            result = try fitter.fit(
                input, mime: report.inspection.mime, info: report.inspection.image, writingTo: output)
        } catch let error as WabaMediaError where error.code == .unsupportedInput {
            throw damaged(report, error)
        }
        guard let file = result.output else {
            throw WabaMediaError(.transformFailed, "\(input.path): the image fitter wrote nothing")
        }
        return Written(file: file, steps: result.steps, image: result)
    }

    /// Runs the transcode `plan` into `output` with `ffmpeg`, awaiting it: a cancelled task stops it
    /// (its partial output goes with the folder).
    private func transcode(
        _ input: FileSource, plan: TranscodePlan, output: String, in folder: TemporaryFolder,
        ffmpeg: FFmpegCapabilities
    ) async throws -> [String] {
        guard let resolved = ffmpeg.ffmpeg else {
            throw WabaMediaError(
                .transformFailed, "\(input.path) must be transcoded and ffmpeg is gone", hint: FFmpeg.installHint)
        }
        let transcoder = Transcoder(
            ffmpeg: resolved, plan: plan, options: options.transcode, keepMetadata: options.keepMetadata,
            progress: progress, executor: executor)
        logger?.debug("transcoding", metadata: ["file": "\(input.path)", "steps": "\(plan.steps)"])
        return try await transcoder.run(input, output: output, scratch: folder.path)
    }

    /// A transcode that ends early (a damaged stream ffmpeg stops reading without failing) is a
    /// failure, not a shorter video.
    private func checkDuration(of prepared: ValidationReport, against report: ValidationReport) throws {
        guard let before = report.transcodePlan?.durationSeconds, let after = prepared.inspection.av?.durationSeconds
        else { return }
        guard abs(after - before) <= max(0.5, before * 0.02) else {
            throw WabaMediaError(
                .transformFailed,
                "the transcoded file plays \(Seconds(after)), the input \(Seconds(before)): part of the input could not be read",
                hint: "the input may be damaged: export or download it again")
        }
    }

    /// Proves the data of an image whose own pixels are passed on intact: every structure cut off
    /// or corrupt, then a decode at a reduced size.
    private func proveDecodes(_ input: FileSource, report: ValidationReport) throws {
        guard report.mediaType == .image, report.inspection.image != nil else { return }
        do {
            if case .damaged(let reason) = try ImageStructure.verify(input, mime: report.inspection.mime) {
                throw WabaMediaError(
                    .unsupportedInput, "the image is damaged: \(reason)", hint: "export or download it again")
            }
            try ImageSource.file(input).verify(mime: report.inspection.mime)
        } catch let error as WabaMediaError where error.code == .unsupportedInput {
            throw damaged(report, error)
        }
    }

    /// Proves the data of a file the preparation wrote, before it is handed on: an image decoded at
    /// a reduced size, audio and video decoded whole by ffmpeg (``DecodeProof``). A container
    /// rewrite made without any ffmpeg on the machine is proven by its structure alone.
    private func proveDecodes(
        written media: FileSource, report: ValidationReport, subject: String, ffmpeg: FFmpegCapabilities
    ) async throws {
        switch report.mediaType {
        case .image where report.inspection.image != nil:
            let mime = report.inspection.mime
            try await executor.run {
                do {
                    try ImageSource.file(media).verify(mime: mime)
                } catch let error as WabaMediaError {
                    throw WabaMediaError(
                        .transformFailed, "what \(subject) was converted into does not decode: \(error.message)",
                        hint: "the input may be damaged: export or download it again", cause: error)
                }
            }
        case .audio, .video:
            // Decoding needs no encoder: the executable alone serves when its encoders are not known yet.
            guard
                let ffmpeg = ffmpeg.ffmpeg
                    ?? options.transcode.lookup?.executable.map({ FFmpeg(path: $0, encoders: []) })
            else { return }
            _ = try await DecodeProof(ffmpeg: ffmpeg).decodedSeconds(
                of: media.path, subject: subject, expectedSeconds: report.inspection.av?.durationSeconds)
        default:
            return
        }
    }

    /// Damage a decode found is a property of the file: a finding, not a failure.
    private func damaged(_ report: ValidationReport, _ error: WabaMediaError) -> WabaMediaError {
        let damaged = report.adding(
            Finding(.unreadable, .rejected, message: error.message, hint: error.hint ?? "export it again"))
        var rejection = WabaMediaError.rejected(report: damaged, blocking: damaged.rejections)
        rejection.cause = error
        return rejection
    }

    /// The extension the content calls for, else the input's own.
    private func fileExtension(for mime: MIMEType, _ report: ValidationReport) -> String {
        profile.format(for: mime, as: report.mediaType)?.fileExtension
            ?? URL(fileURLWithPath: report.inspection.file).pathExtension
    }

    /// Why a file the plan refuses is not prepared.
    private func refused(_ report: ValidationReport, _ refusal: PreparationPlan.Refusal) -> WabaMediaError {
        switch refusal {
        case .rejected(let findings): .rejected(report: report, blocking: findings)
        case .noTransform(let findings): nothingMakesItConform(report, findings)
        case .unreadableImage: nothingMakesItConform(report, report.findingsNeedingTransform)
        }
    }

    private func nothingMakesItConform(_ report: ValidationReport, _ findings: [Finding]) -> WabaMediaError {
        .rejected(
            report: report, blocking: findings,
            message:
                "\(report.inspection.file) must be transformed before it can be sent as \(report.mediaType) "
                + "(\(findings.map(\.code.rawValue).joined(separator: ", "))), and nothing in the pipeline does that yet"
        )
    }
}
