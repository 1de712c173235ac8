#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads what ``ImageInfo`` holds straight from the bytes of the common web formats (JPEG, PNG and
/// still WebP) and of BMP, with the answers libvips' loaders give, for a fraction of the cost: libvips builds a
/// loader, parses the EXIF block in full and, for WebP, allocates the whole canvas just to read a header.
///
/// On a campaign of thousands of small images the header is most of the work left once the type is
/// known. Anything unusual (12-bit or arithmetic-coded JPEG, inconsistent ICC markers, EXIF it cannot
/// walk, animation) returns nil and is left to libvips, the reference this parser is tested against.
enum ImageHeaderParser {
    static func parse(_ bytes: UnsafeRawBufferPointer, mime: MIMEType) -> ImageInfo? {
        switch mime {
        case .jpeg: return jpeg(bytes)
        case .png: return png(bytes)
        case .webp: return webp(bytes)
        case .bmp: return bmp(bytes)
        default: return nil
        }
    }

    // MARK: - JPEG

    private static func jpeg(_ bytes: UnsafeRawBufferPointer) -> ImageInfo? {
        let count = bytes.count
        guard count >= 4, bytes[0] == 0xFF, bytes[1] == 0xD8 else { return nil }
        var offset = 2
        var frame: (width: Int, height: Int, components: Int)?
        var orientation = 1
        var hasEXIF = false
        var hasXMP = false
        var iccMarkers: [(sequence: Int, total: Int)] = []
        while true {
            // Segments follow each other directly up to the first scan: anything else is unusual.
            guard offset + 4 <= count, bytes[offset] == 0xFF else { return nil }
            let marker = bytes[offset + 1]
            let length = Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let data = offset + 4
            let dataLength = length - 2
            guard length >= 2, data + dataLength <= count else { return nil }
            let segment = UnsafeRawBufferPointer(rebasing: bytes[data..<(data + dataLength)])
            switch marker {
            case 0xC0, 0xC1, 0xC2:
                // Baseline, extended and progressive Huffman; 8-bit samples only, as libjpeg decodes.
                guard dataLength >= 6, segment[0] == 8 else { return nil }
                let height = Int(segment[1]) << 8 | Int(segment[2])
                let width = Int(segment[3]) << 8 | Int(segment[4])
                let components = Int(segment[5])
                guard width > 0, height > 0, [1, 3, 4].contains(components) else { return nil }
                frame = (width, height, components)
            case 0xC3, 0xC5...0xC7, 0xC9...0xCB, 0xCD...0xCF:
                return nil
            case 0xE1:
                if startsWith(segment, "Exif") {
                    hasEXIF = true
                    guard dataLength >= 6, let value = exifOrientation(UnsafeRawBufferPointer(rebasing: segment[6...]))
                    else { return nil }
                    orientation = value
                } else if startsWith(segment, "http") {
                    hasXMP = true
                }
            case 0xE2:
                if startsWith(segment, "ICC_PROFILE\0") {
                    guard dataLength >= 14 else { return nil }
                    iccMarkers.append((Int(segment[12]), Int(segment[13])))
                }
            case 0xDA:
                guard let frame else { return nil }
                var hasICC = false
                if !iccMarkers.isEmpty {
                    // libjpeg assembles the profile only from a complete, consistent set of markers.
                    let total = iccMarkers[0].total
                    let sequences = Set(iccMarkers.map(\.sequence))
                    guard iccMarkers.allSatisfy({ $0.total == total }), sequences.count == iccMarkers.count,
                        sequences == Set(1...max(1, total))
                    else { return nil }
                    hasICC = true
                }
                let colourSpace: ColourSpace = [1: .grey, 3: .sRGB, 4: .cmyk][frame.components]!
                return ImageInfo(
                    width: frame.width, height: frame.height, bands: frame.components, bitsPerSample: 8,
                    colourSpace: colourSpace, orientation: orientation, hasAlpha: false, hasICCProfile: hasICC,
                    hasEXIF: hasEXIF, hasXMP: hasXMP, pages: 1, loader: "jpegload")
            case 0xD8, 0xD9, 0x01, 0xD0...0xD7:
                return nil
            default:
                break
            }
            offset = data + dataLength
        }
    }

    // MARK: - PNG

    private static func png(_ bytes: UnsafeRawBufferPointer) -> ImageInfo? {
        let count = bytes.count
        guard count >= 33, bytes[12] == 0x49, bytes[13] == 0x48, bytes[14] == 0x44, bytes[15] == 0x52 else {
            return nil
        }
        let width = Int(bigEndian32(bytes, at: 16))
        let height = Int(bigEndian32(bytes, at: 20))
        let bitDepth = Int(bytes[24])
        let colourType = Int(bytes[25])
        guard width > 0, height > 0, [1, 2, 4, 8, 16].contains(bitDepth) else { return nil }
        var bands: Int
        switch colourType {
        case 0: bands = 1
        case 2, 3: bands = 3
        case 4: bands = 2
        case 6: bands = 4
        default: return nil
        }
        var hasTransparency = false
        var hasICC = false
        var hasEXIF = false
        var hasXMP = false
        var orientation = 1
        // libpng reads the chunks before the first IDAT as the header.
        var offset = 8
        while offset + 12 <= count {
            let length = Int(bigEndian32(bytes, at: offset))
            let data = offset + 8
            guard length <= Int(Int32.max), data + length + 4 <= count else { return nil }
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + 8)])
            let body = UnsafeRawBufferPointer(rebasing: bytes[data..<(data + length)])
            if startsWith(chunk, "IDAT") { break }
            if startsWith(chunk, "tRNS") {
                hasTransparency = true
            } else if startsWith(chunk, "iCCP") {
                hasICC = true
            } else if startsWith(chunk, "eXIf") {
                hasEXIF = true
                guard let value = exifOrientation(body) else { return nil }
                orientation = value
            } else if startsWith(chunk, "iTXt"), startsWith(body, "XML:com.adobe.xmp\0") {
                hasXMP = true
            }
            offset = data + length + 4
        }
        if hasTransparency { bands += 1 }
        let sixteenBit = bitDepth == 16
        let colourSpace: ColourSpace = bands <= 2 ? (sixteenBit ? .grey16 : .grey) : (sixteenBit ? .rgb16 : .sRGB)
        return ImageInfo(
            width: width, height: height, bands: bands, bitsPerSample: sixteenBit ? 16 : 8, colourSpace: colourSpace,
            orientation: orientation, hasAlpha: bands == 2 || bands == 4, hasICCProfile: hasICC, hasEXIF: hasEXIF,
            hasXMP: hasXMP, pages: 1, loader: "pngload")
    }

    // MARK: - BMP

    /// BMPs of up to 24 bits per pixel, as ImageMagick (the only BMP loader libvips has) reads them:
    /// palettes, grey and 16-bit pixels all expand to 8-bit sRGB. Loading ImageMagick and asking it
    /// costs some 20 ms per file, a hundred times the structural check. 32-bit pixels (whose alpha
    /// ImageMagick judges from the masks) and embedded colour profiles are left to libvips.
    private static func bmp(_ bytes: UnsafeRawBufferPointer) -> ImageInfo? {
        guard bytes.count >= 26, bytes[0] == 0x42, bytes[1] == 0x4D else { return nil }
        let headerSize = littleEndian(bytes, at: 14, width: 4)
        guard [12, 40, 52, 56, 64, 108, 124].contains(headerSize), bytes.count >= 14 + headerSize else { return nil }
        let core = headerSize == 12
        let width =
            core
            ? littleEndian(bytes, at: 18, width: 2)
            : Int(Int32(truncatingIfNeeded: littleEndian(bytes, at: 18, width: 4)))
        let height =
            core
            ? littleEndian(bytes, at: 20, width: 2)
            : Int(Int32(truncatingIfNeeded: littleEndian(bytes, at: 22, width: 4)))
        let bitsPerPixel = littleEndian(bytes, at: core ? 24 : 28, width: 2)
        let compression = core ? 0 : littleEndian(bytes, at: 30, width: 4)
        guard width > 0, height != 0, height != Int(Int32.min), [1, 4, 8, 16, 24].contains(bitsPerPixel),
            [0, 1, 2, 3].contains(compression)
        else { return nil }
        // A version 5 header may embed an ICC profile ('MBED'), which ImageMagick reports.
        if headerSize == 124, littleEndian(bytes, at: 14 + 56, width: 4) == 0x4D42_4544 { return nil }
        return ImageInfo(
            width: width, height: abs(height), bands: 3, bitsPerSample: 8, colourSpace: "srgb", orientation: 1,
            hasAlpha: false, hasICCProfile: false, hasEXIF: false, hasXMP: false, pages: 1, loader: "magickload")
    }

    // MARK: - WebP

    private static func webp(_ bytes: UnsafeRawBufferPointer) -> ImageInfo? {
        let count = bytes.count
        guard count >= 30, startsWith(bytes, "RIFF"), startsWith(UnsafeRawBufferPointer(rebasing: bytes[8...]), "WEBP")
        else { return nil }
        let end = min(count, 8 + littleEndian(bytes, at: 4, width: 4))
        var width = 0
        var height = 0
        var hasAlpha = false
        var hasICC = false
        var hasEXIF = false
        var hasXMP = false
        var orientation = 1
        var sawImage = false
        var offset = 12
        while offset + 8 <= end {
            let length = littleEndian(bytes, at: offset + 4, width: 4)
            let data = offset + 8
            guard data + length <= end else { return nil }
            let chunk = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + 4)])
            let body = UnsafeRawBufferPointer(rebasing: bytes[data..<(data + length)])
            if startsWith(chunk, "VP8X") {
                guard length >= 10, body[0] & 0x02 == 0 else { return nil }  // animation: libvips decides
                hasAlpha = body[0] & 0x10 != 0
                width = littleEndian(body, at: 4, width: 3) + 1
                height = littleEndian(body, at: 7, width: 3) + 1
            } else if startsWith(chunk, "VP8 ") {
                guard length >= 10, body[3] == 0x9D, body[4] == 0x01, body[5] == 0x2A else { return nil }
                if width == 0 {
                    width = littleEndian(body, at: 6, width: 2) & 0x3FFF
                    height = littleEndian(body, at: 8, width: 2) & 0x3FFF
                }
                sawImage = true
            } else if startsWith(chunk, "VP8L") {
                guard length >= 5, body[0] == 0x2F else { return nil }
                let bits = littleEndian(body, at: 1, width: 4)
                if width == 0 {
                    width = (bits & 0x3FFF) + 1
                    height = ((bits >> 14) & 0x3FFF) + 1
                    hasAlpha = (bits >> 28) & 1 != 0
                }
                sawImage = true
            } else if startsWith(chunk, "ICCP") {
                hasICC = true
            } else if startsWith(chunk, "EXIF") {
                hasEXIF = true
                let tiff = startsWith(body, "Exif\0\0") ? UnsafeRawBufferPointer(rebasing: body[6...]) : body
                guard let value = exifOrientation(tiff) else { return nil }
                orientation = value
            } else if startsWith(chunk, "XMP ") {
                hasXMP = true
            }
            offset = data + length + (length & 1)
        }
        guard sawImage, width > 0, height > 0 else { return nil }
        return ImageInfo(
            width: width, height: height, bands: hasAlpha ? 4 : 3, bitsPerSample: 8, colourSpace: "srgb",
            orientation: orientation, hasAlpha: hasAlpha, hasICCProfile: hasICC, hasEXIF: hasEXIF, hasXMP: hasXMP,
            pages: 1, loader: "webpload")
    }

    // MARK: - EXIF

    /// The orientation tag of the first image directory of a TIFF-structured EXIF block, clipped to
    /// 1...8 as libvips does; 1 when absent; nil when the block cannot be walked.
    static func exifOrientation(_ tiff: UnsafeRawBufferPointer) -> Int? {
        guard tiff.count >= 8 else { return nil }
        let littleEndian: Bool
        switch (tiff[0], tiff[1]) {
        case (0x49, 0x49): littleEndian = true
        case (0x4D, 0x4D): littleEndian = false
        default: return nil
        }
        func read(_ offset: Int, _ width: Int) -> Int? {
            guard offset >= 0, offset + width <= tiff.count else { return nil }
            var value = 0
            for index in 0..<width {
                let byte = Int(tiff[littleEndian ? offset + width - 1 - index : offset + index])
                value = value << 8 | byte
            }
            return value
        }
        guard read(2, 2) == 42, let directory = read(4, 4), let entries = read(directory, 2) else { return nil }
        for index in 0..<entries {
            let entry = directory + 2 + index * 12
            guard let tag = read(entry, 2) else { return nil }
            guard tag == 0x0112 else { continue }
            guard read(entry + 2, 2) == 3, let value = read(entry + 8, 2) else { return nil }
            return min(max(value, 1), 8)
        }
        return 1
    }

    // MARK: - Bytes

    private static func startsWith(_ bytes: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        let length = text.utf8CodeUnitCount
        guard bytes.count >= length else { return false }
        return memcmp(bytes.baseAddress!, text.utf8Start, length) == 0
    }

    private static func bigEndian32(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> UInt32 {
        UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16 | UInt32(bytes[offset + 2]) << 8
            | UInt32(bytes[offset + 3])
    }

    private static func littleEndian(_ bytes: UnsafeRawBufferPointer, at offset: Int, width: Int) -> Int {
        var value = 0
        for index in (0..<width).reversed() { value = value << 8 | Int(bytes[offset + index]) }
        return value
    }
}
