import Foundation

/// Detect, probe and validate in one call: what `wamedia check` does for each file.
public struct MediaChecker: Sendable {
    public var profile: MediaProfile
    public var inspector: MediaInspector
    public var validator: MediaValidator

    /// - Parameters:
    ///   - detector: share one across checkers; a new one is made when nil.
    ///   - imageVerification: how far to go to prove an image's data is intact.
    public init(
        profile: MediaProfile = .whatsappCloud, detector: MIMEDetector? = nil,
        imageVerification: ImageVerification = .structure
    ) throws {
        self.profile = profile
        self.inspector = MediaInspector(
            detector: try detector ?? MIMEDetector(),
            options: .init(imageVerification: imageVerification, maxPixelsToVerify: profile.image.maxInputPixels))
        self.validator = MediaValidator(profile: profile)
    }

    /// Checks the file at `path`. Never throws: a file that cannot be read is a rejected report
    /// whose finding says why.
    public func check(path: String, as mediaType: MediaType? = nil, caption: String? = nil) -> ValidationReport {
        do {
            let inspection = try inspector.inspect(path: path)
            return validator.validate(inspection, as: mediaType, caption: caption)
        } catch {
            return .unreadable(path, as: mediaType ?? .document, error: error)
        }
    }

    /// A sensible number of files to work on at once on this machine.
    public static var defaultConcurrency: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
