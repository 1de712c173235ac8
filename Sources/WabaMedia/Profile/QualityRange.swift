/// An inclusive range of JPEG qualities for the byte-budget search.
public struct QualityRange: Sendable, Hashable, Codable {
    public var min: Int
    public var max: Int

    public init(min: Int, max: Int) {
        self.min = min
        self.max = max
    }
}
