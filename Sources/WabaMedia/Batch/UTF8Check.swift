/// Where text that should be UTF-8 is not, for messages that say which byte to look at.
enum UTF8Check {
    /// `byte 0xE9 at offset 7` for the first byte of `bytes` that does not start a valid UTF-8
    /// sequence (offsets from 0).
    static func firstInvalidByte(in bytes: some Collection<UInt8>) -> String {
        var iterator = bytes.makeIterator()
        var parser = Unicode.UTF8.ForwardParser()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                offset += encoded.count
            case .error:
                let byte = bytes[bytes.index(bytes.startIndex, offsetBy: offset)]
                let hex = String(byte, radix: 16, uppercase: true)
                return "byte 0x\(hex.count == 1 ? "0" + hex : hex) at offset \(offset)"
            case .emptyInput:
                return "no byte is invalid"
            }
        }
    }
}
