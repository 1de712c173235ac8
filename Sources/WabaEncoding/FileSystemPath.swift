#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// File names are bytes: this maps between them and `String` without losing any.
///
/// Linux file names need not be UTF-8 (`bad\xff.jpg`). Swift decodes command-line arguments as
/// UTF-8, replacing what does not decode, so such a file could not be opened by the name the user
/// typed. Each byte that is not part of valid UTF-8 is kept instead as one scalar of a private-use
/// range (U+10FF00 + byte), and turned back into that byte when the path is handed to the system.
package enum FileSystemPath {
    private static let escapeBase: UInt32 = 0x10_FF00

    /// The string for a name's exact bytes.
    package static func decode(_ bytes: some Collection<UInt8>) -> String {
        let bytes = Array(bytes)
        var scalars = String.UnicodeScalarView()
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length > 0 {
                scalars.append(
                    contentsOf: String(decoding: bytes[index..<index + length], as: UTF8.self).unicodeScalars)
                index += length
            } else {
                scalars.append(Unicode.Scalar(escapeBase + UInt32(bytes[index]))!)
                index += 1
            }
        }
        return String(scalars)
    }

    /// The exact bytes `path` stands for, NUL-terminated, for a system call.
    package static func withBytes<Result>(of path: String, _ body: (UnsafePointer<CChar>) throws -> Result)
        rethrows -> Result
    {
        var bytes: [CChar] = []
        bytes.reserveCapacity(path.utf8.count + 1)
        for scalar in path.unicodeScalars {
            if scalar.value >= escapeBase + 0x80, scalar.value <= escapeBase + 0xFF {
                bytes.append(CChar(bitPattern: UInt8(scalar.value - escapeBase)))
            } else {
                bytes.append(contentsOf: String(scalar).utf8.map { CChar(bitPattern: $0) })
            }
        }
        bytes.append(0)
        return try bytes.withUnsafeBufferPointer { try body($0.baseAddress!) }
    }

    /// The command line's arguments, each from its exact bytes.
    package static func commandLineArguments() -> [String] {
        (0..<Int(CommandLine.argc)).map { index in
            guard let argument = CommandLine.unsafeArgv[index] else { return "" }
            return decode(UnsafeBufferPointer(start: argument, count: strlen(argument)).map { UInt8(bitPattern: $0) })
        }
    }

    /// Whether `path` holds bytes that are not UTF-8.
    package static func hasRawBytes(_ path: String) -> Bool {
        path.unicodeScalars.contains { $0.value >= escapeBase + 0x80 && $0.value <= escapeBase + 0xFF }
    }

    /// `path` with each raw byte shown as `\xNN`, for messages.
    package static func display(_ path: String) -> String {
        guard hasRawBytes(path) else { return path }
        var shown = ""
        for scalar in path.unicodeScalars {
            if scalar.value >= escapeBase + 0x80, scalar.value <= escapeBase + 0xFF {
                let byte = UInt8(scalar.value - escapeBase)
                shown += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            } else {
                shown.unicodeScalars.append(scalar)
            }
        }
        return shown
    }

    /// The length of the valid UTF-8 sequence starting at `index`, or 0 when it is not one.
    private static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let first = bytes[index]
        let length: Int
        var lower: UInt8 = 0x80
        var upper: UInt8 = 0xBF
        switch first {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0:
            length = 3
            lower = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED:
            length = 3
            upper = 0x9F
        case 0xF0:
            length = 4
            lower = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4:
            length = 4
            upper = 0x8F
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        for offset in 1..<length {
            let byte = bytes[index + offset]
            let (low, high): (UInt8, UInt8) = offset == 1 ? (lower, upper) : (0x80, 0xBF)
            guard byte >= low, byte <= high else { return 0 }
        }
        return length
    }
}
