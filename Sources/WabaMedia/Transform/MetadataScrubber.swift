internal import CVipsShim

/// Removes what must not leave with a JPEG or PNG that is otherwise sent as it is, working on the
/// bytes: no pixel is decoded or re-encoded, and every byte outside what is removed stays as it was.
///
/// - The location: the EXIF GPS directory (in a JPEG's APP1 segment or a PNG's `eXIf` chunk), XMP
///   packets with a location property in any namespace (``XMPLocation``), and the PNG text chunks
///   that hold a location: EXIF or XMP raw profiles (`Raw profile type exif`, `APP1`, `xmp`), XMP
///   in `iTXt`, compressed or not, and GPS properties written as text (`exif:GPSLatitude`). The EXIF
///   block keeps its size: the GPS directory and its values are overwritten with zeros and the
///   entry pointing to them is taken out of its directory, so every other offset in the block
///   (Orientation, the camera's maker notes) stays valid. XMP segments and text chunks with a
///   location are dropped whole. The ICC profile and all other segments and chunks are copied unchanged.
/// - Metadata blocks over ``MetadataLimits`` (decompression bombs in `zTXt`, `iTXt`, `iCCP`,
///   `eXIf`, oversized JPEG APP segments): dropped whole, compressed ones judged by what they
///   inflate to with a hard bound (``PNGMetadataJudge``).
public enum MetadataScrubber {
    public struct Options: Sendable, Hashable {
        /// Remove GPS location from EXIF and XMP. Oversized blocks are dropped either way: they are
        /// what decoders refuse.
        public var removeLocation: Bool

        public init(removeLocation: Bool = true) {
            self.removeLocation = removeLocation
        }
    }

    public struct Scrubbed: Sendable, Hashable {
        public var bytes: [UInt8]
        /// What was removed, in words (`GPS location (EXIF GPS in the APP1 segment)`, `zTXt chunk (...)`);
        /// empty when the input is returned unchanged.
        public var removed: [String]
        /// The byte ranges of the input that were rewritten or dropped; every other byte is in the
        /// output unchanged and in the same order.
        public var changedRanges: [Range<Int>]
    }

    /// Whether an image with this header has something the scrubber removes.
    public static func hasWork(_ image: ImageInfo, options: Options = .init()) -> Bool {
        !image.oversizedMetadata.isEmpty || (options.removeLocation && !image.location.isEmpty)
    }

    /// Scrubs a whole JPEG or PNG held in memory; other types are returned unchanged.
    /// - Throws: ``WabaMediaError`` `unsupported-input` when the file's structure cannot be walked.
    public static func scrub(_ bytes: [UInt8], mime: MIMEType, options: Options = .init()) throws -> Scrubbed {
        switch mime {
        case .jpeg: return try scrubJPEG(bytes, options)
        case .png: return try scrubPNG(bytes, options)
        default: return Scrubbed(bytes: bytes, removed: [], changedRanges: [])
        }
    }

    // MARK: - JPEG

    private static func scrubJPEG(_ input: [UInt8], _ options: Options) throws -> Scrubbed {
        let source = MemorySource(input)
        var segments: [JPEGSegments.Segment] = []
        var totals: [JPEGMetadataKind: Int] = [:]
        guard
            JPEGSegments.walk(
                source,
                { segment, _ in
                    segments.append(segment)
                    if let kind = segment.metadataKind { totals[kind, default: 0] += segment.bodyLength }
                }) != nil
        else {
            throw WabaMediaError(
                .unsupportedInput, "the JPEG's segments cannot be walked up to its image data",
                hint: "export or download the image again")
        }
        let oversizedKinds = Set(totals.filter { MetadataLimits.isOversized(jpegSegmentsOf: $0.value) }.keys)
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        output.append(contentsOf: input[0..<2])
        var removed: [String] = []
        var changed: [Range<Int>] = []
        var copiedUpTo = 2
        for segment in segments {
            // Fill bytes between segments are copied as they are.
            output.append(contentsOf: input[copiedUpTo..<segment.start])
            copiedUpTo = segment.end
            let range = segment.start..<segment.end
            if let kind = segment.metadataKind, oversizedKinds.contains(kind) {
                changed.append(range)
                continue
            }
            var bytes = Array(input[range])
            if options.removeLocation, segment.marker == 0xE1,
                let location = JPEGSegments.location(in: segment, body: bytes[4...])
            {
                if segment.identifier == "Exif" {
                    // The TIFF block starts after "Exif\0\0".
                    let rewritten = EXIFLocation.removeGPS(in: &bytes, tiffStart: 10)
                    changed += rewritten.map { ($0.lowerBound + segment.start)..<($0.upperBound + segment.start) }
                    if !rewritten.isEmpty { appendOnce(&removed, "GPS location (\(location))") }
                } else {
                    // An XMP packet (or a piece of an extended one) with a location goes whole.
                    changed.append(range)
                    appendOnce(&removed, "GPS location (\(location))")
                    continue
                }
            }
            output.append(contentsOf: bytes)
        }
        for kind in oversizedKinds.sorted(by: { $0.description < $1.description }) {
            removed.append("\(kind) segments (\(ByteCount(totals[kind] ?? 0)))")
        }
        output.append(contentsOf: input[copiedUpTo...])
        return Scrubbed(bytes: removed.isEmpty ? input : output, removed: removed, changedRanges: changed)
    }

    // MARK: - PNG

    private static func scrubPNG(_ input: [UInt8], _ options: Options) throws -> Scrubbed {
        var output: [UInt8] = []
        output.reserveCapacity(input.count)
        output.append(contentsOf: input.prefix(8))
        var removed: [String] = []
        var changed: [Range<Int>] = []
        var end = 8
        let source = MemorySource(input)
        var judge = PNGMetadataJudge()
        var locations: [PNGLocation] = []
        PNGChunks.walk(source) { chunk, _ in
            let range = chunk.offset..<min(chunk.end, input.count)
            end = range.upperBound
            let judgement = judge.judge(chunk, in: source)
            if let description = judgement.oversized {
                changed.append(range)
                removed.append(description)
                return
            }
            var bytes = Array(input[range])
            if options.removeLocation, let location = judgement.location {
                if location == .exifChunk {
                    let rewritten = EXIFLocation.removeGPS(in: &bytes, tiffStart: 8, tiffEnd: 8 + chunk.length)
                    if !rewritten.isEmpty {
                        let crc = bytes.withUnsafeBytes { wm_crc32(0, $0.baseAddress! + 4, 4 + chunk.length) }
                        bytes.replaceSubrange((bytes.count - 4)..., with: bigEndian(crc))
                        changed += rewritten.map { ($0.lowerBound + chunk.offset)..<($0.upperBound + chunk.offset) }
                        changed.append((chunk.end - 4)..<chunk.end)
                        locations.append(location)
                    }
                } else {
                    // A text chunk that holds a location goes whole: its text is encoded, often compressed.
                    changed.append(range)
                    locations.append(location)
                    return
                }
            }
            output.append(contentsOf: bytes)
        }
        removed += PNGLocation.describe(locations).map { "GPS location (\($0))" }
        // Whatever follows IEND (or the point where the chunks stop making sense) is kept as it is.
        if end < input.count { output.append(contentsOf: input[end...]) }
        return Scrubbed(bytes: removed.isEmpty ? input : output, removed: removed, changedRanges: changed)
    }

    private static func appendOnce(_ list: inout [String], _ item: String) {
        if !list.contains(item) { list.append(item) }
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [
            UInt8(value >> 24), UInt8(truncatingIfNeeded: value >> 16), UInt8(truncatingIfNeeded: value >> 8),
            UInt8(truncatingIfNeeded: value),
        ]
    }
}

/// The GPS directory of a TIFF-structured EXIF block: found, and removed in place.
enum EXIFLocation {
    /// The GPS IFD pointer tag of IFD0 (and, rarely, of the thumbnail's IFD1).
    static let gpsPointerTag = 0x8825
    /// IFD0 and IFD1 are all the directories a GPS pointer appears in.
    static let maxDirectories = 2
    /// Sizes in bytes of the TIFF field types 1...13.
    static let typeSizes = [0, 1, 1, 2, 4, 8, 1, 1, 2, 4, 8, 4, 8, 4]

    /// Whether the block points to a GPS directory with at least one entry.
    static func hasGPS(_ tiff: ArraySlice<UInt8>) -> Bool {
        var bytes = Array(tiff)
        return !removeGPS(in: &bytes, tiffStart: 0, dryRun: true).isEmpty
    }

    /// Removes every GPS directory the block at `bytes[tiffStart..<tiffEnd]` points to: the
    /// pointer entry leaves its directory (the entries after it move up, the freed 12 bytes become
    /// zeros), and the GPS directory and the values it points to are overwritten with zeros.
    /// Nothing else moves, so every other offset in the block stays valid.
    /// - Returns: the ranges of `bytes` that changed (would change, with `dryRun`); empty when the
    ///   block has no GPS directory or cannot be walked safely.
    static func removeGPS(in bytes: inout [UInt8], tiffStart: Int, tiffEnd: Int? = nil, dryRun: Bool = false)
        -> [Range<Int>]
    {
        let end = min(tiffEnd ?? bytes.count, bytes.count)
        guard tiffStart >= 0, end - tiffStart >= 8 else { return [] }
        let littleEndian: Bool
        switch (bytes[tiffStart], bytes[tiffStart + 1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return []
        }
        func read(_ offset: Int, _ width: Int) -> Int? {
            let absolute = tiffStart + offset
            guard offset >= 0, absolute + width <= end else { return nil }
            var value = 0
            for index in 0..<width {
                value = value << 8 | Int(bytes[littleEndian ? absolute + width - 1 - index : absolute + index])
            }
            return value
        }
        guard read(2, 2) == 42, var directory = read(4, 4) else { return [] }
        var changed: [Range<Int>] = []
        var visited: Set<Int> = []
        for _ in 0..<maxDirectories {
            guard directory != 0, visited.insert(directory).inserted, let count = read(directory, 2),
                read(directory + 2 + count * 12, 4) != nil
            else { break }
            let next = read(directory + 2 + count * 12, 4) ?? 0
            if let index = (0..<count).first(where: { read(directory + 2 + $0 * 12, 2) == gpsPointerTag }),
                let gps = read(directory + 2 + index * 12 + 8, 4),
                let gpsRanges = gpsDirectoryRanges(at: gps, read: read), !gpsRanges.isEmpty
            {
                let directoryRange = (tiffStart + directory)..<(tiffStart + directory + 2 + count * 12 + 4)
                changed.append(directoryRange)
                changed += gpsRanges.map { (tiffStart + $0.lowerBound)..<(tiffStart + $0.upperBound) }
                if !dryRun {
                    for range in gpsRanges {
                        bytes.replaceSubrange(
                            (tiffStart + range.lowerBound)..<(tiffStart + range.upperBound),
                            with: repeatElement(0, count: range.count))
                    }
                    // Entries after the pointer, and the next-directory offset, move up one entry.
                    let entry = tiffStart + directory + 2 + index * 12
                    let tail = Array(bytes[(entry + 12)..<directoryRange.upperBound])
                    bytes.replaceSubrange(entry..<(entry + tail.count), with: tail)
                    bytes.replaceSubrange(
                        (directoryRange.upperBound - 12)..<directoryRange.upperBound, with: repeatElement(0, count: 12))
                    let newCount = count - 1
                    let countBytes: [UInt8] = [UInt8(newCount >> 8), UInt8(newCount & 0xFF)]
                    bytes.replaceSubrange(
                        (tiffStart + directory)..<(tiffStart + directory + 2),
                        with: littleEndian ? countBytes.reversed() : countBytes)
                }
            }
            directory = next
        }
        return changed
    }

    /// The GPS directory at `offset` and the out-of-line values its entries point to, relative to
    /// the TIFF block; nil when any of it lies outside the block (then nothing is touched).
    private static func gpsDirectoryRanges(at offset: Int, read: (Int, Int) -> Int?) -> [Range<Int>]? {
        guard let count = read(offset, 2), count > 0, count < 1000, read(offset + 2 + count * 12, 4) != nil
        else { return nil }
        var ranges = [offset..<(offset + 2 + count * 12 + 4)]
        for index in 0..<count {
            let entry = offset + 2 + index * 12
            guard let type = read(entry + 2, 2), let values = read(entry + 4, 4) else { return nil }
            let size = (1...13).contains(type) ? typeSizes[type] * values : 0
            guard size > 4 else { continue }
            guard let valueOffset = read(entry + 8, 4), read(valueOffset, 1) != nil,
                read(valueOffset + size - 1, 1) != nil
            else { return nil }
            ranges.append(valueOffset..<(valueOffset + size))
        }
        return ranges
    }
}
