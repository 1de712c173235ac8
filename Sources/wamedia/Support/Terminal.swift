import Foundation

/// Messages for people, on standard error.
enum Terminal {
    /// Messages often quote a file name or a server's words: their control characters are escaped.
    static func error(_ message: String, hint: String? = nil) {
        var text = "error: \(TerminalText.escaped(message))\n"
        if let hint { text += "hint: \(TerminalText.escaped(hint))\n" }
        FileHandle.standardError.write(Data(text.utf8))
    }

    static func note(_ message: String) {
        FileHandle.standardError.write(Data((TerminalText.escaped(message) + "\n").utf8))
    }

    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }
}
