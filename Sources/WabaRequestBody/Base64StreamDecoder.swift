#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why an upload's `media_data` could not be decoded: it is not valid base64, or its bytes could
/// not be stored.
struct Base64DecodingError: Error, Sendable {
    var message: String
    /// The bytes could not be written: the upload is fine, the storage is not.
    var isStorageFailure = false
}

/// Decodes RFC 4648 base64 (standard alphabet, padded, no line breaks) as it arrives, in any
/// split, writing the bytes to a file descriptor through a bounded buffer.
///
/// Strict like a careful server: any character outside the alphabet (including line breaks),
/// padding anywhere but the end, or a length that is not a multiple of 4 is an error.
struct Base64StreamDecoder {
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (index, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(index)
        }
        table[Int(UInt8(ascii: "="))] = 0xFE
        return table
    }()

    private let descriptor: Int32
    private var pending: (UInt8, UInt8, UInt8) = (0, 0, 0)
    private var pendingCount = 0
    private var finished = false
    private var output: [UInt8] = []
    private let flushThreshold = 1 << 20
    /// Characters consumed so far, for error messages.
    private(set) var encodedCount = 0
    /// Bytes decoded so far.
    private(set) var decodedCount = 0

    init(writingTo descriptor: Int32) {
        self.descriptor = descriptor
        output.reserveCapacity(flushThreshold + 4096)
    }

    mutating func decode(_ characters: UnsafeRawBufferPointer) throws {
        guard !characters.isEmpty else { return }
        let table = Self.table
        var index = 0
        let count = characters.count
        try table.withUnsafeBufferPointer { table in
            // Complete a quad left over from the last call, one character at a time.
            while pendingCount > 0 && index < count {
                try push(characters[index], table: table)
                index += 1
            }
            // Whole quads straight from the input.
            while index + 4 <= count {
                if finished { throw error("data after the padding") }
                let a = table[Int(characters[index])]
                let b = table[Int(characters[index + 1])]
                let c = table[Int(characters[index + 2])]
                let d = table[Int(characters[index + 3])]
                if (a | b | c | d) & 0x80 != 0 {
                    try emitSlow(
                        characters[index], characters[index + 1], characters[index + 2], characters[index + 3],
                        table: table)
                } else {
                    output.append((a << 2) | (b >> 4))
                    output.append((b << 4) | (c >> 2))
                    output.append((c << 6) | d)
                }
                index += 4
                encodedCount += 4
                if output.count >= flushThreshold { try flush() }
            }
            while index < count {
                try push(characters[index], table: table)
                index += 1
            }
        }
    }

    /// Ends the stream. Throws when the characters do not make whole quads.
    mutating func finish() throws {
        guard pendingCount == 0 else {
            throw Base64DecodingError(
                message:
                    "media_data is not valid base64: its length is not a multiple of 4 (\(encodedCount + pendingCount) characters)"
            )
        }
        try flush()
    }

    private mutating func push(_ character: UInt8, table: UnsafeBufferPointer<UInt8>) throws {
        switch pendingCount {
        case 0: pending.0 = character
        case 1: pending.1 = character
        case 2: pending.2 = character
        default:
            if finished { throw error("data after the padding") }
            try emitQuad(pending.0, pending.1, pending.2, character, table: table)
            encodedCount += 4
            pendingCount = 0
            if output.count >= flushThreshold { try flush() }
            return
        }
        pendingCount += 1
    }

    private mutating func emitQuad(
        _ c0: UInt8, _ c1: UInt8, _ c2: UInt8, _ c3: UInt8, table: UnsafeBufferPointer<UInt8>
    )
        throws
    {
        let (a, b, c, d) = (table[Int(c0)], table[Int(c1)], table[Int(c2)], table[Int(c3)])
        if (a | b | c | d) & 0x80 != 0 {
            try emitSlow(c0, c1, c2, c3, table: table)
        } else {
            output.append((a << 2) | (b >> 4))
            output.append((b << 4) | (c >> 2))
            output.append((c << 6) | d)
        }
    }

    /// A quad with padding or an invalid character.
    private mutating func emitSlow(
        _ c0: UInt8, _ c1: UInt8, _ c2: UInt8, _ c3: UInt8, table: UnsafeBufferPointer<UInt8>
    )
        throws
    {
        let values = [c0, c1, c2, c3].map { table[Int($0)] }
        for (offset, (value, character)) in zip(values, [c0, c1, c2, c3]).enumerated() where value == 0xFF {
            let shown =
                character >= 0x21 && character < 0x7F
                ? "'\(Character(Unicode.Scalar(character)))'" : "byte 0x\(String(character, radix: 16))"
            throw error("\(shown) at position \(encodedCount + offset) is not in the base64 alphabet")
        }
        guard values[0] != 0xFE, values[1] != 0xFE else { throw error("padding at position \(encodedCount)") }
        if values[2] == 0xFE {
            guard values[3] == 0xFE else { throw error("padding in the middle of the data") }
            output.append((values[0] << 2) | (values[1] >> 4))
        } else if values[3] == 0xFE {
            output.append((values[0] << 2) | (values[1] >> 4))
            output.append((values[1] << 4) | (values[2] >> 2))
        } else {
            throw error("padding at position \(encodedCount)")
        }
        finished = true
    }

    private mutating func flush() throws {
        var written = 0
        try output.withUnsafeBytes { bytes in
            while written < bytes.count {
                let result = write(descriptor, bytes.baseAddress! + written, bytes.count - written)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw Base64DecodingError(
                        message: "cannot store the upload: \(String(cString: strerror(errno)))", isStorageFailure: true)
                }
                written += result
            }
        }
        decodedCount += output.count
        output.removeAll(keepingCapacity: true)
    }

    private func error(_ detail: String) -> Base64DecodingError {
        Base64DecodingError(message: "media_data is not valid base64: \(detail)")
    }
}
