/// A metadata block stored as text the way ImageMagick, exiftool and `avifdec` write it into PNG
/// text chunks (keywords `Raw profile type exif`, `... APP1`, `... xmp`): a newline, the profile's
/// name, its length in bytes, then the bytes in hexadecimal, 72 digits to a line.
enum RawProfile {
    /// What a raw profile holds, by its keyword.
    enum Kind {
        /// EXIF (`exif`), or a JPEG APP1 payload (`APP1`: EXIF or XMP after its identifier).
        case exifOrAPP1
        case xmp
    }

    /// The kind a text chunk's keyword names, or nil for other keywords (and other profiles: IPTC, ICC).
    static func kind(keyword: String) -> Kind? {
        switch keyword.lowercased() {
        case "raw profile type exif", "raw profile type app1": return .exifOrAPP1
        case "raw profile type xmp": return .xmp
        default: return nil
        }
    }

    /// The profile's bytes, or nil when the text is not a raw profile.
    static func decode(_ text: ArraySlice<UInt8>) -> [UInt8]? {
        var index = text.startIndex
        func skipSpace() { while index < text.endIndex, text[index] <= 0x20 { index += 1 } }
        skipSpace()
        // The profile's name, then its length.
        while index < text.endIndex, text[index] != 0x0A { index += 1 }
        skipSpace()
        var length = 0
        while index < text.endIndex, let digit = decimal(text[index]) {
            length = length * 10 + digit
            guard length <= text.count else { return nil }
            index += 1
        }
        guard length > 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(length)
        var high: UInt8?
        while index < text.endIndex, bytes.count < length {
            let byte = text[index]
            index += 1
            if byte <= 0x20 { continue }
            guard let nibble = hexadecimal(byte) else { return nil }
            if let first = high {
                bytes.append(first << 4 | nibble)
                high = nil
            } else {
                high = nibble
            }
        }
        return bytes.isEmpty ? nil : bytes
    }

    /// The TIFF-structured EXIF block inside an EXIF or APP1 profile: after `Exif\0\0`, or the whole.
    static func exifBlock(_ profile: [UInt8]) -> ArraySlice<UInt8>? {
        if profile.starts(with: Array("Exif\0\0".utf8)) { return profile.dropFirst(6) }
        if profile.starts(with: [0x49, 0x49, 0x2A, 0x00]) || profile.starts(with: [0x4D, 0x4D, 0x00, 0x2A]) {
            return profile[...]
        }
        return nil
    }

    private static func decimal(_ byte: UInt8) -> Int? {
        (0x30...0x39).contains(byte) ? Int(byte - 0x30) : nil
    }

    private static func hexadecimal(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }
}
