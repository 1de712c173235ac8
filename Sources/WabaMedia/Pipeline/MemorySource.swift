import Foundation
internal import WabaEncoding

/// Bytes in memory: a whole file, or only the first bytes of a larger one (a remote asset).
public struct MemorySource: ByteSource {
    public let bytes: [UInt8]
    public let size: Int

    /// - Parameters:
    ///   - bytes: the content, or its first bytes.
    ///   - totalSize: the size of the whole content when `bytes` is only its start.
    public init(_ bytes: [UInt8], totalSize: Int? = nil) {
        self.bytes = bytes
        self.size = Swift.max(bytes.count, totalSize ?? bytes.count)
    }

    /// Whether the whole content is present.
    public var isComplete: Bool { bytes.count == size }

    public var availableCount: Int { bytes.count }

    public func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        let end = Swift.min(offset + count, size)
        guard end > offset else { return [] }
        guard end <= bytes.count else {
            throw WabaMediaError(
                .incompleteData,
                "bytes \(offset)..<\(end) are needed but only the first \(bytes.count) of \(size) are available")
        }
        return Array(bytes[offset..<end])
    }
}
