/// A small reader for Windows bitmaps: uncompressed 1, 4, 8, 16, 24 and 32-bit, with bit-field masks.
///
/// libvips reads BMP only through ImageMagick, which is blocked with the other untrusted loaders;
/// BMP is simple enough to read here, with every offset checked against the data.
enum BMPImage {
    /// Enough bytes for the file header, the largest info header and its colour masks.
    static let headerLength = 14 + 124 + 16

    struct Header {
        var width: Int
        var height: Int
        var topDown: Bool
        var bitsPerPixel: Int
        var compression: Int
        var infoSize: Int
        var pixelOffset: Int
        var colours: Int
        var masks: (red: UInt32, green: UInt32, blue: UInt32, alpha: UInt32)
        var hasAlpha: Bool { masks.alpha != 0 }
    }

    struct Bitmap {
        var width: Int
        var height: Int
        var bands: Int
        var pixels: [UInt8]
    }

    static func isBMP(_ prefix: [UInt8]) -> Bool { prefix.count >= 2 && prefix[0] == 0x42 && prefix[1] == 0x4D }

    private static func unreadable(_ name: String, _ why: String) -> WabaMediaError {
        WabaMediaError(
            .unsupportedInput, "\(name): not a readable BMP image: \(why)",
            hint: "convert it to PNG or JPEG with an image editor")
    }

    static func header(_ bytes: [UInt8], name: String) throws -> Header {
        func u16(_ at: Int) throws -> Int {
            guard at + 2 <= bytes.count else { throw unreadable(name, "the header is cut short") }
            return Int(bytes[at]) | Int(bytes[at + 1]) << 8
        }
        func u32(_ at: Int) throws -> UInt32 {
            guard at + 4 <= bytes.count else { throw unreadable(name, "the header is cut short") }
            return UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
        }
        guard isBMP(bytes) else { throw unreadable(name, "no BM signature") }
        let pixelOffset = Int(try u32(10))
        let infoSize = Int(try u32(14))
        var header: Header
        if infoSize == 12 {
            header = Header(
                width: try u16(18), height: try u16(20), topDown: false, bitsPerPixel: try u16(24), compression: 0,
                infoSize: infoSize, pixelOffset: pixelOffset, colours: 0, masks: (0, 0, 0, 0))
        } else if infoSize >= 40 {
            let width = Int(Int32(bitPattern: try u32(18)))
            let height = Int(Int32(bitPattern: try u32(22)))
            header = Header(
                width: width, height: abs(height), topDown: height < 0, bitsPerPixel: try u16(28),
                compression: Int(try u32(30)), infoSize: infoSize, pixelOffset: pixelOffset,
                colours: Int(try u32(46)), masks: (0, 0, 0, 0))
        } else {
            throw unreadable(name, "unknown info header size \(infoSize)")
        }
        guard header.width > 0, header.height > 0, header.width <= 1 << 20, header.height <= 1 << 20 else {
            throw unreadable(name, "invalid dimensions \(header.width)×\(header.height)")
        }
        switch (header.compression, header.bitsPerPixel) {
        case (0, 1), (0, 4), (0, 8), (0, 24): break
        case (0, 16): header.masks = (0x7C00, 0x03E0, 0x001F, 0)
        case (0, 32): header.masks = (0x00FF_0000, 0x0000_FF00, 0x0000_00FF, 0)
        case (3, 16), (3, 32), (6, 16), (6, 32):
            // Masks follow a 40-byte header, or sit inside a V4/V5 header at the same place.
            header.masks = (try u32(54), try u32(58), try u32(62), header.compression == 6 || infoSize >= 56 ? try u32(66) : 0)
        case (1, _), (2, _):
            throw unreadable(name, "run-length encoded bitmaps are not supported")
        default:
            throw unreadable(name, "compression \(header.compression) at \(header.bitsPerPixel) bits per pixel is not supported")
        }
        return header
    }

    static func decode(_ bytes: [UInt8], name: String) throws -> Bitmap {
        let header = try header(bytes, name: name)
        let width = header.width
        let height = header.height
        let rowBytes = (width * header.bitsPerPixel + 31) / 32 * 4
        guard header.pixelOffset >= 14, header.pixelOffset + rowBytes * height <= bytes.count else {
            throw unreadable(name, "the pixel data is truncated")
        }
        var palette: [(UInt8, UInt8, UInt8)] = []
        if header.bitsPerPixel <= 8 {
            let entrySize = header.infoSize == 12 ? 3 : 4
            let count = header.colours > 0 ? min(header.colours, 1 << header.bitsPerPixel) : 1 << header.bitsPerPixel
            let start = 14 + header.infoSize
            guard start + count * entrySize <= header.pixelOffset else { throw unreadable(name, "the colour table is truncated") }
            palette = (0..<count).map { index in
                let at = start + index * entrySize
                return (bytes[at + 2], bytes[at + 1], bytes[at])
            }
        }
        let bands = header.hasAlpha ? 4 : 3
        var pixels = [UInt8](repeating: 0, count: width * height * bands)
        func channel(_ value: UInt32, _ mask: UInt32) -> UInt8 {
            guard mask != 0 else { return 255 }
            let shifted = (value & mask) >> UInt32(mask.trailingZeroBitCount)
            let maximum = mask >> UInt32(mask.trailingZeroBitCount)
            return UInt8((UInt64(shifted) * 255 + UInt64(maximum) / 2) / UInt64(maximum))
        }
        try bytes.withUnsafeBufferPointer { data in
            for row in 0..<height {
                let sourceRow = header.topDown ? row : height - 1 - row
                let base = header.pixelOffset + sourceRow * rowBytes
                var out = row * width * bands
                for column in 0..<width {
                    var red: UInt8, green: UInt8, blue: UInt8, alpha: UInt8 = 255
                    switch header.bitsPerPixel {
                    case 1, 4, 8:
                        let bit = column * header.bitsPerPixel
                        let byte = data[base + bit / 8]
                        let shift = 8 - header.bitsPerPixel - bit % 8
                        let index = Int(byte >> UInt8(shift)) & ((1 << header.bitsPerPixel) - 1)
                        guard index < palette.count else { throw unreadable(name, "a colour index is out of range") }
                        (red, green, blue) = palette[index]
                    case 24:
                        let at = base + column * 3
                        (red, green, blue) = (data[at + 2], data[at + 1], data[at])
                    case 16:
                        let at = base + column * 2
                        let value = UInt32(data[at]) | UInt32(data[at + 1]) << 8
                        (red, green, blue) = (channel(value, header.masks.red), channel(value, header.masks.green), channel(value, header.masks.blue))
                        if header.hasAlpha { alpha = channel(value, header.masks.alpha) }
                    default:
                        let at = base + column * 4
                        let value = UInt32(data[at]) | UInt32(data[at + 1]) << 8 | UInt32(data[at + 2]) << 16 | UInt32(data[at + 3]) << 24
                        (red, green, blue) = (channel(value, header.masks.red), channel(value, header.masks.green), channel(value, header.masks.blue))
                        if header.hasAlpha { alpha = channel(value, header.masks.alpha) }
                    }
                    pixels[out] = red
                    pixels[out + 1] = green
                    pixels[out + 2] = blue
                    if bands == 4 { pixels[out + 3] = alpha }
                    out += bands
                }
            }
        }
        return Bitmap(width: width, height: height, bands: bands, pixels: pixels)
    }
}
