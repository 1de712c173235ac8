import Foundation

/// What bulk preparation did with one asset.
public struct PreparedAsset: Sendable, Hashable, Encodable {
    public var result: BatchResult
    /// The file written in the output folder (its name, relative to the folder), or the URL kept as is.
    /// Nil when the asset was rejected or could not be prepared.
    public var media: String?
    /// How the output was made.
    public enum Action: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// Sendable as it is: copied byte for byte.
        case copied
        /// Made to conform by the preparation (an image fitted, a container rewritten).
        case transformed
        /// Sent by URL, not downloaded.
        case url
        /// The same content as an earlier asset, whose output it uses.
        case shared

        public var description: String { rawValue }
    }

    /// How the output was made.
    public var action: Action?
    /// The steps the transform took, in words.
    public var steps: [String]
    /// Why preparing failed, when it did (the asset is then left out of the output manifest).
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case media, action, steps, error
        case output = "output"
    }

    public func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(media, forKey: .output)
        try container.encodeIfPresent(action, forKey: .action)
        if !steps.isEmpty { try container.encode(steps, forKey: .steps) }
        try container.encodeIfPresent(error, forKey: .error)
    }

    /// The row of the output folder's manifest, when the asset can be sent from it.
    public var manifestRow: [String: String]? {
        guard let media, error == nil, result.verdict != .rejected else { return nil }
        var row = ["media": media, "media_type": result.report.mediaType.rawValue, "source": result.origin]
        if let caption = captionForRow { row["caption"] = caption }
        if let fileName = fileNameForRow { row["file_name"] = fileName }
        return row
    }

    var captionForRow: String?
    var fileNameForRow: String?
}
