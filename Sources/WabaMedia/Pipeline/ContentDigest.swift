import Crypto

/// Content fingerprints, to find the same file given twice.
public enum ContentDigest {
    /// The SHA-256 of the file at `path`, in lower-case hex, read in blocks.
    public static func sha256(ofFileAt path: String) throws -> String {
        try sha256(of: FileSource(path: path))
    }

    /// The SHA-256 of everything `source` holds, in lower-case hex, read in blocks.
    public static func sha256(of source: some ByteSource) throws -> String {
        var hasher = SHA256()
        let blockSize = 1 << 20
        var offset = 0
        while offset < source.size {
            let block = try source.read(at: offset, count: blockSize)
            if block.isEmpty { break }
            hasher.update(data: block)
            offset += block.count
        }
        return hex(hasher.finalize())
    }

    /// The SHA-256 of `bytes`, in lower-case hex.
    public static func sha256(of bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
