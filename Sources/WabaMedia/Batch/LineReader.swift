#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Lines of a file, read in blocks: line feeds end lines, a carriage return before one is dropped,
/// and a UTF-8 byte order mark at the start is skipped.
final class LineReader {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false
    private(set) var lineNumber = 0
    private let path: String
    private let limits: ManifestReader.Limits
    private var bytesRead = 0
    /// Whether reading stopped at ``ManifestReader/Limits/maxBytes`` rather than at the end of the file.
    private(set) var overSize = false
    /// Whether the line last returned was longer than the limit: only its start was returned.
    private(set) var lastLineWasCut = false
    /// Whether the rest of a cut line is still to be skipped.
    private var skipPending = false

    init(path: String, limits: ManifestReader.Limits = ManifestReader.Limits()) throws {
        self.path = path
        self.limits = limits
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let reason = String(cString: strerror(errno))
            throw WabaMediaError(
                errno == ENOENT ? .fileNotFound : .ioError, "cannot open the manifest \(path): \(reason)",
                hint: "check the path and its permissions")
        }
        guard FileKind(path) != .directory else {
            close(descriptor)
            throw WabaMediaError(
                .invalidArgument, "the manifest \(path) is a folder", hint: "give a .csv or .jsonl file")
        }
        fill()
        if buffer.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
    }

    deinit { close(descriptor) }

    /// Reads another block; false at the end of the file.
    @discardableResult
    private func fill() -> Bool {
        guard !atEnd else { return false }
        guard bytesRead < limits.maxBytes else {
            atEnd = true
            overSize = true
            return false
        }
        if start > 0 {
            buffer.removeSubrange(0..<start)
            start = 0
        }
        let blockSize = min(64 * 1024, limits.maxBytes - bytesRead)
        let oldCount = buffer.count
        buffer.append(contentsOf: repeatElement(0, count: blockSize))
        var result = 0
        repeat {
            result = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + oldCount, blockSize) }
        } while result < 0 && errno == EINTR
        buffer.removeLast(blockSize - max(result, 0))
        bytesRead += max(result, 0)
        if result <= 0 { atEnd = true }
        return result > 0
    }

    /// Reads past the rest of a cut line, block by block without keeping it, up to its line feed,
    /// the end of the file, or the size limit.
    private func skipRestOfLine() {
        skipPending = false
        var block = [UInt8](repeating: 0, count: 64 * 1024)
        while !atEnd {
            guard bytesRead < limits.maxBytes else {
                atEnd = true
                overSize = true
                return
            }
            let wanted = min(block.count, limits.maxBytes - bytesRead)
            var result = 0
            repeat {
                result = block.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, wanted) }
            } while result < 0 && errno == EINTR
            guard result > 0 else {
                atEnd = true
                return
            }
            bytesRead += result
            let found = block.withUnsafeBytes { memchr($0.baseAddress!, 0x0A, result) }
            if let found {
                let after = block.withUnsafeBytes { UnsafeRawPointer(found) - $0.baseAddress! } + 1
                buffer = Array(block[after..<result])
                start = 0
                return
            }
        }
    }

    /// The index of the first line feed from `offset` (memchr: a megabyte-long line is scanned at
    /// memory speed, not byte by byte).
    private func newline(from offset: Int) -> Int? {
        guard offset < buffer.count else { return nil }
        return buffer.withUnsafeBytes { bytes in
            memchr(bytes.baseAddress! + offset, 0x0A, bytes.count - offset).map {
                UnsafeRawPointer($0) - bytes.baseAddress!
            }
        }
    }

    /// The next line (1-based number, bytes without the line end), or nil at the end.
    func next() -> (Int, [UInt8])? {
        lastLineWasCut = false
        if skipPending { skipRestOfLine() }
        var searchFrom = start
        while true {
            if let newline = newline(from: searchFrom) {
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                // Over the limit though it ended within the block: only its start is returned.
                lastLineWasCut = end - start > limits.maxLineBytes
                let line = Array(buffer[start..<(lastLineWasCut ? start + 200 : end)])
                start = newline + 1
                lineNumber += 1
                return (lineNumber, line)
            }
            let scanned = buffer.count - start
            if scanned > limits.maxLineBytes {
                // A line this long is not a manifest row: its rest is skipped, not held, when the
                // next line is asked for (a header this long ends the reading at once).
                let line = Array(buffer[start..<(start + min(200, scanned))])
                buffer.removeAll(keepingCapacity: true)
                start = 0
                skipPending = true
                lineNumber += 1
                lastLineWasCut = true
                return (lineNumber, line)
            }
            let alreadyScanned = buffer.count - start
            if !fill() {
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                let line = Array(buffer[start..<end])
                start = buffer.count
                lineNumber += 1
                // A line the size limit cut short is not the row that was written.
                lastLineWasCut = overSize
                return (lineNumber, line)
            }
            searchFrom = start + alreadyScanned
        }
    }
}
