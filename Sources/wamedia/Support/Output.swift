import Foundation

/// Results on standard output: aligned columns for people, JSON lines for programs.
enum Output {
    static func line(_ text: String) {
        write(Data((text + "\n").utf8))
    }

    /// Writes to standard output; a reader that went away (`| head`) ends the run quietly.
    static func write(_ data: Data) {
        do {
            try FileHandle.standardOutput.write(contentsOf: data)
        } catch {
            Foundation.exit(ExitStatus.failure)
        }
    }

    /// The encoder behind every JSON result: keys sorted, so lines diff and grep well.
    static func jsonEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    static func json(_ value: some Encodable) throws {
        var data = try jsonEncoder().encode(value)
        data.append(0x0A)
        write(data)
    }
}
