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

    /// What ``conform(_:report:writingTo:)`` wrote.
    public struct Conformed: Sendable, Hashable {
        public enum Action: String, Sendable, Hashable, Codable {
            /// Written by the transform stage.
            case transformed
            /// Copied byte for byte.
            case copied
        }

        public var path: String
        public var mime: String
        public var action: Action
        public var steps: [String]
    }

    /// Writes a file that is not rejected in its sendable form: transformed when the report says it
    /// is fixable, else copied unchanged under the extension its content calls for.
    ///
    /// - Parameter outputPath: given the output's extension, returns where to write it.
    /// - Throws: ``WabaMediaError``: the output would overwrite the input, the transform failed, or a
    ///   fixable file has nothing in the pipeline that makes it conform.
    public func conform(
        _ path: String, report: ValidationReport, writingTo outputPath: (_ fileExtension: String) -> String
    ) throws(WabaMediaError) -> Conformed {
        let input = URL(fileURLWithPath: path).standardizedFileURL.path
        func guardedOutput(_ fileExtension: String) throws(WabaMediaError) -> String {
            let target = outputPath(fileExtension)
            guard URL(fileURLWithPath: target).standardizedFileURL.path != input else {
                throw WabaMediaError(
                    .invalidArgument, "\(path): the output would overwrite the input",
                    hint: "give -o another file or a folder")
            }
            return target
        }
        let canonical = profile.format(for: report.effectiveMIME, as: report.mediaType)?.fileExtension
        let ownExtension = URL(fileURLWithPath: path).pathExtension
        do {
            if report.verdict == .fixable {
                _ = try guardedOutput(canonical ?? ownExtension)
                if let transformed = try transform(path, report: report, writingTo: outputPath) {
                    return Conformed(
                        path: transformed.path, mime: transformed.mime, action: .transformed, steps: transformed.steps)
                }
                if canonical == nil {
                    throw WabaMediaError(
                        .transformFailed, "\(path): nothing in the pipeline makes this \(report.mediaType) conform yet",
                        hint: "convert it by hand; the findings say what is wrong")
                }
            }
            let target = try guardedOutput(canonical ?? ownExtension)
            if FileManager.default.fileExists(atPath: target) { try FileManager.default.removeItem(atPath: target) }
            try FileManager.default.copyItem(atPath: path, toPath: target)
            let steps =
                canonical.map { $0 != ownExtension.lowercased() ? ["named .\($0) after its content"] : [] } ?? []
            return Conformed(path: target, mime: report.effectiveMIME, action: .copied, steps: steps)
        } catch let error as WabaMediaError {
            throw error
        } catch {
            throw WabaMediaError(.transformFailed, "\(path): \(error)", hint: "check the output folder")
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
