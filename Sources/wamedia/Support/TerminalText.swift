import WabaMedia

/// Text from outside (file names, server messages, header values) made safe for a terminal.
///
/// A name is bytes: `x\u{1B}[31m.jpg` recolours the terminal, a newline splits a table row, U+202E
/// reverses what follows. Such text is shown as `ls` shows it: in single quotes, with the characters
/// escaped (`'x\033[31m.jpg'`). JSON output keeps the exact text; its encoder escapes it.
enum TerminalText {
    /// `text` unchanged when it is safe, else quoted and escaped.
    static func quoted(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var result = "'"
        for scalar in text.unicodeScalars {
            if scalar == "'" {
                result += "\\'"
            } else if scalar == "\\" {
                result += "\\\\"
            } else {
                result += escape(scalar)
            }
        }
        return result + "'"
    }

    /// Every unsafe character of `text` escaped, without quotes: for messages, which mention names.
    static func escaped(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        return text.unicodeScalars.map(escape).joined()
    }

    /// C0 and C1 controls, DEL, the invisible characters that reorder or hide text, and the bytes
    /// of a name that are not UTF-8 (kept as private-use scalars by ``FileSystemPath``).
    static func needsEscape(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0..<0x20, 0x7F...0x9F: true
        case 0x200B...0x200F, 0x202A...0x202E, 0x2066...0x2069, 0xFEFF: true
        case 0x10_FF80...0x10_FFFF: FileSystemPath.hasRawBytes(String(scalar))
        default: false
        }
    }

    private static func escape(_ scalar: Unicode.Scalar) -> String {
        guard needsEscape(scalar) else { return String(scalar) }
        // A byte that is not UTF-8 is shown as the byte it is (`\xe9`), as in messages.
        if scalar.value >= 0x10_FF80 { return FileSystemPath.display(String(scalar)) }
        switch scalar {
        case "\n": return "\\n"
        case "\t": return "\\t"
        case "\r": return "\\r"
        case "\u{07}": return "\\a"
        case "\u{08}": return "\\b"
        default:
            if scalar.value < 0x80 {
                let octal = String(scalar.value, radix: 8)
                return "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
    }
}
