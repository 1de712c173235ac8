import Foundation

/// A file made ready to send: what was checked, what was done, and the bytes to send, open.
public struct PreparedMedia: Sendable {
    /// What the preparation did.
    public enum Action: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// Sent as it is (possibly under a name that matches its content).
        case kept
        /// Sent as it is but for its location or oversized metadata, removed from the bytes
        /// (``MetadataScrubber``): every other byte is the input's.
        case removedMetadata = "removed-metadata"
        /// Re-encoded by ``ImageFitter``.
        case fittedImage = "fitted-image"
        /// Boxes rewritten by ``ContainerRewriter``, samples copied.
        case rewroteContainer = "rewrote-container"
        /// Re-encoded or remuxed by ffmpeg (``TranscodeOptions``).
        case transcoded

        public var description: String { rawValue }
    }

    /// The check of the input.
    public let report: ValidationReport
    public let action: Action
    /// What was done, in words (`resized to 4096 px`, `encode JPEG at quality 82`).
    public let steps: [String]
    /// The bytes to send: the input itself, or the file the preparation wrote, open.
    public let media: FileSource
    /// The input, open since the check.
    public let input: FileSource
    /// The MIME type of ``media``.
    public let mime: MIMEType
    /// The extension ``mime`` calls for in the profile (the input's own when it names none).
    public let fileExtension: String
    /// The check of the file the preparation wrote; nil when the input is sent as it is.
    public let preparedReport: ValidationReport?
    /// What the image fitter did, for images it fitted.
    public let imageResult: ImageFitResult?

    /// The size of what is sent.
    public var size: Int { media.size }

    /// The report that describes what is sent.
    public var finalReport: ValidationReport { preparedReport ?? report }

    /// Writes the prepared bytes to `path`, atomically: the target is replaced whole, or not at all.
    /// A symbolic link is written through; a device or FIFO is written into.
    ///
    /// - Throws: ``WabaMediaError`` `invalid-argument` when `path` is the input (by inode),
    ///   `source-changed` when the input was written to meanwhile, `io-error` when writing fails.
    public func write(to path: String) throws {
        let output = try OutputFile(replacing: path, notOverwriting: [input, media])
        try output.withDescriptor { descriptor in
            var offset = 0
            while offset < media.size {
                let chunk = try media.read(at: offset, count: 1 << 20)
                guard !chunk.isEmpty else { break }
                try OutputFile.writeAll(descriptor, chunk, path: path)
                offset += chunk.count
            }
        }
        try media.checkUnchanged()
        try output.commit()
    }
}
