/// Bounds-checked reads from bytes in memory: every accessor returns nil past the end
/// instead of trapping.
struct ByteView {
    let bytes: [UInt8]
    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var count: Int { bytes.count }

    func has(_ length: Int, at offset: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= bytes.count && length <= bytes.count - offset
    }

    func u8(at offset: Int) -> Int? {
        has(1, at: offset) ? Int(bytes[offset]) : nil
    }

    func u16(at offset: Int) -> Int? {
        guard has(2, at: offset) else { return nil }
        return Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
    }

    func u24(at offset: Int) -> Int? {
        guard has(3, at: offset) else { return nil }
        return Int(bytes[offset]) << 16 | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2])
    }

    func u32(at offset: Int) -> Int? {
        guard has(4, at: offset) else { return nil }
        return Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8
            | Int(bytes[offset + 3])
    }

    func u64(at offset: Int) -> UInt64? {
        guard let high = u32(at: offset), let low = u32(at: offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    func s32(at offset: Int) -> Int? {
        u32(at: offset).map { Int(Int32(bitPattern: UInt32($0))) }
    }

    func u16LE(at offset: Int) -> Int? {
        guard has(2, at: offset) else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8
    }

    func u32LE(at offset: Int) -> Int? {
        guard has(4, at: offset) else { return nil }
        return Int(bytes[offset]) | Int(bytes[offset + 1]) << 8 | Int(bytes[offset + 2]) << 16
            | Int(bytes[offset + 3]) << 24
    }

    func u64LE(at offset: Int) -> UInt64? {
        guard let low = u32LE(at: offset), let high = u32LE(at: offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// Four bytes as text, when they are printable (box types, brands, chunk ids).
    func fourCC(at offset: Int) -> String? {
        guard has(4, at: offset) else { return nil }
        let slice = bytes[offset..<(offset + 4)]
        guard slice.allSatisfy({ $0 >= 0x20 && $0 < 0x7F || $0 == 0xA9 }) else { return nil }
        return String(decoding: slice.map { $0 == 0xA9 ? UInt8(ascii: "@") : $0 }, as: UTF8.self)
    }

    func matches(_ text: String, at offset: Int) -> Bool {
        let expected = Array(text.utf8)
        guard has(expected.count, at: offset) else { return false }
        return bytes[offset..<(offset + expected.count)].elementsEqual(expected)
    }

    func slice(_ offset: Int, _ length: Int) -> [UInt8]? {
        guard has(length, at: offset) else { return nil }
        return Array(bytes[offset..<(offset + length)])
    }
}
