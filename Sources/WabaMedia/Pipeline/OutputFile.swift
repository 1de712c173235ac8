import Foundation
package import WabaEncoding

/// An output being written: it replaces its target whole when committed, or leaves no trace.
///
/// The one way the package writes a file. The bytes go to a temporary file beside the target and
/// are renamed over it on ``commit()``, so a reader never sees half a file and a failure leaves
/// the target as it was. A symbolic link is written through (its target is replaced, the link
/// stays); a device or a FIFO (`/dev/stdout`, a pipe) is written into on commit, and its errors
/// (`ENOSPC` from a full disk or `/dev/full`) are reported. A target that is one of the inputs,
/// by inode, is refused before anything is written.
package final class OutputFile {
    /// Where the output goes: the path given, with symbolic links followed.
    package let target: String
    /// The temporary file the output is written to until it is committed.
    package let path: String
    /// The target is not a regular file: commit copies the output into it instead of renaming.
    private let writesThrough: Bool
    private var committed = false

    /// Prepares to replace `target`.
    /// - Parameter inputs: files the output must not overwrite.
    /// - Throws: ``WabaMediaError`` `invalid-argument` when the target is an input or a folder,
    ///   `io-error` when its folder cannot be written.
    package init(replacing target: String, notOverwriting inputs: [FileSource] = []) throws(WabaMediaError) {
        let resolved = Self.resolvingLinks(target)
        var status = stat()
        let exists = FileSystemPath.withBytes(of: resolved) { stat($0, &status) } == 0
        if exists {
            for input in inputs {
                var inputStatus = stat()
                if fstat(input.file.descriptor, &inputStatus) == 0, inputStatus.st_dev == status.st_dev,
                    inputStatus.st_ino == status.st_ino
                {
                    throw WabaMediaError(
                        .invalidArgument, "\(target) is the input \(input.path): writing it would overwrite the input",
                        hint: "give -o another file or a folder")
                }
            }
            if (status.st_mode & S_IFMT) == S_IFDIR {
                throw WabaMediaError(
                    .invalidArgument, "\(target) is a folder",
                    hint: "give a file name, or a folder where one is expected")
            }
        }
        writesThrough = exists && (status.st_mode & S_IFMT) != S_IFREG
        self.target = resolved
        let directory =
            writesThrough
            ? NSTemporaryDirectory() : (URL(fileURLWithPath: resolved).deletingLastPathComponent().path)
        let stem = URL(fileURLWithPath: resolved).lastPathComponent
        path = "\(directory)/.\(stem).\(getpid())-\(UInt32.random(in: 0...UInt32.max)).part"
        let descriptor = FileSystemPath.withBytes(of: path) { open($0, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else {
            throw WabaMediaError(
                .ioError, "cannot create a file in \(directory): \(Self.reason())",
                hint: "check that the folder exists and is writable")
        }
        close(descriptor)
    }

    deinit {
        if !committed || writesThrough { _ = FileSystemPath.withBytes(of: path) { unlink($0) } }
    }

    /// Writes `bytes` as the whole output.
    package func write(_ bytes: [UInt8]) throws {
        try withDescriptor { descriptor in try Self.writeAll(descriptor, bytes, path: path) }
    }

    /// Runs `body` with the output open for writing from its start.
    package func withDescriptor<T>(_ body: (Int32) throws -> T) throws -> T {
        let descriptor = FileSystemPath.withBytes(of: path) { open($0, O_WRONLY | O_TRUNC | O_CLOEXEC) }
        guard descriptor >= 0 else {
            throw WabaMediaError(.ioError, "cannot write \(path): \(Self.reason())")
        }
        var closed = false
        defer { if !closed { close(descriptor) } }
        let result = try body(descriptor)
        closed = true
        guard close(descriptor) == 0 else {
            throw WabaMediaError(.ioError, "cannot finish writing \(target): \(Self.reason())")
        }
        return result
    }

    /// The size of what was written so far.
    package func size() throws(WabaMediaError) -> Int {
        var status = stat()
        guard FileSystemPath.withBytes(of: path, { stat($0, &status) }) == 0 else {
            throw WabaMediaError(.ioError, "cannot read the size of \(path): \(Self.reason())")
        }
        return Int(status.st_size)
    }

    /// Makes the output the target's content.
    package func commit() throws(WabaMediaError) {
        if writesThrough {
            try copyIntoTarget()
        } else {
            let renamed = FileSystemPath.withBytes(of: path) { from in
                FileSystemPath.withBytes(of: target) { to in rename(from, to) }
            }
            guard renamed == 0 else {
                throw WabaMediaError(.ioError, "cannot move the output to \(target): \(Self.reason())")
            }
        }
        committed = true
    }

    private func copyIntoTarget() throws(WabaMediaError) {
        let source = try FileSource(path: path)
        // A FIFO without a reader fails at once (ENXIO) rather than blocking.
        let descriptor = FileSystemPath.withBytes(of: target) { open($0, O_WRONLY | O_CLOEXEC | O_NONBLOCK) }
        guard descriptor >= 0 else {
            let failure = errno
            throw WabaMediaError(
                .ioError,
                failure == ENXIO
                    ? "\(target) is a pipe that nobody reads" : "cannot open \(target) for writing: \(Self.reason())",
                hint: failure == ENXIO ? "start the reader first" : "check its permissions")
        }
        defer { close(descriptor) }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        var offset = 0
        while offset < source.size {
            let chunk: [UInt8]
            do {
                chunk = try source.read(at: offset, count: 1 << 20)
            } catch {
                throw WabaMediaError(.ioError, "cannot read back \(path): \(error)", cause: error)
            }
            guard !chunk.isEmpty else { break }
            try Self.writeAll(descriptor, chunk, path: target)
            offset += chunk.count
        }
    }

    /// Writes all of `bytes`, retrying short writes; a full disk is an error, never a short file.
    package static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], path: String) throws(WabaMediaError) {
        var done = 0
        while done < bytes.count {
            let result = bytes.withUnsafeBytes { buffer in
                Foundation.write(descriptor, buffer.baseAddress! + done, bytes.count - done)
            }
            if result < 0 {
                if errno == EINTR { continue }
                throw WabaMediaError(
                    .ioError, "cannot write \(path): \(reason())", hint: "check that the disk has room and is writable")
            }
            done += result
        }
    }

    /// `path` with symbolic links followed, so the link's target is what gets replaced.
    private static func resolvingLinks(_ path: String) -> String {
        var current = path
        for _ in 0..<40 {
            var status = stat()
            guard FileSystemPath.withBytes(of: current, { lstat($0, &status) }) == 0,
                (status.st_mode & S_IFMT) == S_IFLNK
            else { return current }
            var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
            let length = FileSystemPath.withBytes(of: current) { link in
                buffer.withUnsafeMutableBytes { readlink(link, $0.baseAddress!, $0.count - 1) }
            }
            guard length > 0 else { return current }
            let destination = FileSystemPath.decode(buffer[..<length])
            current =
                destination.hasPrefix("/")
                ? destination : URL(fileURLWithPath: current).deletingLastPathComponent().path + "/" + destination
        }
        return current
    }

    private static func reason() -> String { String(cString: strerror(errno)) }
}
