internal import WabaEncoding

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The bytes of a file a structure check walks through, mostly front to back: the whole file in
/// memory (``MemoryBytes``), or the file itself a window at a time (``FileWindow``).
protocol ScannedBytes: ~Copyable {
    associatedtype Failure: Error
    /// How many bytes there are.
    var count: Int { get }
    /// The byte at `offset`, which is below ``count``.
    mutating func byte(at offset: Int) throws(Failure) -> UInt8
    /// The offset of the first `FF` at or after `offset`, nil when none comes before the end.
    mutating func nextFF(from offset: Int) throws(Failure) -> Int?
}

/// A whole file held in memory.
struct MemoryBytes: ScannedBytes {
    typealias Failure = Never
    let bytes: UnsafeRawBufferPointer
    var count: Int { bytes.count }

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    func byte(at offset: Int) -> UInt8 { bytes[offset] }

    func nextFF(from offset: Int) -> Int? {
        guard offset < bytes.count else { return nil }
        let found = memchr(bytes.baseAddress! + offset, 0xFF, bytes.count - offset)
        return found.map { UnsafeRawPointer($0) - bytes.baseAddress! }
    }
}

/// An open file read through one reused buffer, a window of `chunk` bytes at a time: a check
/// walks a photo's megabytes without a copy of them all (the page faults and the zeroing of a
/// fresh array cost more than the scan).
struct FileWindow: ScannedBytes, ~Copyable {
    typealias Failure = WabaMediaError
    let source: FileSource
    /// The size when the file was opened.
    let count: Int
    private let buffer: UnsafeMutableRawBufferPointer
    /// The file offset of the window's first byte, and how many bytes it holds.
    private var base = 0
    private var filled = 0

    /// One mebibyte by default: few reads, and little memory.
    static let defaultChunk = 1 << 20

    init(_ source: FileSource, chunk: Int = defaultChunk) {
        precondition(chunk > 0, "an empty window")
        self.source = source
        count = source.size
        buffer = .allocate(byteCount: Swift.min(chunk, Swift.max(1, source.size)), alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Makes the window hold `offset`, reading from there when it does not.
    private mutating func load(_ offset: Int) throws(WabaMediaError) {
        guard offset < base || offset >= base + filled else { return }
        let wanted = Swift.min(buffer.count, count - offset)
        do {
            filled = try source.file.read(
                at: offset, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
        } catch {
            throw WabaMediaError(error)
        }
        base = offset
        guard filled == wanted else {
            // Shorter than when it was opened: it changed, which says so; else the disk failed us.
            try source.checkUnchanged()
            throw WabaMediaError(
                .ioError, "\(source.path) ended at byte \(base + filled), before its size of \(count) bytes",
                hint: "check that the file is not being written to and the disk is readable")
        }
    }

    mutating func byte(at offset: Int) throws(WabaMediaError) -> UInt8 {
        try load(offset)
        return buffer[offset - base]
    }

    mutating func nextFF(from start: Int) throws(WabaMediaError) -> Int? {
        var offset = start
        while offset < count {
            try load(offset)
            let window = UnsafeRawPointer(buffer.baseAddress!)
            if let found = memchr(window + (offset - base), 0xFF, base + filled - offset) {
                return base + (UnsafeRawPointer(found) - window)
            }
            offset = base + filled
        }
        return nil
    }
}
