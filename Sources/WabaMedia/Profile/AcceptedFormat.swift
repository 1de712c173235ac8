/// A MIME type that a media type accepts, and the extension a file of that type should carry.
public struct AcceptedFormat: Sendable, Hashable, Codable {
    public var mime: MIMEType
    public var fileExtension: String

    public init(mime: MIMEType, fileExtension: String) {
        self.mime = mime
        self.fileExtension = fileExtension
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case mime
        case fileExtension = "extension"
    }
}
