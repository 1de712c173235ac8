internal import CBase64

/// Base64 (RFC 4648 §4: standard alphabet, padded, no line breaks) for payloads.
public enum Base64Encoder {
    /// The encoded length of `byteCount` bytes.
    public static func encodedLength(of byteCount: Int) -> Int { (byteCount + 2) / 3 * 4 }

    /// Encodes bytes in memory.
    public static func encode(_ bytes: [UInt8]) -> [UInt8] {
        let length = encodedLength(of: bytes.count)
        return [UInt8](unsafeUninitializedCapacity: length) { output, initialized in
            initialized = bytes.withUnsafeBufferPointer { input in
                output.withMemoryRebound(to: CChar.self) {
                    wm_base64_encode(input.baseAddress, input.count, $0.baseAddress)
                }
            }
        }
    }
}
