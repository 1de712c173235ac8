import Foundation
public import Logging

/// The transform stage: makes a fixable file conform, writing the result to a new file.
///
/// Images go through ``ImageFitter`` (re-encoded to fit); MP4, QuickTime and M4A files through
/// ``ContainerRewriter`` (boxes rewritten, samples copied, nothing re-encoded). The input is never
/// modified.
public struct MediaTransformer: Sendable {
    public var profile: MediaProfile
    public var imageOptions: ImageFitter.Options
    public var containerOptions: ContainerRewriteOptions
    public var logger: Logger?

    public init(
        profile: MediaProfile, imageOptions: ImageFitter.Options = .init(),
        containerOptions: ContainerRewriteOptions = .init(), logger: Logger? = nil
    ) {
        self.profile = profile
        self.imageOptions = imageOptions
        self.containerOptions = containerOptions
        self.logger = logger
    }

    /// Transforms the file at `path`, which `report` judged, into `outputPath(extension)`.
    ///
    /// - Parameter outputPath: given the output's canonical extension, returns where to write it.
    /// - Returns: nil when the report asks for nothing the transform stage does.
    public func transform(
        _ path: String, report: ValidationReport, writingTo outputPath: (_ fileExtension: String) -> String
    ) throws -> TransformedMedia? {
        switch report.mediaType {
        case .image:
            let fitter = ImageFitter(profile: profile, options: imageOptions, logger: logger)
            let result = try fitter.fit(path: path, mime: report.inspection.mime) { mime in
                outputPath(profile.canonicalExtension(for: mime) ?? "jpg")
            }
            guard let output = result.output else { return nil }
            return TransformedMedia(path: output, mime: result.outputMIME, steps: result.steps)
        case .video, .audio:
            guard let av = report.inspection.av else { return nil }
            let plan = ContainerRewriter.plan(for: av, options: containerOptions)
            if let obstacle = plan.obstacle, !plan.actions.isEmpty {
                throw WabaMediaError(
                    .transformFailed, "\(path) cannot be rewritten: \(obstacle)",
                    hint: "check --audio-track (counted from 0), or convert it with ffmpeg as 'wamedia check' suggests")
            }
            guard plan.isNeeded else { return nil }
            let fileExtension = report.mediaType == .audio ? "m4a" : "mp4"
            let output = outputPath(fileExtension)
            let result = try ContainerRewriter.rewrite(input: path, output: output, options: containerOptions)
            return TransformedMedia(path: output, mime: result.outputMIME, steps: result.actions.map(\.summary))
        case .document:
            return nil
        }
    }

    /// A ``SendPreparer/Transform`` that writes into the system's temporary folder; the caller
    /// removes ``TransformedMedia/path`` when done with it.
    public func temporaryFileTransform() -> SendPreparer.Transform {
        { path, report in
            let stem = ((path as NSString).lastPathComponent as NSString).deletingPathExtension
            return try transform(path, report: report) { fileExtension in
                (NSTemporaryDirectory() as NSString).appendingPathComponent(
                    "wamedia-\(UUID().uuidString.prefix(8))-\(stem).\(fileExtension)")
            }
        }
    }
}
