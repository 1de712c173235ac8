import Foundation

/// Decides what preparation does to a file: the one place that does.
///
/// It reads the validator's report (the inspection and its findings), the profile, the options
/// and the ffmpeg at hand, and concludes: what a transcode fixes becomes fixable, what no transcode
/// can do is added as a finding, and the file gets its ``PreparationPlan``.
/// `check`'s verdict and planned steps, the HTML report and `prepare` all read that one conclusion.
/// Pure: it reads nothing and never waits for ffmpeg, whose capabilities are handed to it.
public struct PreparationPlanner: Sendable {
    /// What the caller asks of a preparation, as far as it changes the plan.
    public struct Options: Sendable, Hashable {
        /// Re-save images that are sendable as they are but carry EXIF/XMP metadata.
        public var stripMetadata: Bool
        /// Keep the location and other metadata of files sent as they are.
        public var keepMetadata: Bool
        /// What a container rewrite may change; its `keepMetadata` is ``keepMetadata``'s.
        public var container: ContainerRewriteOptions
        /// What audio that must be transcoded becomes; nil: the profile's ``AudioRules/transcodeTo``.
        public var audioAs: AudioTarget?

        public init(
            stripMetadata: Bool = false, keepMetadata: Bool = false, container: ContainerRewriteOptions = .init(),
            audioAs: AudioTarget? = nil
        ) {
            self.stripMetadata = stripMetadata
            self.keepMetadata = keepMetadata
            self.container = container
            self.audioAs = audioAs
        }

        /// The container options as the rewrite applies them.
        var rewriteOptions: ContainerRewriteOptions {
            var options = container
            options.keepMetadata = keepMetadata
            return options
        }

        /// The audio track kept (from 0), by a rewrite and a transcode alike.
        var audioTrack: Int? { container.audioTrack }
    }

    public var profile: MediaProfile
    public var options: Options
    /// The ffmpeg a transcode would run with.
    public var ffmpeg: FFmpegCapabilities

    public init(profile: MediaProfile = .whatsappCloud, options: Options = .init(), ffmpeg: FFmpegCapabilities) {
        self.profile = profile
        self.options = options
        self.ffmpeg = ffmpeg
    }

    /// Whether the plan for this inspection may be a transcode, and so depend on ffmpeg's encoders:
    /// audio and video, and animations, which may be sent as video. Only then need a caller know them.
    public static func mayTranscode(_ inspection: Inspection) -> Bool {
        inspection.av != nil || (inspection.image?.pages ?? 1) > 1
    }

    /// `report` with the planner's conclusions: the findings as a transcode leaves them, and the plan.
    /// A report is concluded once, as the validator made it.
    public func conclude(_ report: ValidationReport) -> ValidationReport {
        let transcode = TranscodePlanner(profile: profile, options: options, ffmpeg: ffmpeg).decide(report)
        var concluded = report
        concluded.findings = transcode.applied(to: report.findings)
        let rejections = concluded.rejections
        concluded.plan =
            rejections.isEmpty ? plan(for: concluded, transcode: transcode.plan) : .refuse(.rejected(rejections))
        return concluded
    }

    /// Findings the scrubber alone fixes.
    static let removedFromBytes: Set<Finding.Code> = [.location, .oversizedMetadata]

    private func plan(for report: ValidationReport, transcode: TranscodePlan?) -> PreparationPlan {
        if let transcode { return .transcode(transcode) }
        let needsTransform = report.findingsNeedingTransform
        switch report.mediaType {
        case .image:
            return imagePlan(for: report, needsTransform: needsTransform)
        case .video, .audio:
            if let av = report.inspection.av {
                let rewrite = ContainerRewriter.plan(for: av, options: options.rewriteOptions)
                if !rewrite.actions.isEmpty { return .rewriteContainer(rewrite) }
            }
            guard needsTransform.isEmpty else { return .refuse(.noTransform(needsTransform)) }
            return keep(report)
        case .document:
            guard needsTransform.isEmpty else { return .refuse(.noTransform(needsTransform)) }
            return keep(report)
        }
    }

    private func imagePlan(for report: ValidationReport, needsTransform: [Finding]) -> PreparationPlan {
        let inspection = report.inspection
        let carriesMetadata = inspection.image.map { $0.hasEXIF || $0.hasXMP } ?? false
        if !(options.stripMetadata && carriesMetadata) {
            if needsTransform.isEmpty { return keep(report) }
            if let image = inspection.image, needsTransform.allSatisfy({ Self.removedFromBytes.contains($0.code) }) {
                return .removeMetadata(
                    .init(oversized: image.oversizedMetadata, location: options.keepMetadata ? [] : image.location))
            }
        }
        guard let image = inspection.image else { return .refuse(.unreadableImage) }
        return .fitImage(ImageFitPlan(header: image, mime: inspection.mime, rules: profile.image))
    }

    /// The file sent as it is, named after its content when its own extension says otherwise.
    private func keep(_ report: ValidationReport) -> PreparationPlan {
        let canonical = profile.format(for: report.effectiveMIME, as: report.mediaType)?.fileExtension
        let given = URL(fileURLWithPath: report.inspection.file).pathExtension.lowercased()
        return .keep(.init(renamedTo: canonical.flatMap { $0 == given ? nil : $0 }))
    }
}
