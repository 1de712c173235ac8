#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The base64 encoding of a file, produced chunk by chunk in bounded memory.
///
/// The file is read `chunkSize` bytes at a time (a multiple of 3, so only the last chunk carries
/// padding) and each chunk is encoded on its own; concatenated, the chunks are exactly
/// RFC 4648 base64 of the whole file: standard alphabet, padded, no line breaks. Memory use is one
/// input chunk and one output chunk, whatever the file's size.
///
/// The total ``encodedLength`` is known before any byte is read, so it can go in a
/// `Content-Length` or a JSON body's length. Should the file change size while it is being
/// encoded, encoding fails with `io-error` instead of producing a different length.
///
/// Three ways to consume it, from the cheapest:
/// - ``makeReader()`` and ``Reader/next(into:)``: encodes straight into a buffer the caller owns
///   (a NIO `ByteBuffer`'s writable bytes); no allocation per chunk.
/// - ``encode(_:)`` and ``write(to:)``: synchronous, with one reused output buffer.
/// - ``chunks``: an `AsyncSequence` of `[UInt8]`, one array per chunk.
///
/// The file is read with `pread`, not mapped: a mapped file that another process truncates
/// kills the reader with `SIGBUS`, where a read just comes back short and becomes an error.
///
/// Failures are thrown as ``Error``, with a code, a message naming the file and a hint.
public struct Base64FileEncoder: Sendable {
    /// Input bytes per chunk unless told otherwise: 192 KiB in, 256 KiB out. Both buffers stay in
    /// a core's L2 cache, so the bytes `read` copies in are still cached when they are encoded;
    /// larger chunks were slower in `scripts/bench-base64.sh` and smaller ones paid more
    /// system calls.
    public static let defaultChunkSize = 192 * 1024

    /// The file being encoded, as named when it was opened.
    public var path: String { file.path }

    /// Encodes a file the package already opened, through a duplicate of its descriptor.
    package init(sharing file: OpenFile, chunkSize: Int = defaultChunkSize, kernel: Base64Encoder.Kernel = .best)
        throws
    {
        try Self.check(chunkSize: chunkSize, kernel: kernel)
        self.init(file: try OpenFile(sharing: file), chunkSize: chunkSize, kernel: kernel)
    }
    /// Input bytes read and encoded per chunk (a positive multiple of 3).
    public let chunkSize: Int
    /// The kernel that encodes each chunk.
    public let kernel: Base64Encoder.Kernel

    let file: OpenFile

    /// Opens `path` for encoding.
    /// - Throws: ``Error`` `file-not-found`, `io-error` (unreadable) or `unsupported-input` (not a
    ///   regular file), naming the path; `invalid-argument` for a chunk size that is not a
    ///   positive multiple of 3 or a kernel this CPU cannot run.
    public init(path: String, chunkSize: Int = defaultChunkSize, kernel: Base64Encoder.Kernel = .best) throws {
        try Self.check(chunkSize: chunkSize, kernel: kernel)
        try self.init(file: OpenFile(opening: path), chunkSize: chunkSize, kernel: kernel)
    }

    /// Encodes a file that is already open for reading.
    ///
    /// The encoder reads through its own duplicate of `descriptor` and closes only that: the
    /// caller keeps ownership of `descriptor`. Reads use explicit offsets, so the descriptor's
    /// position does not matter and is left as it is.
    /// - Parameter path: names the file in errors.
    /// - Throws: ``Error`` `invalid-argument` for a descriptor that is not open, `io-error` for
    ///   one open for writing only, `unsupported-input` when it is not a regular file, and the
    ///   chunk size and kernel errors of ``init(path:chunkSize:kernel:)``.
    public init(
        duplicating descriptor: Int32, path: String, chunkSize: Int = defaultChunkSize,
        kernel: Base64Encoder.Kernel = .best
    ) throws {
        try Self.check(chunkSize: chunkSize, kernel: kernel)
        try self.init(file: OpenFile(duplicating: descriptor, path: path), chunkSize: chunkSize, kernel: kernel)
    }

    private init(file: OpenFile, chunkSize: Int, kernel: Base64Encoder.Kernel) {
        self.file = file
        self.chunkSize = chunkSize
        self.kernel = kernel
        #if os(Linux)
            // A larger read-ahead window for a cold file; harmless when it is cached.
            _ = posix_fadvise(file.descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }

    private static func check(chunkSize: Int, kernel: Base64Encoder.Kernel) throws {
        guard chunkSize > 0, chunkSize % 3 == 0 else {
            throw Error(
                .invalidArgument, "base64 chunk size \(chunkSize) is not a positive multiple of 3",
                hint: "use a multiple of 3 so that only the last chunk is padded, e.g. \(defaultChunkSize)")
        }
        guard kernel.isSupported else {
            throw Error(
                .invalidArgument, "the \(kernel) base64 kernel cannot run on this CPU",
                hint: "use Base64Encoder.Kernel.best (here: \(Base64Encoder.Kernel.best))")
        }
    }

    /// The file's size in bytes, as it was when opened.
    public var byteCount: Int { file.size }

    /// The exact number of base64 bytes the whole file encodes to.
    public var encodedLength: Int { Base64Encoder.encodedLength(of: file.size) }

    /// The largest encoded chunk: the output buffer size ``Reader/next(into:)`` needs.
    public var encodedChunkCapacity: Int { chunkSize / 3 * 4 }

    /// A cursor over the encoded chunks, from the start of the file.
    ///
    /// Readers are independent (each reads with its own offset), so one encoder can serve
    /// several at once, from different tasks.
    public func makeReader() -> Reader { Reader(encoder: self) }

    /// Calls `body` with each encoded chunk, in order.
    ///
    /// The buffer is only valid during the call and is reused for the next chunk.
    public func encode(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let reader = makeReader()
        let output = UnsafeMutableRawBufferPointer.allocate(byteCount: encodedChunkCapacity, alignment: 64)
        defer { output.deallocate() }
        while true {
            let count = try reader.next(into: output)
            if count == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: output[..<count]))
        }
    }

    /// Calls `chunk` with each encoded chunk of the file at `path`, in order.
    public static func encode(
        path: String, chunkSize: Int = defaultChunkSize, chunk: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        try Base64FileEncoder(path: path, chunkSize: chunkSize).encode(chunk)
    }

    /// Writes the whole encoding to `descriptor` (a file, a pipe, a socket; blocking or not).
    ///
    /// - Returns: the number of bytes written, always ``encodedLength``.
    /// - Throws: ``Error`` `io-error` when reading the file or writing fails. A closed pipe
    ///   is reported as `EPIPE` only if the process ignores `SIGPIPE`; otherwise the signal ends it.
    @discardableResult
    public func write(to descriptor: Int32) throws -> Int {
        var written = 0
        try encode { chunk in
            try Self.writeAll(chunk, to: descriptor, path: path)
            written += chunk.count
        }
        return written
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        guard var next = bytes.baseAddress else { return }
        var remaining = bytes.count
        while remaining > 0 {
            let result = systemWrite(descriptor, next, remaining)
            if result >= 0 {
                next += result
                remaining -= result
                continue
            }
            switch errno {
            case EINTR:
                continue
            case EAGAIN, EWOULDBLOCK:
                var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&waiting, 1, -1)
            default:
                throw Error(
                    .ioError,
                    "cannot write the base64 of \(path) to descriptor \(descriptor): \(String(cString: strerror(errno)))",
                    hint: "check that the destination is open for writing and has room")
            }
        }
    }

    /// The encoded chunks as an `AsyncSequence`, one `[UInt8]` of at most
    /// ``encodedChunkCapacity`` bytes each.
    ///
    /// Reads are plain blocking `pread`s of one chunk, short enough not to hold up the
    /// cooperative thread pool for long. To hand the chunks to AsyncHTTPClient, map each to a
    /// `ByteBuffer`, or encode straight into `ByteBuffer`s with ``makeReader()``.
    public var chunks: Chunks { Chunks(encoder: self) }

    /// The encoded chunks of a file, in order.
    public struct Chunks: AsyncSequence, Sendable {
        public typealias Element = [UInt8]
        public typealias Failure = any Swift.Error

        public let encoder: Base64FileEncoder

        public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(reader: encoder.makeReader()) }

        public struct AsyncIterator: AsyncIteratorProtocol {
            let reader: Reader

            public mutating func next() async throws -> [UInt8]? { try reader.nextChunk() }

            public mutating func next(isolation actor: isolated (any Actor)?) async throws(any Swift.Error) -> [UInt8]?
            {
                try reader.nextChunk()
            }
        }
    }

    /// A position in the encoding: each call to ``next(into:)`` reads and encodes the next chunk.
    ///
    /// Not thread-safe; use one reader per consumer.
    public final class Reader {
        public let encoder: Base64FileEncoder
        /// Input bytes consumed so far.
        public private(set) var offset = 0
        private let input: UnsafeMutableRawBufferPointer
        private var chunksRead = 0
        /// How often a long encode looks at the file's status: every 12 MiB at the default chunk size.
        private static let chunksBetweenChecks = 64

        init(encoder: Base64FileEncoder) {
            self.encoder = encoder
            self.input = .allocate(byteCount: encoder.chunkSize, alignment: 64)
        }

        deinit { input.deallocate() }

        /// Whether every chunk has been produced.
        public var isAtEnd: Bool { offset >= encoder.byteCount }

        /// Encodes the next chunk into `output`, which must hold at least
        /// ``Base64FileEncoder/encodedChunkCapacity`` bytes.
        ///
        /// - Returns: the number of bytes written; 0 once the whole file has been encoded.
        /// - Throws: ``Base64FileEncoder/Error`` `io-error` when the file cannot be read or no longer has
        ///   the size it had when opened.
        public func next(into output: UnsafeMutableRawBufferPointer) throws -> Int {
            let capacity = encoder.encodedChunkCapacity
            precondition(output.count >= capacity, "output holds \(output.count) bytes, \(capacity) are needed")
            let size = encoder.byteCount
            guard offset < size else { return 0 }
            let wanted = Swift.min(encoder.chunkSize, size - offset)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: input[..<wanted])
            let got = try encoder.file.read(at: offset, into: chunk)
            guard got == wanted else { throw changedSize("shrank to \(offset + got) bytes") }
            offset += got
            chunksRead += 1
            if offset == size {
                // Reading one byte past the end catches a file that grew, which would otherwise
                // be cut short silently.
                var probe: UInt8 = 0
                let extra = try withUnsafeMutableBytes(of: &probe) { try encoder.file.read(at: size, into: $0) }
                guard extra == 0 else { throw changedSize("grew") }
                // The last chunk is held back until the file is known to be the version that was
                // opened: a body that ends early never completes the request.
                try encoder.file.checkUnchanged()
            } else if chunksRead % Self.chunksBetweenChecks == 0 {
                try encoder.file.checkUnchanged()
            }
            return Base64Encoder.encode(UnsafeRawBufferPointer(chunk), into: output, kernel: encoder.kernel)
        }

        /// The next chunk in a new array, or `nil` at the end.
        public func nextChunk() throws -> [UInt8]? {
            guard !isAtEnd else { return nil }
            return try [UInt8](unsafeUninitializedCapacity: encoder.encodedChunkCapacity) { buffer, initialized in
                initialized = try next(into: UnsafeMutableRawBufferPointer(buffer))
            }
        }

        private func changedSize(_ change: String) -> Base64FileEncoder.Error {
            Base64FileEncoder.Error(
                .ioError,
                "\(encoder.path) changed while being encoded: it was \(encoder.byteCount) bytes and \(change)",
                hint: "do not modify the file while it is being sent; copy it first if it is still being written")
        }
    }
}

/// write(2), out of reach of ``Base64FileEncoder/write(to:)``'s name inside the type.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, bytes, count)
}
