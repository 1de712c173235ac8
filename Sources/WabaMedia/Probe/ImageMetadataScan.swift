/// What the metadata blocks of a JPEG or PNG say that decides how it may be sent, found by walking
/// JPEG segments and PNG chunks: where a location is stored, which blocks are too large to read
/// safely, the bit depth a PNG stores, and whether it is an animated PNG.
///
/// A PNG's compressed chunks are inflated with a hard bound (``PNGMetadataJudge``), so a
/// decompression bomb costs the bound's worth of work whatever it expands to. libvips' header (and
/// the parser that mirrors it) cannot say these things: it unpacks 1-, 2- and 4-bit PNGs to 8 bits,
/// reads only the first frame of an APNG, leaves the GPS directory to a full EXIF parse and does
/// not look into text chunks.
struct ImageMetadataScan: Sendable, Hashable {
    /// The bit depth stored in a PNG's header (1, 2, 4, 8 or 16).
    var storedBitsPerSample: Int?
    /// What carries a location and where, in words (`EXIF GPS in the APP1 segment`).
    var location: [String] = []
    /// The metadata blocks over ``MetadataLimits``, in words (`zTXt chunk (...)`).
    var oversized: [String] = []
    /// The frame count an APNG's `acTL` chunk announces.
    var frames: Int?
    /// Whether the PNG has an `acTL` chunk anywhere: APNG readers may animate it, so it is not a still.
    var hasAnimationControl = false
    /// What is wrong with an APNG's frame sequence, when something is.
    var animationProblem: String?

    /// Scans the JPEG or PNG in `source`; other types, and whatever cannot be read, yield nothing.
    static func scan(_ source: some ByteSource, mime: MIMEType) -> ImageMetadataScan {
        var scan = ImageMetadataScan()
        switch mime {
        case .jpeg: scan.scanJPEG(source)
        case .png: scan.scanPNG(source)
        default: break
        }
        return scan
    }

    // MARK: - JPEG

    private mutating func scanJPEG(_ source: some ByteSource) {
        var totals: [JPEGMetadataKind: Int] = [:]
        JPEGSegments.walk(source) { segment, body in
            guard let kind = segment.metadataKind else { return }
            totals[kind, default: 0] += segment.bodyLength
            if let body, let found = JPEGSegments.location(in: segment, body: body) { appendLocation(found) }
        }
        for (kind, total) in totals.sorted(by: { $0.key.description < $1.key.description })
        where MetadataLimits.isOversized(jpegSegmentsOf: total) {
            oversized.append("\(kind) segments (\(ByteCount(total)))")
        }
    }

    // MARK: - PNG

    private mutating func scanPNG(_ source: some ByteSource) {
        var sawImageData = false
        var nextSequence = 0
        var frameControls = 0
        var judge = PNGMetadataJudge()
        var locations: [PNGLocation] = []
        PNGChunks.walk(source) { chunk, body in
            switch chunk.type {
            case "IHDR":
                if let body, body.count >= 13 { storedBitsPerSample = Int(body[body.startIndex + 8]) }
            case "IDAT":
                sawImageData = true
            case "acTL":
                hasAnimationControl = true
                // An acTL after the image data announces no frames: APNG readers ignore it.
                if !sawImageData, let body, let count = ByteView(Array(body)).u32(at: 0) { frames = count }
            case "fcTL", "fdAT":
                guard frames != nil, animationProblem == nil, let body,
                    let sequence = ByteView(Array(body.prefix(4))).u32(at: 0)
                else { break }
                if chunk.type == "fcTL" { frameControls += 1 }
                if sequence != nextSequence {
                    animationProblem =
                        "its frame sequence is broken (chunk number \(sequence) where \(nextSequence) belongs)"
                }
                nextSequence += 1
            default: break
            }
            let judgement = judge.judge(chunk, in: source)
            if let oversized = judgement.oversized { self.oversized.append(oversized) }
            if let location = judgement.location { locations.append(location) }
        }
        for description in PNGLocation.describe(locations) { appendLocation(description) }
        if let frames, animationProblem == nil, frameControls != frames {
            animationProblem = "its header announces \(frames) frames but \(frameControls) are present"
        } else if hasAnimationControl, frames == nil {
            animationProblem = "its acTL chunk comes after the image data"
        }
    }

    private mutating func appendLocation(_ source: String) {
        if !location.contains(source) { location.append(source) }
    }
}

// MARK: - Walking the blocks

/// The kind of a JPEG APP segment: its marker and the identifier its payload starts with.
struct JPEGMetadataKind: Hashable, CustomStringConvertible {
    var marker: UInt8
    var identifier: String

    var description: String {
        let name = "APP\(marker - 0xE0)"
        return identifier.isEmpty ? name : "\(name) \(Self.shortNames[identifier] ?? identifier)"
    }

    private static let shortNames = [
        JPEGSegments.xmpIdentifier: "XMP", JPEGSegments.extendedXMPIdentifier: "extended XMP",
        "ICC_PROFILE": "ICC profile",
    ]
}

/// JPEG segments from the start of the file up to the first scan, where the metadata lives.
enum JPEGSegments {
    struct Segment {
        var marker: UInt8
        /// Where the segment starts (its `FF` byte) and ends.
        var start: Int
        var end: Int
        /// The payload's size (after the two length bytes).
        var bodyLength: Int { end - start - 4 }
        var identifier: String = ""

        var metadataKind: JPEGMetadataKind? {
            (0xE0...0xEF).contains(marker) ? JPEGMetadataKind(marker: marker, identifier: identifier) : nil
        }
    }

    /// A bound against crafted files: real JPEGs have a few dozen segments before the scan.
    static let maxSegments = 10_000
    /// The identifiers an XMP packet's APP1 segments start with (NUL-terminated in the file).
    static let xmpIdentifier = "http://ns.adobe.com/xap/1.0/"
    static let extendedXMPIdentifier = "http://ns.adobe.com/xmp/extension/"

    /// Where an APP1 segment records a location, in words (`EXIF GPS in the APP1 segment`), or nil.
    static func location(in segment: Segment, body: ArraySlice<UInt8>) -> String? {
        switch segment.identifier {
        case "Exif":
            return EXIFLocation.hasGPS(body.dropFirst(6)) ? "EXIF GPS in the APP1 segment" : nil
        case xmpIdentifier, extendedXMPIdentifier:
            let properties = XMPLocation.properties(body)
            guard !properties.isEmpty else { return nil }
            let place = segment.identifier == xmpIdentifier ? "the APP1 XMP segment" : "an APP1 extended XMP segment"
            return "XMP GPS (\(XMPLocation.describe(properties))) in \(place)"
        default:
            return nil
        }
    }

    /// Calls `visit` for each segment before the first start-of-scan, with the payload of APP1
    /// segments (EXIF and XMP, at most 64 kB each) and nil for others.
    /// - Returns: the offset of the start-of-scan marker, or nil when the file stops first.
    @discardableResult
    static func walk(_ source: some ByteSource, _ visit: (Segment, ArraySlice<UInt8>?) -> Void) -> Int? {
        guard let start = try? source.read(at: 0, count: 2), start == [0xFF, 0xD8] else { return nil }
        var offset = 2
        for _ in 0..<maxSegments {
            guard let header = try? source.read(at: offset, count: 4), header.count == 4, header[0] == 0xFF else {
                return nil
            }
            // Fill bytes: any number of FF may come before a marker.
            if header[1] == 0xFF {
                offset += 1
                continue
            }
            let marker = header[1]
            if marker == 0xDA { return offset }
            let length = Int(header[2]) << 8 | Int(header[3])
            guard length >= 2, offset + 2 + length <= source.size else { return nil }
            var segment = Segment(marker: marker, start: offset, end: offset + 2 + length)
            var body: ArraySlice<UInt8>?
            if (0xE0...0xEF).contains(marker) {
                let wanted = marker == 0xE1 ? length - 2 : min(length - 2, 40)
                guard let bytes = try? source.read(at: offset + 4, count: wanted), bytes.count == wanted else {
                    return nil
                }
                segment.identifier = identifier(bytes[...])
                if marker == 0xE1 { body = bytes[...] }
            }
            visit(segment, body)
            offset = segment.end
        }
        return nil
    }

    /// The NUL-terminated name an APP payload starts with (`Exif`, `ICC_PROFILE`, XMP's namespace).
    static func identifier(_ body: ArraySlice<UInt8>) -> String {
        let name = body.prefix(40).prefix { $0 != 0 }
        guard name.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return "" }
        return String(decoding: name, as: UTF8.self)
    }
}

/// PNG chunks from the signature to `IEND`.
enum PNGChunks {
    struct Chunk {
        var type: String
        /// Where the chunk starts (its length field).
        var offset: Int
        var length: Int
        var end: Int { offset + 12 + length }
    }

    /// A bound against crafted files; an APNG of a few thousand frames has a few thousand chunks.
    static let maxChunks = 200_000
    /// The keyword of the `iTXt` chunk that holds XMP.
    static let xmpKeyword = "XML:com.adobe.xmp"

    /// Calls `visit` for each chunk, with its data for the chunks whose data the walk's callers
    /// read (`IHDR`, `acTL`, the sequence number at the start of `fcTL` and `fdAT`), nil for
    /// others. Stops where the file stops making sense.
    static func walk(_ source: some ByteSource, _ visit: (Chunk, ArraySlice<UInt8>?) -> Void) {
        var offset = 8
        for _ in 0..<maxChunks {
            guard let header = try? source.read(at: offset, count: 8), header.count == 8,
                let length = ByteView(header).u32(at: 0), length <= Int(Int32.max),
                let type = ByteView(header).fourCC(at: 4)
            else { return }
            let chunk = Chunk(type: type, offset: offset, length: length)
            var wanted = 0
            switch type {
            case "IHDR", "acTL": wanted = length
            case "fcTL", "fdAT": wanted = 4
            default: break
            }
            wanted = min(wanted, length, 64)
            var body: ArraySlice<UInt8>?
            if wanted > 0, let bytes = try? source.read(at: offset + 8, count: wanted), bytes.count == wanted {
                body = bytes[...]
            }
            visit(chunk, body)
            if type == "IEND" { return }
            offset = chunk.end
        }
    }
}
