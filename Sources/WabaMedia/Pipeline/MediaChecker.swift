import Foundation

/// Detect, probe, validate and plan in one call: what `wamedia check` does for each file.
///
/// The one place where a report is made whole: the validator's findings, concluded by the planner
/// (what a transcode fixes, what cannot be done, and the plan). `check`, the HTML report and
/// ``MediaPreparer`` all read reports made here.
public struct MediaChecker: Sendable {
    public var profile: MediaProfile
    public var inspector: MediaInspector
    /// Judges an inspection against the profile: the findings.
    public var validator: MediaValidator
    /// Concludes the validator's report: what preparation does about the findings.
    public var planner: PreparationPlanner
    /// Finds the ffmpeg a transcode would run with (``FFmpegCapabilities/installed()``) for the
    /// reports ``judge(_:as:caption:named:)`` makes. It is awaited only for a file whose plan may be
    /// a transcode, so that checking images never starts ffmpeg. When nil, ``planner`` keeps its own.
    public var ffmpegLookup: (@Sendable () async -> FFmpegCapabilities)?

    /// - Parameters:
    ///   - detector: share one across checkers; a new one is made when nil.
    ///   - imageVerification: how far to go to prove an image's data is intact.
    ///   - preparation: what the preparation will be asked; the validator judges a location by its
    ///     `keepMetadata`, the planner plans by all of it.
    ///   - ffmpeg: the ffmpeg a transcode would run with (``FFmpegCapabilities/installed()`` awaits
    ///     the one this process finds); without one, a file that must be transcoded is rejected.
    public init(
        profile: MediaProfile = .whatsappCloud, detector: MIMEDetector? = nil,
        imageVerification: ImageVerification = .structure, preparation: PreparationPlanner.Options = .init(),
        ffmpeg: FFmpegCapabilities = .none
    ) throws {
        self.profile = profile
        self.inspector = MediaInspector(
            detector: try detector ?? MIMEDetector(),
            options: .init(imageVerification: imageVerification, maxPixelsToVerify: profile.image.maxInputPixels))
        self.validator = MediaValidator(profile: profile, keepMetadata: preparation.keepMetadata)
        self.planner = PreparationPlanner(profile: profile, options: preparation, ffmpeg: ffmpeg)
    }

    /// Checks the file at `path`. Never throws: a file that cannot be read is a rejected report
    /// whose finding says why.
    public func check(path: String, as mediaType: MediaType? = nil, caption: String? = nil) -> ValidationReport {
        do {
            return report(on: try inspector.inspect(path: path), as: mediaType, caption: caption)
        } catch {
            return .unreadable(path, as: mediaType ?? .document, error: error)
        }
    }

    /// The report on `inspection`: the validator's findings, as the planner concludes them.
    ///
    /// - Parameter fileName: the name the recipient sees, when it is not the inspected file's own:
    ///   its extension is judged. The report keeps the inspected file's name.
    public func report(
        on inspection: Inspection, as mediaType: MediaType? = nil, caption: String? = nil, named fileName: String? = nil
    ) -> ValidationReport {
        report(on: inspection, as: mediaType, caption: caption, named: fileName, adding: [])
    }

    /// The report on `inspection` with `found`, what was found beyond the validator's findings.
    func report(
        on inspection: Inspection, as mediaType: MediaType?, caption: String?, named fileName: String?,
        adding found: [Finding]
    ) -> ValidationReport {
        var named = inspection
        if let fileName { named.file = fileName }
        var report = validator.validate(named, as: mediaType, caption: caption).adding(contentsOf: found)
        report.inspection.file = inspection.file
        return planner.conclude(report)
    }

    /// ``report(on:as:caption:named:)``, planned with the ffmpeg ``ffmpegLookup`` finds when the plan
    /// may be a transcode.
    public func judge(
        _ inspection: Inspection, as mediaType: MediaType? = nil, caption: String? = nil, named fileName: String? = nil
    ) async -> ValidationReport {
        var checker = self
        if let ffmpegLookup, PreparationPlanner.mayTranscode(inspection) {
            checker.planner.ffmpeg = await ffmpegLookup()
        }
        let report = checker.report(on: inspection, as: mediaType, caption: caption, named: fileName)
        // A transcode reads the whole input: one ffmpeg cannot decode is refused here, as the
        // preparation would fail on it.
        // (An animation's frames are decoded by libvips, whose proof is the image check's.)
        guard case .file(let demuxer) = report.transcodePlan?.input, let ffmpeg = checker.planner.ffmpeg.ffmpeg,
            let problem = await DecodeProof(ffmpeg: ffmpeg).inputProblem(
                at: inspection.file, demuxer: demuxer, mediaType: report.mediaType,
                expectedSeconds: inspection.av?.durationSeconds)
        else { return report }
        let undecodable = Finding(
            .unreadable, .rejected, message: problem,
            hint: "the file is damaged or cut short: export or download it again")
        return checker.report(on: inspection, as: mediaType, caption: caption, named: fileName, adding: [undecodable])
    }

    /// The validator's report on the file at `path` alone, without the planner's conclusions: the
    /// file judged against the profile as the platform sees it, whatever a preparation could do
    /// about it. Never throws, like ``check(path:as:caption:)``.
    public func validate(path: String, as mediaType: MediaType? = nil, caption: String? = nil) -> ValidationReport {
        do {
            return validator.validate(try inspector.inspect(path: path), as: mediaType, caption: caption)
        } catch {
            return .unreadable(path, as: mediaType ?? .document, error: error)
        }
    }

    /// A sensible number of files to work on at once on this machine.
    public static var defaultConcurrency: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
