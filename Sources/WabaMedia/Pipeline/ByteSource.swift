import Foundation
internal import WabaEncoding

/// Random access to a file's bytes, so probes can read headers without loading the file.
///
/// Reads past the end return fewer bytes (possibly none); they never throw for that.
public protocol ByteSource: Sendable {
    /// The total size of the content in bytes.
    var size: Int { get }
    /// How many bytes from the start can be read: `size`, unless only the start is at hand.
    var availableCount: Int { get }
    /// Reads up to `count` bytes starting at `offset`.
    func read(at offset: Int, count: Int) throws -> [UInt8]
}

extension ByteSource {
    public var availableCount: Int { size }

    /// The first `count` bytes, or as many as there are (or are at hand).
    public func prefix(_ count: Int) throws -> [UInt8] {
        try read(at: 0, count: Swift.min(count, availableCount))
    }
}
