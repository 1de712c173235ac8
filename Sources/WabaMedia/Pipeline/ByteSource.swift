#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

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

/// A file on disk, read with `pread` so many tasks can share one source.
public final class FileSource: ByteSource {
    public let path: String
    public let size: Int
    let descriptor: Int32

    /// Opens `path` for reading.
    /// - Throws: ``WabaMediaError`` `file-not-found` or `io-error` naming the path and the reason.
    public init(path: String) throws {
        self.path = path
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            if errno == ENOENT {
                throw WabaMediaError(.fileNotFound, "\(path): no such file", hint: "check the path")
            }
            throw WabaMediaError(.ioError, "cannot open \(path): \(reason)", hint: "check its permissions")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw WabaMediaError(.ioError, "cannot read the size of \(path): \(reason)")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw WabaMediaError(
                .unsupportedInput, "\(path) is not a regular file",
                hint: "give a file; 'wamedia check' also takes folders")
        }
        self.descriptor = descriptor
        self.size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    public func read(at offset: Int, count: Int) throws -> [UInt8] {
        precondition(offset >= 0 && count >= 0, "negative offset or count")
        let available = Swift.max(0, Swift.min(count, size - offset))
        guard available > 0 else { return [] }
        return try [UInt8](unsafeUninitializedCapacity: available) { buffer, initialized in
            var done = 0
            while done < available {
                let result = pread(descriptor, buffer.baseAddress! + done, available - done, off_t(offset + done))
                if result < 0 {
                    if errno == EINTR { continue }
                    initialized = done
                    throw WabaMediaError(.ioError, "cannot read \(path): \(String(cString: strerror(errno)))")
                }
                if result == 0 { break }
                done += result
            }
            initialized = done
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
