/// Judges a PNG's metadata chunks one by one, in file order, the same way for `check` (through
/// ``ImageMetadataScan``) and for the bytes that leave (``MetadataScrubber``): whether a chunk is
/// too large to keep, and whether it records a location.
///
/// Compressed chunks (`zTXt`, `iCCP`, compressed `iTXt`) are judged by what they inflate to, found
/// with a hard bound (``BoundedInflation``): past ``MetadataLimits/maxInflatedBytes`` a chunk is
/// oversized, and once the file's chunks together have inflated to
/// ``MetadataLimits/maxInflatedTotalBytes`` every further compressed chunk is, uninflated.
/// Text chunks are looked into for a location only when their keyword says they may hold one: an
/// EXIF or XMP raw profile, an XMP packet (`XML:com.adobe.xmp`), a GPS property (`exif:GPSLatitude`).
struct PNGMetadataJudge {
    struct Judgement: Hashable {
        /// Why the chunk must go whatever the options say, in words (`zTXt chunk (...)`).
        var oversized: String?
        /// The location the chunk records; nil when it records none.
        var location: PNGLocation?
    }

    /// How much of a text chunk is read to find where its text starts.
    static let maxHeaderRead = 4096

    /// What the file's compressed chunks have inflated to so far.
    private var inflatedTotal = 0

    mutating func judge(_ chunk: PNGChunks.Chunk, in source: some ByteSource) -> Judgement {
        // A chunk cut off by the end of the file is the structure check's to refuse.
        guard chunk.end <= source.size else { return Judgement() }
        let bodyStart = chunk.offset + 8
        switch chunk.type {
        case "eXIf":
            if chunk.length > MetadataLimits.maxDeclaredBytes {
                return Judgement(oversized: "eXIf chunk (\(ByteCount(chunk.length)))")
            }
            guard let body = read(source, bodyStart, chunk.length), EXIFLocation.hasGPS(body[...]) else {
                return Judgement()
            }
            return Judgement(location: .exifChunk)
        case "tEXt", "zTXt", "iTXt", "iCCP":
            guard let header = read(source, bodyStart, min(chunk.length, Self.maxHeaderRead)),
                let text = TextHeader(type: chunk.type, header[...])
            else {
                // A header that does not end where it may: judged from the stored size alone.
                return Judgement(oversized: storedSizeJudgement(chunk))
            }
            return judgeText(chunk, text, in: source)
        default:
            return Judgement()
        }
    }

    // MARK: - Text and profile chunks

    /// Where a text or profile chunk's keyword ends and its text or profile starts.
    private struct TextHeader {
        var keyword: String
        /// The offset of the text (or compressed stream) in the chunk's data.
        var textOffset: Int
        var compressed: Bool

        init?(type: String, _ data: ArraySlice<UInt8>) {
            guard let end = data.firstIndex(of: 0) else { return nil }
            keyword = String(decoding: data[data.startIndex..<end], as: UTF8.self)
            let afterKeyword = end + 1 - data.startIndex
            switch type {
            case "tEXt":
                textOffset = afterKeyword
                compressed = false
            case "zTXt", "iCCP":
                // The compression method byte, then the zlib stream.
                textOffset = afterKeyword + 1
                compressed = true
            default:
                // iTXt: compression flag and method, language tag, translated keyword, then the text.
                guard data.count >= afterKeyword + 2 else { return nil }
                compressed = data[end + 1] != 0
                let rest = data[(end + 3)...]
                guard let language = rest.firstIndex(of: 0),
                    let translated = data[(language + 1)...].firstIndex(of: 0)
                else { return nil }
                textOffset = translated + 1 - data.startIndex
            }
        }

        var mayHoldLocation: Bool {
            RawProfile.kind(keyword: keyword) != nil || keyword == PNGChunks.xmpKeyword
                || keyword.lowercased().hasPrefix("exif:gps")
        }
    }

    private mutating func judgeText(_ chunk: PNGChunks.Chunk, _ header: TextHeader, in source: some ByteSource)
        -> Judgement
    {
        var judgement = Judgement()
        if header.keyword.lowercased().hasPrefix("exif:gps") {
            judgement.location = .gpsText(keyword: header.keyword)
        }
        let textRange = (chunk.offset + 8 + min(header.textOffset, chunk.length))..<(chunk.offset + 8 + chunk.length)
        let lookInside = header.mayHoldLocation && chunk.type != "iCCP" && judgement.location == nil
        var text: [UInt8]?
        if header.compressed {
            guard inflatedTotal < MetadataLimits.maxInflatedTotalBytes else {
                judgement.oversized =
                    "\(chunk.type) chunk (\(ByteCount(chunk.length)) compressed, past the "
                    + "\(ByteCount(MetadataLimits.maxInflatedTotalBytes)) the file's metadata may inflate to)"
                return judgement
            }
            let inflated = BoundedInflation.inflate(
                source, range: textRange, limit: MetadataLimits.maxInflatedBytes,
                keep: lookInside ? MetadataLimits.maxInflatedBytes : 0)
            inflatedTotal += inflated.inflatedBytes
            if inflated.outcome == .pastLimit {
                judgement.oversized =
                    "\(chunk.type) chunk (\(ByteCount(chunk.length)) compressed, inflating to over "
                    + "\(ByteCount(MetadataLimits.maxInflatedBytes)))"
                return judgement
            }
            text = inflated.kept
        } else if chunk.length > MetadataLimits.maxDeclaredBytes {
            judgement.oversized = storedSizeJudgement(chunk)
            return judgement
        } else if lookInside {
            text = read(source, textRange.lowerBound, textRange.count)
        }
        if lookInside, let text, let found = location(in: text[...], keyword: header.keyword) {
            judgement.location = .block("\(found) in the \(chunk.type) chunk '\(header.keyword)'")
        }
        return judgement
    }

    /// What a raw profile or XMP text says about the location: `EXIF GPS`, `XMP GPS (exif:GPSLatitude)`.
    private func location(in text: ArraySlice<UInt8>, keyword: String) -> String? {
        func xmp(_ packet: ArraySlice<UInt8>) -> String? {
            let properties = XMPLocation.properties(packet)
            return properties.isEmpty ? nil : "XMP GPS (\(XMPLocation.describe(properties)))"
        }
        switch RawProfile.kind(keyword: keyword) {
        case .exifOrAPP1:
            guard let profile = RawProfile.decode(text) else { return nil }
            if profile.starts(with: Array(JPEGSegments.xmpIdentifier.utf8)) { return xmp(profile[...]) }
            guard let block = RawProfile.exifBlock(profile), EXIFLocation.hasGPS(block) else { return nil }
            return "EXIF GPS"
        case .xmp:
            return RawProfile.decode(text).flatMap { xmp($0[...]) }
        case nil:
            return xmp(text)
        }
    }

    private func storedSizeJudgement(_ chunk: PNGChunks.Chunk) -> String? {
        guard chunk.length > MetadataLimits.maxDeclaredBytes else { return nil }
        return "\(chunk.type) chunk (\(ByteCount(chunk.length)))"
    }

    private func read(_ source: some ByteSource, _ offset: Int, _ count: Int) -> [UInt8]? {
        guard count > 0 else { return [] }
        guard let bytes = try? source.read(at: offset, count: count), bytes.count == count else { return nil }
        return bytes
    }
}

/// Where a PNG chunk records a location.
enum PNGLocation: Hashable {
    /// The GPS directory of the `eXIf` chunk's EXIF: removed in place, the rest of the EXIF kept.
    case exifChunk
    /// A text chunk holding an EXIF or XMP block with a location, in words: the chunk is dropped.
    case block(String)
    /// A text chunk whose keyword names a GPS property, as ImageMagick writes them
    /// (`exif:GPSLatitude`): the chunk is dropped.
    case gpsText(keyword: String)

    /// The locations of a file's chunks in words, each once; GPS text chunks named together.
    static func describe(_ locations: [PNGLocation]) -> [String] {
        var words: [String] = []
        var keywords: [String] = []
        for location in locations {
            switch location {
            case .exifChunk: words.append("EXIF GPS in the eXIf chunk")
            case .block(let description): words.append(description)
            case .gpsText(let keyword): keywords.append(keyword)
            }
        }
        if !keywords.isEmpty { words.append("GPS text chunks (\(keywords.joined(separator: ", ")))") }
        var seen: Set<String> = []
        return words.filter { seen.insert($0).inserted }
    }
}
