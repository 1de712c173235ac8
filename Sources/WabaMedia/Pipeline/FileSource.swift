import Foundation
internal import WabaEncoding

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
