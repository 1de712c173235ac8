/// What preparation does to a file, decided by the ``PreparationPlanner`` before anything is
/// written: `check` says it, the HTML report shows it and `prepare` runs it.
public enum PreparationPlan: Sendable, Hashable, CustomStringConvertible {
    /// Sent as it is, under a name that matches its content.
    case keep(Keep)
    /// An image sent as it is but for its location or oversized metadata, removed from the bytes
    /// (``MetadataScrubber``): nothing is re-encoded.
    case removeMetadata(MetadataRemoval)
    /// An image re-encoded to fit (``ImageFitter``).
    case fitImage(ImageFitPlan)
    /// A video's or an audio file's boxes rewritten, its samples copied (``ContainerRewriter``). When
    /// the plan names an obstacle, preparing the file fails with the obstacle's error.
    case rewriteContainer(ContainerRewritePlan)
    /// Re-encoded or remuxed by ffmpeg.
    case transcode(TranscodePlan)
    /// It cannot be sent, or nothing in the pipeline makes it conform: preparing it rejects it.
    case refuse(Refusal)

    /// A file sent as it is.
    public struct Keep: Sendable, Hashable {
        /// The extension its content calls for, when its name has another: it is sent under that name.
        public var renamedTo: String?
    }

    /// What is removed from an image's bytes.
    public struct MetadataRemoval: Sendable, Hashable {
        /// Metadata blocks too large to read safely (`zTXt chunk 'Raw profile type exif' of 40 MB`).
        public var oversized: [String]
        /// Where the image records its location (`EXIF GPS`); empty when the location is kept.
        public var location: [String]
    }

    /// Why a file is not prepared.
    public enum Refusal: Sendable, Hashable {
        /// The findings that reject it.
        case rejected([Finding])
        /// An image whose header was not among the bytes read (the first bytes of a URL's content).
        case unreadableImage
        /// Findings only a transform fixes, and none in the pipeline does.
        case noTransform([Finding])
    }

    /// What preparation does, in words people read.
    public var steps: [String] {
        switch self {
        case .keep(let keep):
            keep.renamedTo.map { ["named .\($0) after its content"] } ?? ["keep unchanged"]
        case .removeMetadata(let removal):
            removal.oversized.map { "remove the \($0)" } + removal.location.map { "remove the location (\($0))" }
                + ["keep everything else unchanged"]
        case .fitImage(let fit): fit.steps
        case .rewriteContainer(let rewrite): rewrite.actions.map(\.summary)
        case .transcode(let transcode): transcode.steps
        case .refuse(.rejected(let findings)): findings.map { "refuse: \($0.message)" }
        case .refuse(.unreadableImage): ["refuse: not a readable image"]
        case .refuse(.noTransform(let findings)):
            ["refuse: nothing in the pipeline fixes \(findings.map(\.code.rawValue).joined(separator: ", "))"]
        }
    }

    /// What a report says `prepare` would do. A file kept has nothing to announce, and neither has
    /// one refused for its findings: they say why.
    var plannedSteps: [String] {
        switch self {
        case .keep, .refuse(.rejected), .refuse(.noTransform): []
        default: steps
        }
    }

    public var description: String { steps.joined(separator: "; ") }

    /// The transcode, when the plan is one.
    var transcode: TranscodePlan? {
        if case .transcode(let plan) = self { return plan }
        return nil
    }
}

extension ValidationReport {
    /// The transcode that makes the file conform, when one does.
    var transcodePlan: TranscodePlan? { plan?.transcode }
}
