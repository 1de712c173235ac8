#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A regular file open for reading, read with `pread` at explicit offsets so that any number of
/// readers, on any threads, can share it. Closes its descriptor when released.
///
/// This is the one place the package opens an input: every stage that reads a file reads it
/// through one of these, so the bytes checked are the bytes transformed and sent even when the
/// path is replaced meanwhile. A change to the file itself (written in place) is caught by
/// ``checkUnchanged()``, which compares the file's status with the one taken at opening.
package final class OpenFile: Sendable {
    /// The path as the user gave it, for messages.
    package let path: String
    package let descriptor: Int32
    /// The size when opened; readers check that it has not changed.
    package let size: Int
    /// What identifies this version of the file: a write changes the modification time and the
    /// change time (`st_ctim`), which no unprivileged `utimes` can set back.
    private let stamp: Stamp

    private struct Stamp: Equatable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var links: UInt64
        var modified: timespec
        var changed: timespec

        init(_ status: stat) {
            device = UInt64(status.st_dev)
            inode = UInt64(status.st_ino)
            size = Int64(status.st_size)
            links = UInt64(status.st_nlink)
            #if canImport(Darwin)
                modified = status.st_mtimespec
                changed = status.st_ctimespec
            #else
                modified = status.st_mtim
                changed = status.st_ctim
            #endif
        }

        /// The same version of the file. A rename over its path or another link changes the change
        /// time too (the link count moved) but not the content: then the modification time decides.
        static func == (lhs: Self, rhs: Self) -> Bool {
            let sameChangeTime =
                lhs.changed.tv_sec == rhs.changed.tv_sec && lhs.changed.tv_nsec == rhs.changed.tv_nsec
            return lhs.device == rhs.device && lhs.inode == rhs.inode && lhs.size == rhs.size
                && lhs.modified.tv_sec == rhs.modified.tv_sec && lhs.modified.tv_nsec == rhs.modified.tv_nsec
                && (sameChangeTime || lhs.links != rhs.links)
        }
    }

    /// Opens `path` read-only.
    ///
    /// The open does not block: a FIFO or a device is opened with `O_NONBLOCK`, found not to be a
    /// regular file from `fstat`, and refused, so a named pipe with no writer never hangs a check.
    package convenience init(opening path: String) throws(Base64FileEncoder.Error) {
        let descriptor = FileSystemPath.withBytes(of: path) { open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        guard descriptor >= 0 else {
            let failure = errno
            switch failure {
            case ENOENT:
                throw Base64FileEncoder.Error(.fileNotFound, "\(path): no such file", hint: "check the path")
            case ENXIO:
                // A FIFO opened without blocking when nobody writes to it.
                throw Self.notRegular(path, kind: "a named pipe (FIFO)")
            default:
                throw Base64FileEncoder.Error(
                    .ioError, "cannot open \(path): \(reason(failure))", hint: "check its permissions")
            }
        }
        try self.init(owning: descriptor, path: path)
        // Regular files ignore O_NONBLOCK for reads, but clear it so nothing else is surprised.
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
    }

    /// Reads through a duplicate of `descriptor`, which stays the caller's.
    package convenience init(duplicating descriptor: Int32, path: String) throws(Base64FileEncoder.Error) {
        try self.init(owning: Self.duplicate(descriptor, path: path), path: path)
    }

    /// Reads through a duplicate of `file`'s descriptor, as the same version of the file: a change
    /// made since `file` was opened is a change for this one too.
    package convenience init(sharing file: OpenFile) throws(Base64FileEncoder.Error) {
        try self.init(owning: Self.duplicate(file.descriptor, path: file.path), path: file.path, stamp: file.stamp)
    }

    private init(owning descriptor: Int32, path: String, stamp known: Stamp? = nil) throws(Base64FileEncoder.Error) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let failure = errno
            close(descriptor)
            throw Base64FileEncoder.Error(.ioError, "cannot read the size of \(path): \(reason(failure))")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw Self.notRegular(path, kind: Self.kind(of: status.st_mode))
        }
        self.path = path
        self.descriptor = descriptor
        self.stamp = known ?? Stamp(status)
        self.size = Int(self.stamp.size)
    }

    private static func duplicate(_ descriptor: Int32, path: String) throws(Base64FileEncoder.Error) -> Int32 {
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
        return duplicate
    }

    deinit { close(descriptor) }

    /// A path that opens this very file again (the inode, not whatever the name points at now),
    /// for libraries that only take a path.
    package var reopenablePath: String {
        #if os(Linux)
            "/proc/self/fd/\(descriptor)"
        #else
            "/dev/fd/\(descriptor)"
        #endif
    }

    /// Throws `source-changed` when the file was written to, or changed size, since it was opened.
    package func checkUnchanged() throws(Base64FileEncoder.Error) {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw Base64FileEncoder.Error(.ioError, "cannot read the status of \(path): \(reason(errno))")
        }
        guard Stamp(status) == stamp else {
            throw Base64FileEncoder.Error(
                .sourceChanged,
                "\(path) changed while it was being read: its content is no longer the one that was checked",
                hint: "do not modify the file while it is prepared or sent; copy it first if it is still being written")
        }
    }

    /// Reads up to `buffer.count` bytes starting at `offset` into `buffer`.
    ///
    /// - Returns: the number of bytes read: `buffer.count`, or fewer only at the end of the file.
    package func read(at offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(Base64FileEncoder.Error)
        -> Int
    {
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

    private static func notRegular(_ path: String, kind: String) -> Base64FileEncoder.Error {
        Base64FileEncoder.Error(
            .unsupportedInput, "\(path) is \(kind), not a regular file",
            hint: "give the path of a file, not of a folder, device or pipe")
    }

    private static func kind(of mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a folder"
        case S_IFIFO: "a named pipe (FIFO)"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFSOCK: "a socket"
        default: "not a file"
        }
    }
}

private func reason(_ failure: Int32) -> String { String(cString: strerror(failure)) }
