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

/// A file on disk, opened once and read with `pread` so many tasks can share one source.
///
/// Every stage reads an input through one of these, never by opening its path again: the bytes
/// that were checked are the ones transformed and sent, even if the path is replaced meanwhile.
public final class FileSource: ByteSource {
    let file: OpenFile

    /// The path as it was given, for messages.
    public var path: String { file.path }
    /// The size when the file was opened.
    public var size: Int { file.size }

    /// Opens `path` for reading. Anything but a regular file (a folder, a FIFO, a device) is refused
    /// without blocking.
    /// - Throws: ``WabaMediaError`` `file-not-found`, `unsupported-input` or `io-error` naming the
    ///   path and the reason.
    public init(path: String) throws(WabaMediaError) {
        do {
            file = try OpenFile(opening: path)
        } catch {
            throw WabaMediaError(error)
        }
    }

    /// A path that opens this same file (its inode), for native libraries that take only a path.
    var reopenablePath: String { file.reopenablePath }

    /// A path that opens this same file from a child process (`/proc/<our pid>/fd/<n>`), so a tool
    /// such as ffmpeg reads the bytes that were checked, not whatever the path names by then.
    var pathForChildProcess: String {
        #if os(Linux)
            reopenablePath.replacingOccurrences(of: "/proc/self/", with: "/proc/\(getpid())/")
        #else
            path
        #endif
    }

    /// Throws ``WabaMediaError/Code/sourceChanged`` when the file was written to since it was opened.
    public func checkUnchanged() throws(WabaMediaError) {
        do {
            try file.checkUnchanged()
        } catch {
            throw WabaMediaError(error)
        }
    }

    public func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        let available = Swift.max(0, Swift.min(count, size - offset))
        guard available > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: available) { buffer, initialized in
            initialized = 0
            do {
                initialized = try file.read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
            } catch let error as Base64FileEncoder.Error {
                throw WabaMediaError(error)
            }
        }
    }
}

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
