import Foundation
import WabaMedia

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

/// Columns padded to their widest cell.
struct TextTable {
    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func append(_ row: String...) { rows.append(row) }

    func render() -> String {
        let all = [header] + rows
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
