internal import CVipsShim
import Foundation

/// What an image's header says, read with libvips without decoding its pixels.
public struct ImageInfo: Sendable, Hashable, Codable {
    public var width: Int
    public var height: Int
    public var bands: Int
    /// Bits per sample as stored: a PNG's 1, 2 or 4 (which libvips unpacks to 8 on loading) count as such.
    public var bitsPerSample: Int
    /// The colour interpretation, as libvips names it.
    public var colourSpace: ColourSpace
    /// EXIF orientation, 1 (upright) to 8.
    public var orientation: Int
    public var hasAlpha: Bool
    public var hasICCProfile: Bool
    public var hasEXIF: Bool
    public var hasXMP: Bool
    /// Frames or pages: more than one for an animated GIF or WebP.
    public var pages: Int
    /// ``pages`` is where counting stopped (``AnimationScan/maxFrames``): the file holds more.
    public var pageCountIsLowerBound = false
    /// For an animated GIF or WebP: how long one play lasts, the sum of its frames' delays as
    /// they are shown (10 ms or less counts as 100 ms); nil for a still image, or when the delays
    /// could not be read. A lower bound when ``pageCountIsLowerBound``.
    public var durationSeconds: Double?
    /// For an animation: the largest delay, in milliseconds, that divides every frame's.
    var commonDelayMilliseconds: Int?
    /// The libvips loader that reads it (`jpegload`, `heifload`, ...).
    public var loader: String
    /// What in the file carries a location (`EXIF GPS`, `XMP GPS`); empty when nothing does.
    public var location: [String] = []
    /// Metadata blocks too large to read safely, possible decompression bombs, in words
    /// (`zTXt chunk (350.0 kB compressed)`); see ``MetadataLimits``.
    public var oversizedMetadata: [String] = []
    /// What is wrong with an animated PNG's frame sequence, when something is.
    public var animationProblem: String?
    /// Whether a PNG has an `acTL` chunk, wherever and whatever it announces: APNG readers may
    /// animate it, so it is sent as a plain PNG of its first frame.
    public var hasAnimationControl = false
    /// The embedded ICC profile of a JPEG or PNG, as far as telling sRGB from other colours needs;
    /// nil without one, for other types, or when it cannot be read whole.
    public var colourProfile: ColourProfile?

    /// Whether the image is animated: more than one frame, or a PNG with animation chunks.
    public var isAnimated: Bool { pages > 1 || hasAnimationControl }

    public var pixelCount: Int { width * height }
    public var longEdge: Int { Swift.max(width, height) }
    /// Whether turning the image into sRGB needs an ICC transform. An untagged image is sRGB already,
    /// and building lcms' sRGB-to-sRGB transform for it costs more than decoding a small image.
    var needsColourManagement: Bool { hasICCProfile || colourSpace == .cmyk }

    /// Whether the samples are 8-bit and the colours RGB(A) or grey, as WhatsApp needs.
    public var isEightBitRGBOrGrey: Bool {
        bitsPerSample == 8 && colourSpace.isRGBOrGrey && bands <= 4
    }

    /// The frame count in words: `12 frames`, or `at least 100000 frames` when counting stopped.
    public var framesDescription: String {
        (pageCountIsLowerBound ? "at least " : "") + "\(pages) frames"
    }

    enum CodingKeys: String, CodingKey {
        case width, height, bands, orientation, pages, loader
        case bitsPerSample = "bits_per_sample"
        case colourSpace = "colour_space"
        case hasAlpha = "has_alpha"
        case hasICCProfile = "has_icc_profile"
        case hasEXIF = "has_exif"
        case hasXMP = "has_xmp"
        case location
        case oversizedMetadata = "oversized_metadata"
        case animationProblem = "animation_problem"
        case pageCountIsLowerBound = "page_count_is_lower_bound"
        case durationSeconds = "duration_seconds"
        case colourProfile = "colour_profile"
    }

    /// The header completed with what only the file's metadata blocks say (``ImageMetadataScan``):
    /// the stored bit depth, an APNG's frames, a GIF's or WebP's frames and how long they play,
    /// where a location is stored, oversized blocks.
    func completed(from source: some ByteSource, mime: MIMEType) -> ImageInfo {
        let scan = ImageMetadataScan.scan(source, mime: mime)
        var info = self
        if let stored = scan.storedBitsPerSample, stored < 8 { info.bitsPerSample = stored }
        if let frames = scan.frames, frames > 1 { info.pages = frames }
        info.location = scan.location
        info.oversizedMetadata = scan.oversized
        info.animationProblem = scan.animationProblem
        info.hasAnimationControl = scan.hasAnimationControl
        info.colourProfile = info.hasICCProfile ? ColourProfile.read(source, mime: mime) : nil
        if let animation = AnimationScan.scan(source, mime: mime) {
            // The walk counts past libvips' limit; a walk that stopped at damage leaves libvips' count.
            if animation.complete || animation.capped { info.pages = animation.frames }
            info.pageCountIsLowerBound = animation.capped
            if info.pages > 1 {
                info.durationSeconds = animation.seconds
                info.commonDelayMilliseconds = animation.commonDelay
            }
        }
        return info
    }
}

extension ImageInfo {
    /// The libvips loader each image type must be read by. Types not listed never reach libvips:
    /// the content decides the loader, so a file cannot steer itself to another one.
    public static let loaders: [MIMEType: String] = [
        .jpeg: "jpegload", .png: "pngload", .webp: "webpload", .gif: "gifload",
        .heic: "heifload", .heif: "heifload", .avif: "heifload", .tiff: "tiffload",
        .bmp: "magickload", .portablePixmap: "ppmload", .portableGreymap: "ppmload",
        .portableBitmap: "ppmload", .portableFloatmap: "ppmload", .jpeg2000: "jp2kload",
        .jpeg2000Codestream: "jp2kload",
    ]

    /// Reads the header of the image file at `path`, whose content was detected as `mime`.
    /// - Throws: ``WabaMediaError`` `unsupported-input` when the type has no loader or it cannot read the file.
    public init(path: String, mime: MIMEType) throws {
        let loader = try Self.loader(for: mime)
        try Vips.start()
        var header = wm_image_header()
        guard wm_vips_read_header_file(path, loader, &header) == 0 else {
            throw WabaMediaError(.unsupportedInput, "\(path): not a readable image: \(Vips.takeError())")
        }
        self.init(header)
    }

    /// Reads the header of an image held in memory (possibly only its first bytes).
    public init(bytes: [UInt8], mime: MIMEType) throws {
        let loader = try Self.loader(for: mime)
        try Vips.start()
        var header = wm_image_header()
        let result = bytes.withUnsafeBytes { wm_vips_read_header_buffer($0.baseAddress, $0.count, loader, &header) }
        guard result == 0 else {
            throw WabaMediaError(.unsupportedInput, "not a readable image: \(Vips.takeError())")
        }
        self.init(header)
    }

    /// The loader nickname for `mime`.
    /// - Throws: ``WabaMediaError`` `unsupported-input` for image types this project does not decode (SVG, ...).
    public static func loader(for mime: MIMEType) throws -> String {
        guard let loader = loaders[mime] else {
            throw WabaMediaError(
                .unsupportedInput, "\(mime.describedForPeople) is not an image type wamedia decodes",
                hint: "convert it to JPEG or PNG first")
        }
        return loader
    }

    private init(_ header: wm_image_header) {
        var header = header
        let loader = withUnsafeBytes(of: &header.loader) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let colourSpace = withUnsafeBytes(of: &header.interpretation_name) {
            ColourSpace(rawValue: String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self))
        }
        self.init(
            width: Int(header.width), height: Int(header.height), bands: Int(header.bands),
            bitsPerSample: Int(header.bits_per_sample), colourSpace: colourSpace,
            orientation: Int(header.orientation), hasAlpha: header.has_alpha != 0,
            hasICCProfile: header.has_icc_profile != 0, hasEXIF: header.has_exif != 0,
            hasXMP: header.has_xmp != 0, pages: Int(header.pages), loader: loader)
    }
}
