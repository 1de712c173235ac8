import Foundation

/// What an image's embedded ICC profile says, as far as deciding whether its colours are sRGB.
///
/// A profile is sRGB when it describes RGB data with sRGB's primaries (D50-adapted, as ICC
/// stores them, or unadapted D65 as some old profiles do) and a tone curve within 0.01 of sRGB's
/// at a quarter, half and three quarters of full scale; a profile built from lookup tables only
/// (ICC v4's sRGB, XYB) counts as sRGB when its description says so. Anything else (Display P3,
/// Adobe RGB, ProPhoto, linear or extended sRGB, a monitor's profile) is not.
public struct ColourProfile: Sendable, Hashable, Codable {
    /// The profile's description (`Display P3`, `Adobe RGB (1998)`); nil when it has none.
    public var name: String?
    /// The colour space of the data it describes, as ICC spells it (`RGB`, `GRAY`, `CMYK`).
    public var dataColourSpace: String
    /// Whether it describes sRGB.
    public var isSRGB: Bool

    /// A profile for RGB data that is not sRGB: its colours must be converted for viewers that
    /// ignore profiles.
    public var isForeignRGB: Bool { dataColourSpace == "RGB" && !isSRGB }

    /// The profile in words: its description, or what it is when it has none.
    var describedForPeople: String { name.map { "'\($0)'" } ?? "an unnamed \(dataColourSpace) profile" }

    enum CodingKeys: String, CodingKey {
        case name
        case dataColourSpace = "data_colour_space"
        case isSRGB = "is_srgb"
    }

    /// Parses an ICC profile; nil when it is not one.
    init?(icc bytes: [UInt8]) {
        let view = ByteView(bytes)
        guard bytes.count >= 132, bytes[36..<40].elementsEqual("acsp".utf8), let tagCount = view.u32(at: 128),
            tagCount <= 1000, bytes.count >= 132 + 12 * tagCount
        else { return nil }
        var tags: [String: ArraySlice<UInt8>] = [:]
        for index in 0..<tagCount {
            let entry = 132 + 12 * index
            guard let signature = view.fourCC(at: entry), let offset = view.u32(at: entry + 4),
                let size = view.u32(at: entry + 8), offset <= bytes.count, size <= bytes.count - offset
            else { return nil }
            tags[signature] = bytes[offset..<(offset + size)]
        }
        dataColourSpace = (view.fourCC(at: 16) ?? "").trimmingCharacters(in: .whitespaces)
        name = tags["desc"].flatMap(Self.description)
        isSRGB = dataColourSpace == "RGB" && Self.describesSRGB(tags, name: name)
    }

    // MARK: - sRGB

    /// sRGB's primaries as ICC stores them, adapted to D50, and as some old profiles store them, unadapted.
    private static let primaries: [[Double]] = [
        [0.4361, 0.2225, 0.0139, 0.3851, 0.7169, 0.0971, 0.1431, 0.0606, 0.7141],
        [0.4124, 0.2126, 0.0193, 0.3576, 0.7152, 0.1192, 0.1805, 0.0722, 0.9505],
    ]

    private static func describesSRGB(_ tags: [String: ArraySlice<UInt8>], name: String?) -> Bool {
        guard let red = tags["rXYZ"], let green = tags["gXYZ"], let blue = tags["bXYZ"] else {
            // Lookup tables only: nothing simple to compare, so the profile's own word decides.
            return name?.range(of: #"(^|[^A-Za-z])sRGB"#, options: .regularExpression) != nil
        }
        let measured = [red, green, blue].flatMap { xyz($0) ?? [.nan, .nan, .nan] }
        guard primaries.contains(where: { zip($0, measured).allSatisfy { abs($0 - $1) < 0.003 } }) else {
            return false
        }
        return ["rTRC", "gTRC", "bTRC"].allSatisfy { key in
            guard let curve = tags[key] else { return false }
            return [0.25, 0.5, 0.75].allSatisfy { x in
                guard let y = evaluate(curve, at: x) else { return false }
                return abs(y - sRGBDecode(x)) < 0.01
            }
        }
    }

    private static func sRGBDecode(_ x: Double) -> Double {
        x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
    }

    private static func xyz(_ tag: ArraySlice<UInt8>) -> [Double]? {
        let bytes = Array(tag)
        guard bytes.count >= 20, bytes[0..<4].elementsEqual("XYZ ".utf8) else { return nil }
        return (0..<3).map { s15Fixed16(bytes, at: 8 + 4 * $0) }
    }

    private static func s15Fixed16(_ bytes: [UInt8], at offset: Int) -> Double {
        let raw =
            UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
        return Double(Int32(bitPattern: raw)) / 65536
    }

    /// A `curv` or `para` tone curve at `x` (0...1); nil when it is neither, or damaged.
    private static func evaluate(_ tag: ArraySlice<UInt8>, at x: Double) -> Double? {
        let bytes = Array(tag)
        let view = ByteView(bytes)
        guard bytes.count >= 12, let type = view.fourCC(at: 0) else { return nil }
        switch type {
        case "curv":
            guard let count = view.u32(at: 8), bytes.count >= 12 + 2 * count else { return nil }
            if count == 0 { return x }
            func entry(_ index: Int) -> Double { Double(view.u16(at: 12 + 2 * index) ?? 0) / 65535 }
            if count == 1 { return pow(x, Double(view.u16(at: 12) ?? 0) / 256) }
            let position = x * Double(count - 1)
            let below = Int(position.rounded(.down))
            let above = min(below + 1, count - 1)
            let fraction = position - Double(below)
            return entry(below) * (1 - fraction) + entry(above) * fraction
        case "para":
            guard let function = view.u16(at: 8) else { return nil }
            let counts = [1, 3, 4, 5, 7]
            guard function < counts.count, bytes.count >= 12 + 4 * counts[function] else { return nil }
            let p = (0..<counts[function]).map { s15Fixed16(bytes, at: 12 + 4 * $0) }
            let g = p[0]
            switch function {
            case 0: return pow(x, g)
            case 1: return x >= -p[2] / p[1] ? pow(p[1] * x + p[2], g) : 0
            case 2: return x >= -p[2] / p[1] ? pow(p[1] * x + p[2], g) + p[3] : p[3]
            case 3: return x >= p[4] ? pow(p[1] * x + p[2], g) : p[3] * x
            default: return x >= p[4] ? pow(p[1] * x + p[2], g) + p[5] : p[3] * x + p[6]
            }
        default:
            return nil
        }
    }

    /// The text of a `desc` (ICC v2) or `mluc` (v4) tag: its first record.
    private static func description(_ tag: ArraySlice<UInt8>) -> String? {
        let bytes = Array(tag)
        let view = ByteView(bytes)
        guard let type = view.fourCC(at: 0) else { return nil }
        var text: String?
        if type == "desc", let count = view.u32(at: 8), count > 0, bytes.count >= 12 + count {
            text = String(decoding: bytes[12..<(12 + count)].prefix { $0 != 0 }, as: UTF8.self)
        } else if type == "mluc", let records = view.u32(at: 8), records > 0, let length = view.u32(at: 20),
            let offset = view.u32(at: 24), offset <= bytes.count, length <= bytes.count - offset
        {
            let units = stride(from: offset, to: offset + length - 1, by: 2).map {
                UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1])
            }
            text = String(decoding: units, as: UTF16.self)
        }
        let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines.union(.controlCharacters))
        return trimmed.flatMap { $0.isEmpty ? nil : String($0.prefix(80)) }
    }
}

extension ColourProfile {
    /// The largest embedded profile read: the usual ones take a few kilobytes; anything larger
    /// than the bound metadata may inflate to is the `oversized-metadata` finding's.
    static let maxBytes = 1024 * 1024

    /// The ICC profile embedded in a JPEG (its `ICC_PROFILE` APP2 segments, in sequence order) or
    /// a PNG (its `iCCP` chunk, inflated with a hard bound); nil when there is none, or it cannot
    /// be read whole.
    static func read(_ source: some ByteSource, mime: MIMEType) -> ColourProfile? {
        switch mime {
        case .jpeg: return readJPEG(source).flatMap { ColourProfile(icc: $0) }
        case .png: return readPNG(source).flatMap { ColourProfile(icc: $0) }
        default: return nil
        }
    }

    private static func readJPEG(_ source: some ByteSource) -> [UInt8]? {
        var pieces: [(sequence: Int, range: Range<Int>)] = []
        var total = 0
        JPEGSegments.walk(source) { segment, _ in
            guard segment.marker == 0xE2, segment.identifier == "ICC_PROFILE" else { return }
            // APP2: marker and length (4 bytes), "ICC_PROFILE\0" (12), sequence and count (2).
            let start = segment.start + 4 + 14
            guard start <= segment.end, let header = try? source.read(at: segment.start + 4 + 12, count: 1),
                header.count == 1
            else { return }
            total += segment.end - start
            pieces.append((Int(header[0]), start..<segment.end))
        }
        guard !pieces.isEmpty, total <= maxBytes else { return nil }
        var bytes: [UInt8] = []
        for piece in pieces.sorted(by: { $0.sequence < $1.sequence }) {
            guard let part = try? source.read(at: piece.range.lowerBound, count: piece.range.count),
                part.count == piece.range.count
            else { return nil }
            bytes += part
        }
        return bytes
    }

    private static func readPNG(_ source: some ByteSource) -> [UInt8]? {
        var found: PNGChunks.Chunk?
        PNGChunks.walk(source) { chunk, _ in
            if chunk.type == "iCCP", found == nil { found = chunk }
        }
        guard let chunk = found,
            let header = try? source.read(at: chunk.offset + 8, count: min(chunk.length, 81)),
            let nul = header.firstIndex(of: 0)
        else { return nil }
        // The profile name, its NUL, the compression method, then the zlib stream.
        let streamStart = chunk.offset + 8 + nul + 2
        let streamEnd = chunk.offset + 8 + chunk.length
        guard streamStart < streamEnd else { return nil }
        let inflated = BoundedInflation.inflate(
            source, range: streamStart..<streamEnd, limit: maxBytes, keep: maxBytes)
        guard inflated.outcome == .complete else { return nil }
        return inflated.kept
    }
}
