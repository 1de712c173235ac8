/// Columns padded to their widest cell.
struct TextTable {
    /// Rows per printed block of a long table (`check`'s files, a campaign's rows): columns line up
    /// within a block.
    static let rowsPerBlock = 500

    var header: [String]
    var rows: [[String]] = []

    init(_ header: String...) { self.header = header }

    mutating func append(_ row: String...) { rows.append(row) }

    /// Cells that hold control characters are shown quoted and escaped (``TerminalText/quoted(_:)``),
    /// so a file name can neither drive the terminal nor split a row.
    func render() -> String {
        let all = ([header] + rows).map { $0.map(TerminalText.quoted) }
        let widths = header.indices.map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.map { row in
            row.enumerated().map { column, cell in
                // Padded by characters, as the widths are counted: NSString's padding counts UTF-16
                // units and cut a name with a character outside the BMP short.
                column == row.count - 1
                    ? cell : cell + String(repeating: " ", count: max(0, widths[column] - cell.count))
            }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}
