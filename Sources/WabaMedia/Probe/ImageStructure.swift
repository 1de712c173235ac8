internal import CVipsShim

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Proves that an image file is whole without decoding its pixels: every JPEG segment up to the
/// end-of-image marker, every PNG chunk with a matching checksum up to `IEND`, every WebP chunk
/// inside the RIFF size, every GIF block up to the trailer.
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
        /// The type has no structural check here (HEIC, AVIF, TIFF, BMP): decode it instead.
        case notChecked
    }

    /// The types with a structural check.
    public static let checkedTypes: Set<String> = ["image/jpeg", "image/png", "image/webp", "image/gif"]

    /// Files up to this size are checked from a copy in memory; larger ones are left to a decode,
    /// which streams. (A memory map would save the copy, but a file cut short while mapped kills the
    /// process with SIGBUS.)
    public static let maxCheckedSize = 64 << 20

    /// Checks the file at `path`, whose content was detected as `mime`.
    public static func verify(fileAt path: String, mime: String) throws -> Result {
        guard checkedTypes.contains(mime) else { return .notChecked }
        return try verify(FileSource(path: path), mime: mime)
    }

    /// Checks a file that is already open, whose content was detected as `mime`.
    public static func verify(_ source: FileSource, mime: String) throws -> Result {
        guard checkedTypes.contains(mime), source.size <= maxCheckedSize else { return .notChecked }
        return try source.read(at: 0, count: source.size).withUnsafeBytes { verify($0, mime: mime) }
    }

    /// Checks a whole file held in memory, whose content was detected as `mime`.
    public static func verify(_ bytes: UnsafeRawBufferPointer, mime: String) -> Result {
        switch mime {
        case "image/jpeg": return JPEGStructure(bytes).verify()
        case "image/png": return PNGStructure(bytes).verify()
        case "image/webp": return WebPStructure(bytes).verify()
        case "image/gif": return GIFStructure(bytes).verify()
        default: return .notChecked
        }
    }

    static let cutOff = Result.damaged("the file ends in the middle of the image: it was cut off")
}

/// JPEG: markers and their segments; after each start-of-scan, the entropy-coded data runs to the
/// next marker that is neither a stuffed `FF 00` nor a restart marker. Bytes between segments are
/// skipped, as libjpeg does.
private struct JPEGStructure {
    let bytes: UnsafeRawBufferPointer
    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func verify() -> ImageStructure.Result {
        let count = bytes.count
        guard count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else {
            return .damaged("it does not start with a JPEG start-of-image marker")
        }
        var offset = 2
        var sawFrame = false
        var sawScan = false
        while true {
            guard let markerStart = nextFF(from: offset) else { return ImageStructure.cutOff }
            offset = markerStart
            while offset < count, bytes[offset] == 0xFF { offset += 1 }
            guard offset < count else { return ImageStructure.cutOff }
            let marker = bytes[offset]
            offset += 1
            switch marker {
            case 0xD9:
                return sawScan ? .intact : .damaged("it ends before any image data")
            case 0x00, 0x01, 0xD0...0xD7:
                continue
            default:
                guard offset + 2 <= count else { return ImageStructure.cutOff }
                let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
                guard length >= 2 else {
                    return .damaged("a segment at byte \(offset - 2) has an impossible length")
                }
                guard offset + length <= count else { return ImageStructure.cutOff }
                offset += length
                if (0xC0...0xCF).contains(marker) && ![0xC4, 0xC8, 0xCC].contains(marker) { sawFrame = true }
                if marker == 0xDA {
                    guard sawFrame else { return .damaged("image data comes before the frame header") }
                    sawScan = true
                    guard let end = endOfEntropyData(from: offset) else { return ImageStructure.cutOff }
                    offset = end
                }
            }
        }
    }

    private func nextFF(from offset: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        let found = memchr(bytes.baseAddress! + offset, 0xFF, bytes.count - offset)
        return found.map { UnsafeRawPointer($0) - bytes.baseAddress! }
    }

    /// The offset of the marker that ends a scan's entropy-coded data.
    private func endOfEntropyData(from start: Int) -> Int? {
        var offset = start
        while let candidate = nextFF(from: offset) {
            guard candidate + 1 < bytes.count else { return nil }
            let next = bytes[candidate + 1]
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
