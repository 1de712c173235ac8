/// A `file_name` and how it was chosen.
public struct InferredFileName: Sendable, Hashable, Codable {
    public var name: String
    public var origin: FileNameOrigin

    public init(name: String, origin: FileNameOrigin) {
        self.name = name
        self.origin = origin
    }
}
