#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A regular file open for reading, read with `pread` at explicit offsets so that any number of
/// readers, on any threads, can share it. Closes its descriptor when released.
final class OpenFile: Sendable {
    let path: String
    let descriptor: Int32
    /// The size when opened; readers check that it has not changed.
    let size: Int

    /// Opens `path` read-only.
    convenience init(opening path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let failure = errno
            if failure == ENOENT {
                throw Base64FileEncoder.Error(.fileNotFound, "\(path): no such file", hint: "check the path")
            }
            throw Base64FileEncoder.Error(
                .ioError, "cannot open \(path): \(reason(failure))", hint: "check its permissions")
        }
        try self.init(owning: descriptor, path: path)
    }

    /// Reads through a duplicate of `descriptor`, which stays the caller's.
    convenience init(duplicating descriptor: Int32, path: String) throws {
        let duplicate = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard duplicate >= 0 else {
            let failure = errno
            if failure == EBADF {
                throw Base64FileEncoder.Error(
                    .invalidArgument, "descriptor \(descriptor) for \(path) is not open",
                    hint: "pass a descriptor that stays open until the encoder is created")
            }
            throw Base64FileEncoder.Error(
                .ioError, "cannot duplicate descriptor \(descriptor) for \(path): \(reason(failure))",
                hint: "close descriptors the process no longer needs")
        }
        let mode = fcntl(duplicate, F_GETFL)
        guard mode >= 0, mode & O_ACCMODE != O_WRONLY else {
            close(duplicate)
            throw Base64FileEncoder.Error(
                .ioError, "descriptor \(descriptor) for \(path) is open for writing only",
                hint: "open the file with O_RDONLY or O_RDWR")
        }
        try self.init(owning: duplicate, path: path)
    }

    private init(owning descriptor: Int32, path: String) throws {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let failure = errno
            close(descriptor)
            throw Base64FileEncoder.Error(.ioError, "cannot read the size of \(path): \(reason(failure))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw Base64FileEncoder.Error(
                .unsupportedInput, "\(path) is not a regular file",
                hint: "give the path of a file, not of a folder, device or pipe")
        }
        self.path = path
        self.descriptor = descriptor
        self.size = Int(status.st_size)
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count` bytes starting at `offset` into `buffer`.
    ///
    /// - Returns: the number of bytes read: `buffer.count`, or fewer only at the end of the file.
    func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        precondition(offset >= 0, "negative offset")
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let result = pread(descriptor, base + done, buffer.count - done, off_t(offset + done))
            if result < 0 {
                let failure = errno
                if failure == EINTR { continue }
                throw Base64FileEncoder.Error(
                    .ioError, "cannot read \(path): \(reason(failure))",
                    hint: "check that the file is still there and the disk is readable")
            }
            if result == 0 { break }
            done += result
        }
        return done
    }
}

private func reason(_ failure: Int32) -> String { String(cString: strerror(failure)) }
