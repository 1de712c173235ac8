import Foundation

/// How a manifest is written.
public enum ManifestFormat: String, Sendable, Hashable, CaseIterable {
    /// Comma-separated values with a header row (RFC 4180 quoting).
    case csv
    /// JSON Lines: one JSON object per line.
    case jsonl

    /// The format a file's extension names: `.csv`, or `.jsonl` / `.ndjson` / `.json`.
    public init?(path: String) {
        switch URL(fileURLWithPath: path).pathExtension.lowercased() {
        case "csv": self = .csv
        case "jsonl", "ndjson", "json": self = .jsonl
        default: return nil
        }
    }
}
