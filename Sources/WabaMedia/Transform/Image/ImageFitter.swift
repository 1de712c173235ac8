internal import CVipsShim
import Foundation
public import Logging

/// Makes an image fit a profile's image rules at the best quality its byte budget allows.
///
/// An input that already conforms (an accepted type, within the byte limit and the long edge,
/// 8-bit RGB or grey, upright) is returned byte for byte, without its location. Anything else is
/// opened with shrink-on-load, rotated upright, converted to 8-bit sRGB with every piece of
/// metadata dropped, and encoded as JPEG at the highest quality that fits, or kept as PNG when
/// its transparency matters and the PNG fits. Images with more pixels than the profile allows
/// are refused from their header, before any decoding.
///
/// Whether a file is fitted at all, kept or only scrubbed of its location is the
/// ``PreparationPlanner``'s decision: ``MediaPreparer`` runs the fitter only when the plan says so.
public struct ImageFitter: Sendable {
    public struct Options: Sendable, Hashable {
        /// A search that fits stops once the output reaches this share of the budget.
        public var targetFill: Double
        /// libvips worker threads per image; 0 keeps libvips' default (one per core).
        public var vipsConcurrency: Int
        /// Return conforming inputs untouched (but for the location, unless ``keepMetadata``). Off
        /// when the planner already decided the image is fitted.
        var passThroughConforming: Bool
        /// EXIF or XMP metadata alone makes an image non-conforming; the preparation's own default
        /// (``PreparationPlanner/Options/stripMetadata``): off.
        var stripMetadata: Bool
        /// Keep the location in an image passed through; the preparation's own default
        /// (``PreparationPlanner/Options/keepMetadata``): off. Re-encoded images never keep any metadata.
        var keepMetadata: Bool

        public init(targetFill: Double = 0.9, vipsConcurrency: Int = 0) {
            self.init(passThroughConforming: true, targetFill: targetFill, vipsConcurrency: vipsConcurrency)
        }

        init(
            passThroughConforming: Bool, targetFill: Double = 0.9, vipsConcurrency: Int = 0,
            stripMetadata: Bool = false, keepMetadata: Bool = false
        ) {
            self.passThroughConforming = passThroughConforming
            self.targetFill = targetFill
            self.vipsConcurrency = vipsConcurrency
            self.stripMetadata = stripMetadata
            self.keepMetadata = keepMetadata
        }

        var scrubbing: MetadataScrubber.Options { .init(removeLocation: !keepMetadata) }
    }

    public var rules: ImageRules
    public var options: Options
    public var logger: Logger?

    public init(rules: ImageRules, options: Options = Options(), logger: Logger? = nil) {
        self.rules = rules
        self.options = options
        self.logger = logger
    }

    public init(profile: MediaProfile, options: Options = Options(), logger: Logger? = nil) {
        self.init(rules: profile.image, options: options, logger: logger)
    }

    // MARK: - Entry points

    /// Fits the image file at `path` and returns the output in memory.
    /// - Parameter mime: the input's detected type, when known; otherwise libvips' loader decides.
    /// - Throws: ``WabaMediaError`` `unsupported-input` for unreadable, damaged or oversized
    ///   (too many pixels) images; `transform-failed` when no size fits.
    public func fit(path: String, mime: MIMEType? = nil) throws -> FittedImage {
        let outcome = try run(.file(FileSource(path: path)), mime: mime, info: nil, destination: .memory)
        return FittedImage(bytes: outcome.bytes ?? [], result: outcome.result)
    }

    /// Fits an image held in memory.
    public func fit(bytes: [UInt8], name: String = "image", mime: MIMEType? = nil) throws -> FittedImage {
        let outcome = try run(.bytes(bytes, name: name), mime: mime, info: nil, destination: .memory)
        return FittedImage(bytes: outcome.bytes ?? [], result: outcome.result)
    }

    /// Fits the image file at `path` and writes the output to a file, atomically: the output
    /// appears complete or not at all.
    /// - Parameters:
    ///   - info: the image's header when the caller already read it (an ``Inspection``'s), so
    ///     it is not read again; it must describe this file with this `mime`.
    ///   - outputPath: given the output's MIME type (`image/jpeg` or `image/png`), returns the
    ///     path to write. It must not be the input.
    public func fit(
        path: String, mime: MIMEType? = nil, info: ImageInfo? = nil,
        writingTo outputPath: (_ outputMIME: MIMEType) throws -> String
    ) throws -> ImageFitResult {
        try fit(FileSource(path: path), mime: mime, info: info, writingTo: outputPath)
    }

    /// Fits an image file that is already open, reading it through that descriptor only.
    public func fit(
        _ source: FileSource, mime: MIMEType? = nil, info: ImageInfo? = nil,
        writingTo outputPath: (_ outputMIME: MIMEType) throws -> String
    ) throws -> ImageFitResult {
        try withoutActuallyEscaping(outputPath) { choose in
            try run(.file(source), mime: mime, info: mime == nil ? nil : info, destination: .file(choose)).result
        }
    }

    /// Fits the image file at `path` and writes it to `outputPath`.
    public func fit(path: String, mime: MIMEType? = nil, writingTo outputPath: String) throws -> ImageFitResult {
        try fit(path: path, mime: mime, writingTo: { _ in outputPath })
    }

    /// The bytes without what ``MetadataScrubber`` removes under these options, or as they are.
    private func scrubbed(_ bytes: [UInt8], info: ImageInfo, mime: MIMEType) throws -> MetadataScrubber.Scrubbed {
        guard MetadataScrubber.hasWork(info, options: options.scrubbing) else {
            return MetadataScrubber.Scrubbed(bytes: bytes, removed: [], changedRanges: [])
        }
        return try MetadataScrubber.scrub(bytes, mime: mime, options: options.scrubbing)
    }

    /// Whether an image with this header, type and size may be passed through as it is.
    func conforms(_ image: ImageInfo, mime: MIMEType, size: Int) -> Bool {
        conformsApartFromMetadata(image, mime: mime, size: size)
            && (!options.stripMetadata || !(image.hasEXIF || image.hasXMP))
    }

    /// Whether the image needs only changes a PNG makes losslessly: metadata dropped, samples
    /// widened to 8 bits (a palette expanded), the first frame of an APNG kept. It then stays PNG
    /// when that fits.
    private func needsOnlyLosslessPNGChanges(_ image: ImageInfo, mime: MIMEType, size: Int) -> Bool {
        var widened = image
        widened.bitsPerSample = 8
        widened.pages = 1
        widened.hasAnimationControl = false
        if rules.requireRGB && widened.isGreyscale {
            // Grey to RGB(A) loses nothing: the PNG stays lossless.
            widened.bands += 2
            widened.colourSpace = .sRGB
        }
        if rules.requireSRGB {
            // Colours moved into sRGB at 8 bits: a PNG stays PNG.
            widened.colourProfile = nil
        }
        return mime == .png && conformsApartFromMetadata(widened, mime: mime, size: size)
    }

    private func conformsApartFromMetadata(_ image: ImageInfo, mime: MIMEType, size: Int) -> Bool {
        rules.formats.contains { $0.mime == mime } && size <= rules.maxBytes && image.isEightBitRGBOrGrey
            && image.longEdge <= rules.maxLongEdge && image.orientation == 1 && !image.isAnimated
            && (!image.hasAlpha || rules.keepPNGForAlpha) && !(rules.requireRGB && image.isGreyscale)
            && !(rules.requireSRGB && image.hasForeignColourProfile)
    }

    // MARK: - The run

    private func run(_ source: ImageSource, mime: MIMEType?, info knownInfo: ImageInfo?, destination: FitDestination)
        throws -> FitOutcome
    {
        try Vips.start()
        if options.vipsConcurrency > 0 { wm_vips_concurrency_set(Int32(options.vipsConcurrency)) }
        let started = ContinuousClock.now
        let inputMIME = try mime ?? source.detectMIME()
        let info = try knownInfo ?? source.header(mime: inputMIME)
        guard info.pixelCount <= rules.maxInputPixels else {
            throw WabaMediaError(
                .unsupportedInput,
                "\(source.name): \(info.width)×\(info.height) is \(Megapixels(info.pixelCount)), more than the "
                    + "profile's limit of \(Megapixels(rules.maxInputPixels)); refused before decoding",
                hint: "downscale the image before sending it, or raise image.max_input_pixels in a custom profile")
        }
        guard info.width > 0, info.height > 0 else {
            throw WabaMediaError(.unsupportedInput, "\(source.name): the image has no pixels")
        }
        // A decoder may read past what the structure check refuses (libtiff follows a looping chain
        // of directories to its first image): the fit refuses whatever `check` refuses.
        if let damage = try source.structuralDamage(mime: inputMIME) {
            throw WabaMediaError(
                .unsupportedInput, "\(source.name): the image data is damaged or truncated (\(damage))",
                hint: "export or download the image again from its original")
        }
        var context = RunContext(
            source: source, info: info, inputMIME: inputMIME, inputBytes: source.size, destination: destination)
        var removed: [String] = []
        if !info.oversizedMetadata.isEmpty {
            // Oversized blocks go before any decoder sees the file: a decoder may inflate them.
            let clean = try MetadataScrubber.scrub(try source.allBytes(), mime: inputMIME, options: options.scrubbing)
            removed = clean.removed
            context.source = .bytes(clean.bytes, name: source.name)
            context.info.oversizedMetadata = []
            if options.scrubbing.removeLocation { context.info.location = [] }
        }
        let size = context.source.size

        if options.passThroughConforming && conforms(context.info, mime: inputMIME, size: size) {
            try context.source.verify(mime: inputMIME)
            let kept = try scrubbed(try context.source.allBytes(), info: context.info, mime: inputMIME)
            removed += kept.removed
            context.steps =
                removed.isEmpty
                ? ["keep unchanged: already conforms"]
                : ["keep unchanged apart from: " + removed.joined(separator: ", ")]
            let outcome = try context.finish(
                bytes: kept.bytes, mime: inputMIME, width: info.width, height: info.height, quality: nil,
                passedThrough: true)
            log(outcome.result, started: started)
            return outcome
        }

        context.steps = removed.map { "remove \($0)" } + Self.conversionSteps(info: info, mime: inputMIME, rules: rules)
        let outcome = try transform(&context)
        log(outcome.result, started: started)
        return outcome
    }

    private func transform(_ context: inout RunContext) throws -> FitOutcome {
        let budget = rules.maxBytes
        let background = rules.background
        let opened = try open(context)
        let shape = opened.shape
        if shape.longEdge < context.info.longEdge {
            context.steps.append("resize \(context.info.width)×\(context.info.height) → \(shape.width)×\(shape.height)")
        }

        if shape.longEdge == context.info.longEdge
            && needsOnlyLosslessPNGChanges(context.info, mime: context.inputMIME, size: context.inputBytes)
        {
            // Only metadata to drop, samples to widen or frames to leave: a PNG stays PNG
            // (lossless) when it still fits.
            let memory = try decoded(opened, context)
            if let png = try fittingPNG(memory, &context) {
                context.steps.append("encode PNG (\(ByteCount(png.count)))")
                return try context.finish(
                    bytes: png, mime: .png, width: shape.width, height: shape.height, quality: nil)
            }
            if shape.hasAlpha { context.steps.append("flatten transparency onto \(rules.background)") }
            return try fitJPEG(try memory.flatten(onto: background).copyToMemory(), &context)
        }

        if shape.hasAlpha && rules.keepPNGForAlpha && pngMayFit(context, outputPixels: shape.pixels) {
            let memory = try decoded(opened, context)
            if try memory.minimumAlpha() < 255 {
                let estimate = try SizeEstimator(memory)?.pngBytes() ?? 0
                if estimate <= Double(budget) * 1.25 {
                    if let png = try fittingPNG(memory, &context) {
                        context.steps.append("keep PNG for transparency (\(ByteCount(png.count)))")
                        return try context.finish(
                            bytes: png, mime: .png, width: shape.width, height: shape.height, quality: nil)
                    }
                } else {
                    context.steps.append("PNG would be about \(ByteCount(Int(estimate)))")
                }
            }
            context.steps.append("flatten transparency onto \(rules.background)")
            return try fitJPEG(try memory.flatten(onto: background), &context)
        }

        if shape.hasAlpha { context.steps.append("flatten transparency onto \(rules.background)") }
        let flat = try opened.flatten(onto: background)
        if streamsFirst(context, outputPixels: shape.pixels) {
            // One pass from the file, as vipsthumbnail does: no full-size copy in memory. When the
            // best quality fits, the search is over; otherwise decode once into memory and search.
            let quality = rules.jpegQuality.max
            if let written = try streamJPEG(flat, quality: quality, &context) {
                return written
            }
            context.steps.append("quality \(quality) gives more than \(ByteCount(budget))")
            let memory = try decoded(try open(context).flatten(onto: background), context)
            return try fitJPEG(memory, &context, knownTooBig: quality)
        }
        return try fitJPEG(try decoded(flat, context), &context)
    }

    /// Opens the source shrunk to the long edge, upright, in 8-bit sRGB (or grey, when the profile
    /// does not require RGB).
    private func open(_ context: RunContext) throws -> VipsImage {
        let longEdge = min(rules.maxLongEdge, context.info.longEdge)
        do {
            let image = try context.source.uprightSRGB8(
                mime: context.inputMIME, info: context.info, longEdge: longEdge
            ) {
                logger?.debug("ICC export failed, converting without it", metadata: ["reason": "\($0.reason)"])
            }
            return rules.requireRGB ? try image.greyToSRGB() : image
        } catch let failure as VipsFailure {
            throw damaged(context, failure)
        }
    }

    private func decoded(_ image: VipsImage, _ context: RunContext) throws -> VipsImage {
        do { return try image.copyToMemory() } catch let failure as VipsFailure { throw damaged(context, failure) }
    }

    private func encoded<Output>(_ context: RunContext, _ encode: () throws -> Output) throws -> Output {
        do { return try encode() } catch let failure as VipsFailure { throw damaged(context, failure) }
    }

    private func damaged(_ context: RunContext, _ failure: VipsFailure) -> WabaMediaError {
        WabaMediaError(
            .unsupportedInput,
            "\(context.source.name): the image data is damaged or truncated and cannot be decoded (\(failure.reason))",
            hint: "export or download the image again from its original")
    }

    // MARK: - Choosing a path

    /// Whether a PNG of this image could plausibly fit: only then is it decoded to look at its alpha.
    private func pngMayFit(_ context: RunContext, outputPixels: Int) -> Bool {
        guard context.inputMIME == .png else { return true }
        let ratio = Double(outputPixels) / Double(context.info.pixelCount)
        return Double(context.inputBytes) * ratio <= Double(rules.maxBytes) * 1.5
    }

    /// Whether to try the best quality in one streaming pass before holding the image in memory:
    /// for cheap decoders when the input's bytes per pixel suggest it fits. The streaming encode
    /// stops as soon as it passes the budget, so a wrong guess costs part of a pass.
    private func streamsFirst(_ context: RunContext, outputPixels: Int) -> Bool {
        let ratio = Double(outputPixels) / Double(context.info.pixelCount)
        let predicted: Double
        switch context.inputMIME {
        case .jpeg:
            // Phones and cameras save at quality 90-98 (often without chroma subsampling): the
            // input's bytes per pixel overstate those of a 4:2:0 encode at the top quality.
            predicted = Double(context.inputBytes) * ratio * 0.6
        case .webp: predicted = Double(context.inputBytes) * ratio * 2
        case .heic, .heif:
            // HEVC takes about half the bytes of JPEG for the same picture. A wrong guess costs a
            // second (slow) HEIF decode, so only inputs well inside the budget stream.
            predicted = Double(context.inputBytes) * ratio * 2
        case .png, .gif, .bmp, .tiff:
            // Lossless sources say little about JPEG size; a detailed photo takes about a third
            // of a byte per pixel at quality 90 with 4:2:0 chroma, half a byte at 95.
            predicted = Double(outputPixels) * (rules.jpegQuality.max > 92 ? 0.5 : 0.35)
        default:
            // AVIF decodes slowly and its size says little: decoding twice costs more than memory.
            return false
        }
        return predicted <= Double(rules.maxBytes)
    }

    // MARK: - Encoding

    /// A PNG of `image` within budget, if one is found cheaply: a fast encode first (zlib level 2
    /// with every row filter: faster and smaller than libvips' default level 6 unfiltered), and
    /// the slow, thorough level only when that misses the budget by a little.
    private func fittingPNG(_ image: VipsImage, _ context: inout RunContext) throws -> [UInt8]? {
        let budget = rules.maxBytes
        let fast = try encoded(context) { try image.png(compression: 2, filtered: true) }
        context.encodes += 1
        if fast.count <= budget { return fast }
        guard Double(fast.count) <= Double(budget) * 1.3 else {
            context.steps.append("PNG would be \(ByteCount(fast.count))")
            return nil
        }
        let thorough = try encoded(context) { try image.png(compression: 6, filtered: true) }
        context.encodes += 1
        if thorough.count <= budget { return thorough }
        context.steps.append("PNG would be \(ByteCount(thorough.count))")
        return nil
    }

    /// Encodes `image` in one pass from the file at `quality`; nil when the output would pass the
    /// budget (the encoder stops there).
    private func streamJPEG(_ image: VipsImage, quality: Int, _ context: inout RunContext) throws -> FitOutcome? {
        let shape = image.shape
        context.encodes += 1
        switch context.destination {
        case .memory:
            let output = try encoded(context) { try image.jpeg(quality: quality, cap: rules.maxBytes) }
            guard case .complete(let bytes?, let size) = output else { return nil }
            context.steps.append("encode JPEG at quality \(quality) (\(ByteCount(size)))")
            return try context.finish(
                bytes: bytes, mime: .jpeg, width: shape.width, height: shape.height, quality: quality)
        case .file:
            let target = try context.outputPath(for: .jpeg)
            let temporary = try OutputFile(replacing: target, notOverwriting: context.inputFiles)
            let output = try temporary.withDescriptor { descriptor in
                do {
                    return try image.jpeg(quality: quality, cap: rules.maxBytes, fileDescriptor: descriptor)
                } catch let failure as VipsFailure {
                    throw damaged(context, failure)
                }
            }
            guard case .complete(_, let size) = output else { return nil }
            try temporary.commit()
            context.steps.append("encode JPEG at quality \(quality) (\(ByteCount(size)))")
            return context.finished(
                path: target, size: size, mime: .jpeg, width: shape.width, height: shape.height, quality: quality
            )
        }
    }

    /// Searches the JPEG quality for the largest output within budget, shrinking the image when
    /// even the lowest quality is too large. `image` must be in memory: it is encoded many times.
    private func fitJPEG(_ image: VipsImage, _ context: inout RunContext, knownTooBig: Int? = nil) throws -> FitOutcome
    {
        var current = image
        var tooBig = knownTooBig
        for _ in 0..<12 {
            let shape = current.shape
            switch try searchQuality(current, context: &context, knownTooBig: tooBig) {
            case .fits(let bytes, let quality):
                context.steps.append("encode JPEG at quality \(quality) (\(ByteCount(bytes.count)))")
                return try context.finish(
                    bytes: bytes, mime: .jpeg, width: shape.width, height: shape.height, quality: quality)
            case .tooLargeAtMinimum(let bytes):
                // JPEG size grows about with the pixel count: aim a little under the budget.
                let scale = min(0.9, max(0.5, (Double(rules.maxBytes) * 0.85 / Double(bytes)).squareRoot()))
                guard shape.longEdge > 16 else { break }
                current = try current.resized(by: scale).copyToMemory()
                tooBig = nil
                let next = current.shape
                context.steps.append(
                    "quality \(rules.jpegQuality.min) gives \(ByteCount(bytes)): shrink "
                        + "\(shape.width)×\(shape.height) → \(next.width)×\(next.height)")
            }
        }
        throw WabaMediaError(
            .transformFailed, "\(context.source.name): no size and quality fits \(ByteCount(rules.maxBytes))",
            hint: "raise image.max_bytes or lower image.jpeg_quality.min in a custom profile")
    }

    private enum SearchResult {
        case fits([UInt8], quality: Int)
        case tooLargeAtMinimum(Int)
    }

    private func searchQuality(_ image: VipsImage, context: inout RunContext, knownTooBig: Int?) throws -> SearchResult
    {
        let budget = rules.maxBytes
        let range = rules.jpegQuality
        let estimator = try SizeEstimator(image)
        // Qualities known to fit (the largest) and known not to (the smallest): the answer lies between.
        var best: (bytes: [UInt8], quality: Int)?
        var smallestTooBig = knownTooBig.map { min($0, range.max + 1) } ?? range.max + 1
        var sizeAtMinimum = 0
        // Actual over estimated size, learnt from each full encode.
        var correction = 1.0
        func guess() throws -> Int {
            let low = (best?.quality ?? range.min - 1) + 1
            let high = smallestTooBig - 1
            guard let estimator, low < high else {
                return best == nil ? max(low, min(high, range.max)) : (low + high + 1) / 2
            }
            let goal = Double(budget) * (1 + options.targetFill) / 2 / correction
            return try estimator.largestJPEGQuality(in: low...high, under: goal)
        }
        while true {
            let low = (best?.quality ?? range.min - 1) + 1
            guard low < smallestTooBig else { break }
            let quality = try guess()
            let bytes = try encoded(context) { try image.jpeg(quality: quality) }
            context.encodes += 1
            logger?.trace("encoded", metadata: ["quality": "\(quality)", "bytes": "\(bytes.count)"])
            if let estimate = try estimator?.jpegBytes(quality: quality), estimate > 0 {
                correction = Double(bytes.count) / estimate
            }
            if bytes.count <= budget {
                best = (bytes, quality)
                if quality == range.max || Double(bytes.count) >= Double(budget) * options.targetFill { break }
            } else {
                smallestTooBig = quality
                if quality == range.min { sizeAtMinimum = bytes.count }
            }
        }
        if let best { return .fits(best.bytes, quality: best.quality) }
        return .tooLargeAtMinimum(sizeAtMinimum)
    }

    private func log(_ result: ImageFitResult, started: ContinuousClock.Instant) {
        logger?.debug(
            "fitted image",
            metadata: [
                "input_bytes": "\(result.inputBytes)", "output_bytes": "\(result.outputBytes)",
                "quality": "\(result.quality.map(String.init) ?? "-")", "encodes": "\(result.encodes)",
                "elapsed": "\(ContinuousClock.now - started)",
            ])
    }
}

// MARK: - Sizes from a sample

/// Estimates encoded sizes from evenly spread strips of about an eighth of the image: JPEG and PNG
/// code blocks and rows independently, so the strips' size scales to the whole.
private final class SizeEstimator {
    private let sample: VipsImage
    private let scale: Double
    private var jpegSizes: [Int: Double] = [:]

    /// nil when the image is small enough to encode whole.
    init?(_ image: VipsImage) throws {
        let shape = image.shape
        guard shape.pixels >= 1_000_000, shape.height >= 512 else { return nil }
        let count = 16
        let stripHeight = max(16, shape.height / (8 * count) / 16 * 16)
        sample = try image.sampleStrips(count: count, stripHeight: stripHeight)
        scale = Double(shape.height) / Double(sample.shape.height)
    }

    func jpegBytes(quality: Int) throws -> Double {
        if let known = jpegSizes[quality] { return known }
        let size = Double(try sample.jpeg(quality: quality).count) * scale
        jpegSizes[quality] = size
        return size
    }

    /// The size of ``ImageFitter``'s first, fast PNG encode.
    func pngBytes() throws -> Double { Double(try sample.png(compression: 2, filtered: true).count) * scale }

    /// The largest quality in `range` whose estimate stays under `goal` (the lowest if none does).
    func largestJPEGQuality(in range: ClosedRange<Int>, under goal: Double) throws -> Int {
        var low = range.lowerBound
        var high = range.upperBound
        if try jpegBytes(quality: high) <= goal { return high }
        if try jpegBytes(quality: low) > goal { return low }
        // Invariant: low fits the goal, high does not.
        while high - low > 1 {
            let middle = (low + high) / 2
            if try jpegBytes(quality: middle) <= goal { low = middle } else { high = middle }
        }
        return low
    }
}

// MARK: - Per-run state

private enum FitDestination {
    case memory
    case file((MIMEType) throws -> String)
}

private struct FitOutcome {
    var result: ImageFitResult
    var bytes: [UInt8]?
}

private struct RunContext {
    var source: ImageSource
    var info: ImageInfo
    var inputMIME: MIMEType
    var inputBytes: Int
    var destination: FitDestination
    var steps: [String] = []
    var encodes = 0

    /// The path the caller wants for this output type.
    func outputPath(for mime: MIMEType) throws -> String {
        guard case .file(let choose) = destination else {
            preconditionFailure("outputPath(for:) needs a file destination")
        }
        return try choose(mime)
    }

    /// The files an output must never overwrite.
    var inputFiles: [FileSource] {
        if case .file(let input) = source { return [input] }
        return []
    }

    /// Delivers the output: returned in memory, or written atomically to its file.
    func finish(
        bytes: [UInt8], mime: MIMEType, width: Int, height: Int, quality: Int?, passedThrough: Bool = false
    ) throws -> FitOutcome {
        switch destination {
        case .memory:
            var outcome = finished(
                path: nil, size: bytes.count, mime: mime, width: width, height: height, quality: quality)
            outcome.result.passedThrough = passedThrough
            outcome.bytes = bytes
            return outcome
        case .file:
            let target = try outputPath(for: mime)
            let temporary = try OutputFile(replacing: target, notOverwriting: inputFiles)
            try temporary.write(bytes)
            try temporary.commit()
            var outcome = finished(
                path: target, size: bytes.count, mime: mime, width: width, height: height, quality: quality)
            outcome.result.passedThrough = passedThrough
            return outcome
        }
    }

    func finished(path: String?, size: Int, mime: MIMEType, width: Int, height: Int, quality: Int?) -> FitOutcome {
        FitOutcome(
            result: ImageFitResult(
                output: path, inputBytes: inputBytes, outputBytes: size, inputMIME: inputMIME, outputMIME: mime,
                inputWidth: info.width, inputHeight: info.height, outputWidth: width, outputHeight: height,
                quality: quality, passedThrough: false, encodes: encodes, steps: steps),
            bytes: nil)
    }
}
