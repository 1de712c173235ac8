internal import CMagic
import Synchronization

/// Detects MIME types from content with libmagic, never from a file name.
///
/// Safe to share between tasks: it keeps a pool of libmagic handles (a handle is not
/// thread-safe), each with the compiled database loaded once, and lends one per call.
public final class MIMEDetector: Sendable {
    /// How much of the start of a file libmagic sees. Container formats libmagic cannot
    /// name from the start alone (OOXML, old Office) are refined from their directories.
    public static let sniffLength = 64 * 1024

    private let pool = Mutex<[MagicHandle]>([])

    /// Creates a detector, loading libmagic's database once to prove it is usable.
    /// - Throws: ``WabaMediaError`` `native-library` when the database cannot be loaded.
    public init() throws {
        let handle = try MagicHandle()
        pool.withLock { $0.append(handle) }
    }

    /// Detects the type of the file at `path`.
    public func detect(path: String) throws -> Detection {
        try detect(FileSource(path: path), fileName: path)
    }

    /// Detects the type of in-memory content.
    public func detect(bytes: [UInt8], fileName: String? = nil) throws -> Detection {
        try detect(MemorySource(bytes), fileName: fileName)
    }

    /// Detects the type of `source`.
    ///
    /// - Parameter fileName: used only to break a tie the content leaves open (an old Office
    ///   file whose directory cannot be read), and only among the types the content allows.
    public func detect(_ source: some ByteSource, fileName: String? = nil) throws -> Detection {
        guard source.size > 0 else {
            return Detection(mime: .empty, libmagicMIME: .empty)
        }
        let head = try source.prefix(Self.sniffLength)
        let libmagicMIME = try withHandle { try $0.mimeType(of: head) }
        return ContentSniffer.refine(libmagicMIME, head: head, source: source, fileName: fileName)
    }

    private func withHandle<T>(_ body: (MagicHandle) throws -> T) throws -> T {
        let handle = try pool.withLock { $0.popLast() } ?? MagicHandle()
        defer { pool.withLock { $0.append(handle) } }
        return try body(handle)
    }
}

/// One libmagic cookie. Used by one task at a time: the detector's pool hands it out.
private final class MagicHandle: @unchecked Sendable {
    private let cookie: OpaquePointer

    init() throws {
        guard let cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR) else {
            throw WabaMediaError(.nativeLibrary, "libmagic could not be initialised (out of memory)")
        }
        guard magic_load(cookie, nil) == 0 else {
            let reason = magic_error(cookie).map { String(cString: $0) } ?? "unknown error"
            magic_close(cookie)
            throw WabaMediaError(
                .nativeLibrary, "libmagic could not load its database: \(reason)",
                hint: "install libmagic-mgc (Debian) or set MAGIC to the path of magic.mgc")
        }
        self.cookie = cookie
    }

    deinit { magic_close(cookie) }

    func mimeType(of bytes: [UInt8]) throws -> MIMEType {
        let result = bytes.withUnsafeBytes { magic_buffer(cookie, $0.baseAddress, $0.count) }
        guard let result else {
            let reason = magic_error(cookie).map { String(cString: $0) } ?? "unknown error"
            throw WabaMediaError(.nativeLibrary, "libmagic failed: \(reason)")
        }
        return MIMEType(rawValue: String(cString: result))
    }
}
