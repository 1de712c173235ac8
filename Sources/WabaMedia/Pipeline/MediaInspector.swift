/// The detect and probe stages: what a file is, from its bytes alone.
public struct MediaInspector: Sendable {
    public struct Options: Sendable, Hashable {
        /// How far to go to prove an image's data is intact.
        public var imageVerification: ImageVerification
        /// Images with more pixels are not decoded at all: validation refuses them from the header.
        public var maxPixelsToVerify: Int

        public init(imageVerification: ImageVerification = .structure, maxPixelsToVerify: Int = 100_000_000) {
            self.imageVerification = imageVerification
            self.maxPixelsToVerify = maxPixelsToVerify
        }
    }

    public var detector: MIMEDetector
    public var options: Options

    public init(detector: MIMEDetector, options: Options = Options()) {
        self.detector = detector
        self.options = options
    }

    /// Files up to this size are read whole, once, and every stage works on those bytes; larger
    /// ones are read piecemeal, each stage taking only what it needs.
    public static let wholeReadLimit = 4 << 20

    /// Inspects the file at `path`.
    public func inspect(path: String) throws -> Inspection {
        try inspect(FileSource(path: path))
    }

    /// Inspects a file that is already open, reading it through that descriptor only: the
    /// inspection describes the very bytes a later stage reads from the same source.
    public func inspect(_ source: FileSource) throws -> Inspection {
        let path = source.path
        if source.size <= Self.wholeReadLimit {
            let contents = try source.read(at: 0, count: source.size)
            try source.checkUnchanged()
            return try inspect(path: path, contents: contents, file: source)
        }
        var inspection = try inspect(source, name: path)
        if ImageInfo.loaders[inspection.mime] != nil {
            // libvips takes a path: the descriptor's own, so it reads the inode that was opened.
            let reopenable = source.reopenablePath
            do {
                let image = try ImageInfo(path: reopenable, mime: inspection.mime)
                    .completed(from: source, mime: inspection.mime)
                inspection.image = image
                inspection.imageDamage = try verifyImageData(of: image, mime: inspection.mime, in: .file(source)) {
                    try ImageStructure.verify(source, mime: inspection.mime)
                }
            } catch let error as WabaMediaError where error.code == .unsupportedInput {
                // A cut-off file often fails in the loader's header already: the structure says where.
                let structure = try? ImageStructure.verify(source, mime: inspection.mime)
                inspection.imageDamage = structure?.damage ?? error.message
            }
        }
        try source.checkUnchanged()
        return inspection
    }

    /// Inspects the file at `path` from its whole content, already read into `contents`.
    public func inspect(path: String, contents: [UInt8]) throws -> Inspection {
        try inspect(path: path, contents: contents, file: nil)
    }

    /// Loaders that seek past the end of the data they are given (libheif asks for bytes beyond a
    /// small file's end): from memory libvips refuses that seek, from a file it reads nothing there.
    /// Their data is proven from the file, as the preparation decodes it.
    static let decodedFromTheFile: Set<MIMEType> = [.heic, .heif, .avif]

    /// ``inspect(path:contents:)``, the image's data proven from `file` where its loader needs a file.
    func inspect(path: String, contents: [UInt8], file: FileSource?) throws -> Inspection {
        var inspection = try inspect(MemorySource(contents) as any ByteSource, name: path)
        if ImageInfo.loaders[inspection.mime] != nil {
            do {
                let parsed = contents.withUnsafeBytes { ImageHeaderParser.parse($0, mime: inspection.mime) }
                let image = try (parsed ?? ImageInfo(bytes: contents, mime: inspection.mime))
                    .completed(from: MemorySource(contents), mime: inspection.mime)
                inspection.image = image
                let decoded: ImageSource =
                    if let file, Self.decodedFromTheFile.contains(inspection.mime) {
                        .file(file)
                    } else {
                        .bytes(contents, name: path)
                    }
                inspection.imageDamage = try verifyImageData(of: image, mime: inspection.mime, in: decoded) {
                    contents.withUnsafeBytes { ImageStructure.verify($0, mime: inspection.mime) }
                }
            } catch let error as WabaMediaError where error.code == .unsupportedInput {
                // A cut-off file often fails in the loader's header already: the structure says where.
                let structure = contents.withUnsafeBytes { ImageStructure.verify($0, mime: inspection.mime) }
                inspection.imageDamage = structure.damage ?? error.message
            }
        }
        return inspection
    }

    /// Inspects content held in memory: a whole file, or the first bytes of a remote one.
    public func inspect(_ source: MemorySource, name: String) throws -> Inspection {
        var inspection = try inspect(source as any ByteSource, name: name)
        if ImageInfo.loaders[inspection.mime] != nil {
            do {
                inspection.image = try ImageInfo(bytes: source.bytes, mime: inspection.mime)
                    .completed(from: source, mime: inspection.mime)
            } catch let error as WabaMediaError where error.code == .unsupportedInput {
                // A remote asset's first bytes may hold too little of the header to read.
                if source.isComplete { inspection.imageDamage = error.message }
            }
        }
        return inspection
    }

    /// Why the image's data is not intact, or nil when it is (or was not looked at).
    private func verifyImageData(
        of image: ImageInfo, mime: MIMEType, in source: ImageSource, structure: () throws -> ImageStructure.Result
    ) throws -> String? {
        // A decode finds damage inside compressed data; the structure finds every cut, even one a
        // reduced-size decode reads past: `decode` does both.
        if options.imageVerification != .header {
            switch try structure() {
            case .intact: if options.imageVerification == .structure { return nil }
            case .damaged(let reason): return reason
            case .notChecked: break
            }
        }
        guard options.imageVerification != .header, image.pixelCount <= options.maxPixelsToVerify else { return nil }
        return try source.damage(mime: mime)
    }

    private func inspect(_ source: any ByteSource, name: String) throws -> Inspection {
        var detection = try detector.detect(source, fileName: name)
        var av: AVInfo?
        do {
            av = try AVProbe.probe(source, mime: detection.mime)
        } catch let error as WabaMediaError where error.code == .incompleteData {
            av = nil
        }
        if let refined = av?.refinedMIME, refined != detection.mime {
            detection.mime = refined
            detection.refinement = detection.refinement ?? "tracks"
        }
        return Inspection(file: name, size: source.size, detection: detection, av: av)
    }
}
