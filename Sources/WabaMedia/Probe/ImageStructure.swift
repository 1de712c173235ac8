internal import CVipsShim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Proves that an image file is whole without decoding its pixels: every JPEG segment up to the
/// end-of-image marker, every PNG chunk with a matching checksum up to `IEND`, every WebP chunk
/// inside the RIFF size, every GIF block up to the trailer, a BMP's headers and pixel array, every
/// TIFF directory and the strips or tiles it points to.
///
/// A cut-off upload or copy, the commonest damage, is found this way at the speed of a memory scan
/// instead of a decode; on a campaign of thousands of files that is the difference between seconds
/// and minutes. Damage inside compressed data that leaves the structure whole (a flipped bit in a
/// JPEG scan) is found only by a decode: ``ImageVerification/decode``.
public enum ImageStructure {
    public enum Result: Sendable, Hashable {
        case intact
        /// Why the file is not whole, in words for the finding.
        case damaged(String)
        /// The type (HEIC, AVIF) or this file's layout (a compressed BMP, a BigTIFF) has no
        /// structural check here: decode it instead.
        case notChecked

        /// The reason, for a damaged file.
        public var damage: String? {
            if case .damaged(let reason) = self { return reason }
            return nil
        }
    }

    /// The types with a structural check.
    /// HEIC and AVIF are checked for what readers disagree on only (``HEIFStructure``), then decoded.
    public static let checkedTypes: Set<MIMEType> = [.jpeg, .png, .webp, .gif, .bmp, .tiff, .heic, .heif, .avif]

    /// Files up to this size are checked (a JPEG a window at a time, the others from a copy in
    /// memory); larger ones are left to a decode, which streams. (A memory map would save the copy,
    /// but a file cut short while mapped kills the process with SIGBUS.)
    public static let maxCheckedSize = 64 << 20

    /// Checks the file at `path`, whose content was detected as `mime`.
    public static func verify(fileAt path: String, mime: MIMEType) throws -> Result {
        guard checkedTypes.contains(mime) else { return .notChecked }
        return try verify(FileSource(path: path), mime: mime)
    }

    /// Checks a file that is already open, whose content was detected as `mime`.
    public static func verify(_ source: FileSource, mime: MIMEType) throws -> Result {
        try verify(source, mime: mime, chunk: FileWindow.defaultChunk)
    }

    /// The same, reading a JPEG `chunk` bytes at a time.
    static func verify(_ source: FileSource, mime: MIMEType, chunk: Int) throws -> Result {
        guard checkedTypes.contains(mime), source.size <= maxCheckedSize else { return .notChecked }
        if mime == .jpeg {
            // The commonest input, and the largest: read through one window, never copied whole.
            var structure = JPEGStructure(FileWindow(source, chunk: chunk))
            return try structure.verify()
        }
        return try source.read(at: 0, count: source.size).withUnsafeBytes { verify($0, mime: mime) }
    }

    /// Checks a whole file held in memory, whose content was detected as `mime`.
    public static func verify(_ bytes: UnsafeRawBufferPointer, mime: MIMEType) -> Result {
        switch mime {
        case .jpeg:
            var structure = JPEGStructure(MemoryBytes(bytes))
            return structure.verify()
        case .png: return PNGStructure(bytes).verify()
        case .webp: return WebPStructure(bytes).verify()
        case .gif: return GIFStructure(bytes).verify()
        case .bmp: return BMPStructure(ByteView(Array(bytes))).verify()
        case .tiff: return TIFFStructure(ByteView(Array(bytes))).verify()
        case .heic, .heif, .avif: return HEIFStructure(bytes: ByteView(Array(bytes))).verify()
        default: return .notChecked
        }
    }

    static let cutOff = Result.damaged("the file ends in the middle of the image: it was cut off")
}

/// JPEG: markers and their segments; after each start-of-scan, the entropy-coded data runs to the
/// next marker that is neither a stuffed `FF 00` nor a restart marker. Bytes between segments are
/// skipped, as libjpeg does.
private struct JPEGStructure<Bytes: ScannedBytes & ~Copyable>: ~Copyable {
    var bytes: Bytes
    init(_ bytes: consuming Bytes) { self.bytes = bytes }

    mutating func verify() throws(Bytes.Failure) -> ImageStructure.Result {
        let count = bytes.count
        guard count >= 4, try bytes.byte(at: 0) == 0xFF, try bytes.byte(at: 1) == 0xD8 else {
            return .damaged("it does not start with a JPEG start-of-image marker")
        }
        var offset = 2
        var sawFrame = false
        var sawScan = false
        while true {
            guard let markerStart = try bytes.nextFF(from: offset) else { return ImageStructure.cutOff }
            offset = markerStart
            while offset < count, try bytes.byte(at: offset) == 0xFF { offset += 1 }
            guard offset < count else { return ImageStructure.cutOff }
            let marker = try bytes.byte(at: offset)
            offset += 1
            switch marker {
            case 0xD9:
                return sawScan ? .intact : .damaged("it ends before any image data")
            case 0x00, 0x01, 0xD0...0xD7:
                continue
            default:
                guard offset + 2 <= count else { return ImageStructure.cutOff }
                let length = Int(try bytes.byte(at: offset)) << 8 | Int(try bytes.byte(at: offset + 1))
                guard length >= 2 else {
                    return .damaged("a segment at byte \(offset - 2) has an impossible length")
                }
                guard offset + length <= count else { return ImageStructure.cutOff }
                offset += length
                if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) { sawFrame = true }
                if marker == 0xDA {
                    guard sawFrame else { return .damaged("image data comes before the frame header") }
                    sawScan = true
                    guard let end = try endOfEntropyData(from: offset) else { return ImageStructure.cutOff }
                    offset = end
                }
            }
        }
    }

    /// The offset of the marker that ends a scan's entropy-coded data.
    private mutating func endOfEntropyData(from start: Int) throws(Bytes.Failure) -> Int? {
        var offset = start
        while let candidate = try bytes.nextFF(from: offset) {
            guard candidate + 1 < bytes.count else { return nil }
            let next = try bytes.byte(at: candidate + 1)
            if next == 0x00 || (0xD0...0xD7).contains(next) {
                offset = candidate + 2
            } else {
                return candidate
            }
        }
        return nil
    }
}

/// PNG: the signature, then length-type-data-CRC chunks from `IHDR` to `IEND`, every CRC checked.
private struct PNGStructure {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    func verify() -> ImageStructure.Result {
        let count = bytes.count
        guard count >= 8, bytes.prefix(8).elementsEqual(Self.signature) else {
            return .damaged("it does not start with the PNG signature")
        }
        var offset = 8
        var sawImageData = false
        var isFirst = true
        while true {
            guard offset + 12 <= count else { return ImageStructure.cutOff }
            let length = Int(bigEndian32(at: offset))
            let type = bigEndian32(at: offset + 4)
            guard length <= Int(Int32.max) else {
                return .damaged("a chunk at byte \(offset) has an impossible length")
            }
            guard offset + 12 + length <= count else { return ImageStructure.cutOff }
            let name = chunkName(type)
            if isFirst, name != "IHDR" { return .damaged("its first chunk is \(name), not the IHDR header") }
            isFirst = false
            let stored = bigEndian32(at: offset + 8 + length)
            let computed = wm_crc32(0, bytes.baseAddress! + offset + 4, 4 + length)
            guard stored == computed else {
                return .damaged("its \(name) chunk at byte \(offset) is corrupt (checksum mismatch)")
            }
            offset += 12 + length
            switch name {
            case "IDAT": sawImageData = true
            case "IEND": return sawImageData ? .intact : .damaged("it has no image data (no IDAT chunk)")
            default: break
            }
        }
    }

    private func bigEndian32(at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    private func chunkName(_ type: UInt32) -> String {
        let letters = [24, 16, 8, 0].map { UInt8(truncatingIfNeeded: type >> $0) }
        guard letters.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            return "unnamed"
        }
        return String(decoding: letters, as: UTF8.self)
    }
}

/// WebP: a RIFF file whose declared size the file holds, made of whole chunks, the first of them
/// an image (`VP8 `, `VP8L`) or the extended header (`VP8X`) with frames after it.
private struct WebPStructure {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func verify() -> ImageStructure.Result {
        let count = bytes.count
        guard count >= 12, fourCC(at: 0) == "RIFF", fourCC(at: 8) == "WEBP" else {
            return .damaged("it is not a RIFF WebP file")
        }
        let riffEnd = 8 + littleEndian32(at: 4)
        guard riffEnd <= count else { return ImageStructure.cutOff }
        var offset = 12
        var sawImage = false
        var isFirst = true
        while offset + 8 <= riffEnd {
            let name = fourCC(at: offset)
            let length = littleEndian32(at: offset + 4)
            let dataStart = offset + 8
            guard dataStart + length <= riffEnd else { return ImageStructure.cutOff }
            if isFirst, !["VP8 ", "VP8L", "VP8X"].contains(name) {
                return .damaged("its first chunk is \(name), not an image")
            }
            isFirst = false
            switch name {
            case "VP8 ":
                // A key frame: three tag bytes, then the start code 9D 01 2A.
                guard length >= 10, bytes[dataStart + 3] == 0x9D, bytes[dataStart + 4] == 0x01,
                    bytes[dataStart + 5] == 0x2A
                else { return .damaged("its VP8 image has no valid frame header") }
                sawImage = true
            case "VP8L":
                guard length >= 5, bytes[dataStart] == 0x2F else {
                    return .damaged("its lossless image has no valid header")
                }
                sawImage = true
            case "ANMF":
                sawImage = true
            default:
                break
            }
            offset = dataStart + length + (length & 1)
        }
        return sawImage ? .intact : .damaged("it holds no image")
    }

    private func fourCC(at offset: Int) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4)]), as: UTF8.self)
    }

    private func littleEndian32(at offset: Int) -> Int {
        Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16 | Int(bytes[offset + 3]) << 24
    }
}

/// GIF: header, screen descriptor and colour table, then extension and image blocks (each a chain
/// of sub-blocks) up to the trailer. A file that stops cleanly after a whole image, without the
/// trailer, is accepted, as decoders do.
private struct GIFStructure {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func verify() -> ImageStructure.Result {
        let count = bytes.count
        guard count >= 13, bytes[0] == 0x47, bytes[1] == 0x49, bytes[2] == 0x46 else {
            return .damaged("it does not start with a GIF header")
        }
        var offset = 13 + colourTableSize(flags: bytes[10])
        var images = 0
        while offset < count {
            switch bytes[offset] {
            case 0x3B:
                return images > 0 ? .intact : .damaged("it holds no image")
            case 0x21:
                guard let end = endOfSubBlocks(from: offset + 2) else { return ImageStructure.cutOff }
                offset = end
            case 0x2C:
                guard offset + 10 <= count else { return ImageStructure.cutOff }
                let tableEnd = offset + 10 + colourTableSize(flags: bytes[offset + 9])
                // The LZW minimum code size, then the image data's sub-blocks.
                guard let end = endOfSubBlocks(from: tableEnd + 1) else { return ImageStructure.cutOff }
                offset = end
                images += 1
            default:
                return .damaged("an unknown block starts at byte \(offset)")
            }
        }
        return images > 0 ? .intact : ImageStructure.cutOff
    }

    private func colourTableSize(flags: UInt8) -> Int {
        flags & 0x80 == 0 ? 0 : 3 << (Int(flags & 0x07) + 1)
    }

    /// The offset just past a chain of sub-blocks that starts at `start`, or nil when the file ends first.
    private func endOfSubBlocks(from start: Int) -> Int? {
        var offset = start
        while offset < bytes.count {
            let length = Int(bytes[offset])
            offset += 1
            if length == 0 { return offset }
            offset += length
        }
        return nil
    }
}

/// BMP: the file header, a known info header, a bit depth and compression that go together, the
/// colour table, and the pixel array inside the file: its full size for uncompressed rows, every
/// run up to the end-of-bitmap code for RLE. Embedded JPEG or PNG data is left to a decode.
private struct BMPStructure {
    let bytes: ByteView
    init(_ bytes: ByteView) { self.bytes = bytes }

    func verify() -> ImageStructure.Result {
        guard bytes.matches("BM", at: 0) else { return .damaged("it does not start with a BMP signature") }
        guard let pixelOffset = bytes.u32LE(at: 10), let headerSize = bytes.u32LE(at: 14) else {
            return ImageStructure.cutOff
        }
        guard [12, 40, 52, 56, 64, 108, 124].contains(headerSize) else {
            return .damaged("its info header has an unknown size (\(headerSize) bytes)")
        }
        guard bytes.has(headerSize, at: 14) else { return ImageStructure.cutOff }
        let core = headerSize == 12
        let width = core ? bytes.u16LE(at: 18)! : Int(Int32(truncatingIfNeeded: bytes.u32LE(at: 18)!))
        let rawHeight = core ? bytes.u16LE(at: 20)! : Int(Int32(truncatingIfNeeded: bytes.u32LE(at: 22)!))
        let planes = bytes.u16LE(at: core ? 22 : 26)!
        let bitsPerPixel = bytes.u16LE(at: core ? 24 : 28)!
        let compression = core ? 0 : bytes.u32LE(at: 30)!
        let height = abs(rawHeight)
        guard width > 0, height > 0, planes == 1 else {
            return .damaged("its header gives an impossible size (\(width)×\(rawHeight), \(planes) planes)")
        }
        let allowed: [Int: Set<Int>] = [0: [1, 2, 4, 8, 16, 24, 32], 1: [8], 2: [4], 3: [16, 32], 6: [16, 32]]
        if compression == 4 || compression == 5 { return .notChecked }
        guard let depths = allowed[compression], depths.contains(bitsPerPixel) else {
            return .damaged("its bit depth (\(bitsPerPixel)) and compression (\(compression)) do not go together")
        }
        guard pixelOffset >= 14 + headerSize else {
            return .damaged("its pixel data would start inside its headers (at byte \(pixelOffset))")
        }
        guard pixelOffset <= bytes.count else { return ImageStructure.cutOff }
        if compression == 1 || compression == 2 {
            guard rawHeight > 0 else { return .damaged("a run-length coded BMP cannot be stored top-down") }
            return runsEnd(from: pixelOffset, fourBit: compression == 2) ? .intact : ImageStructure.cutOff
        }
        let rowBytes = (bitsPerPixel * width + 31) / 32 * 4
        let (total, overflow) = rowBytes.multipliedReportingOverflow(by: height)
        guard !overflow, bytes.has(total, at: pixelOffset) else { return ImageStructure.cutOff }
        return .intact
    }

    /// Whether the RLE runs from `start` reach the end-of-bitmap code inside the file.
    private func runsEnd(from start: Int, fourBit: Bool) -> Bool {
        var offset = start
        while let count = bytes.u8(at: offset), let value = bytes.u8(at: offset + 1) {
            offset += 2
            guard count == 0 else { continue }
            switch value {
            case 0: continue  // end of line
            case 1: return true  // end of bitmap
            case 2: offset += 2  // delta
            default:
                // An absolute run of `value` pixels, padded to a 16-bit boundary.
                let length = fourBit ? (value + 1) / 2 : value
                offset += length + (length & 1)
            }
        }
        return false
    }
}

/// TIFF: the header, then every image directory in the chain, each entry's values, and every
/// strip's or tile's offset and byte count inside the file. BigTIFF is left to a decode.
private struct TIFFStructure {
    let bytes: ByteView
    init(_ bytes: ByteView) { self.bytes = bytes }

    /// A bound against crafted files: multi-page scans have a few hundred pages.
    static let maxDirectories = 4096
    /// Sizes in bytes of the TIFF field types 1...13 (and 16...18, BigTIFF's).
    static let typeSizes = [1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4]

    func verify() -> ImageStructure.Result {
        let little: Bool
        if bytes.matches("II", at: 0) {
            little = true
        } else if bytes.matches("MM", at: 0) {
            little = false
        } else {
            return .damaged("it does not start with a TIFF byte-order mark")
        }
        func u16(_ offset: Int) -> Int? { little ? bytes.u16LE(at: offset) : bytes.u16(at: offset) }
        func u32(_ offset: Int) -> Int? { little ? bytes.u32LE(at: offset) : bytes.u32(at: offset) }
        guard let magic = u16(2), let first = u32(4) else { return ImageStructure.cutOff }
        if magic == 43 { return .notChecked }
        guard magic == 42 else { return .damaged("its header is not a TIFF header (\(magic))") }

        var directory = first
        var visited: Set<Int> = []
        var images = 0
        while directory != 0 {
            guard visited.insert(directory).inserted, visited.count <= Self.maxDirectories else {
                return .damaged("its image directories form a loop")
            }
            guard let count = u16(directory) else { return ImageStructure.cutOff }
            guard count > 0 else { return .damaged("an image directory at byte \(directory) is empty") }
            guard bytes.has(count * 12 + 4, at: directory + 2) else { return ImageStructure.cutOff }
            var values: [Int: [Int]] = [:]
            for index in 0..<count {
                let entry = directory + 2 + index * 12
                let tag = u16(entry)!
                let type = u16(entry + 2)!
                let number = u32(entry + 4)!
                guard let size = Self.typeSizes[type] else { continue }
                let (length, overflow) = size.multipliedReportingOverflow(by: number)
                guard !overflow else { return .damaged("tag \(tag) declares an impossible number of values") }
                let valueOffset = length <= 4 ? entry + 8 : u32(entry + 8)!
                guard bytes.has(length, at: valueOffset) else { return ImageStructure.cutOff }
                // Only the strip and tile tables and the planar configuration are needed, and they
                // hold SHORTs or LONGs.
                guard [273, 279, 284, 324, 325].contains(tag), type == 3 || type == 4 else { continue }
                guard number <= bytes.count else {
                    return .damaged("tag \(tag) declares more values than the file has bytes")
                }
                values[tag] = (0..<number).map { type == 3 ? u16(valueOffset + $0 * 2)! : u32(valueOffset + $0 * 4)! }
            }
            let pairs = [(273, 279, "strip"), (324, 325, "tile")]
            guard let (offsetsTag, countsTag, unit) = pairs.first(where: { values[$0.0] != nil }) else {
                return .damaged("an image directory at byte \(directory) has no image data")
            }
            guard let offsets = values[offsetsTag], let counts = values[countsTag] else { return .notChecked }
            guard offsets.count == counts.count else {
                return .damaged(
                    "its \(unit) offsets and byte counts do not match (\(offsets.count) and \(counts.count))")
            }
            for (offset, count) in zip(offsets, counts) where !bytes.has(count, at: offset) {
                return ImageStructure.cutOff
            }
            // Tiles with each colour plane apart: whole, but a layout libvips' loader refuses. The
            // decode says so, in its words.
            if unit == "tile", values[284]?.first == 2 { return .notChecked }
            images += 1
            guard let next = u32(directory + 2 + count * 12) else { return ImageStructure.cutOff }
            directory = next
        }
        return images > 0 ? .intact : .damaged("it holds no image")
    }
}
