/// A fitted image held in memory.
public struct FittedImage: Sendable, Hashable {
    public var bytes: [UInt8]
    public var result: ImageFitResult
}
