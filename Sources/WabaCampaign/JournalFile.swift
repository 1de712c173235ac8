import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A SQLite journal's database file, found by what it is rather than by how its path is spelled, and
/// locked for one sender.
///
/// A path names a file in many ways: relative or absolute, through symbolic links, through other hard
/// links. A lock beside the path (`PATH.lock`) is one lock per spelling, so two senders could each take
/// one and send every message twice. Here:
/// - symbolic links are resolved before anything else, so SQLite's `-wal` and `-shm` files are the
///   same whatever spelling was given;
/// - the lock is an `flock` on the database file itself: every spelling reaches the same inode, and
///   so the same lock;
/// - a file with more than one hard link is refused (its other names would have `-wal` files of their
///   own: after a crash, a run through another name would miss the last committed states), unless the
///   caller adopts it;
/// - a journal is made whole under a temporary name and linked into place (`link` never replaces a
///   file), so a file at the journal's path is always a journal that was made whole: one found empty
///   was emptied, and taking it as a new campaign would send every message again: it is refused.
///
/// SQLite holds POSIX (`fcntl`) locks on the same file, which `flock` does not touch. Closing any
/// descriptor of a file drops every POSIX lock the process holds on it, so the descriptor here is closed
/// only after the database is.
final class JournalFile: Sendable {
    /// The path as given, for messages.
    let path: String
    /// The path with every symbolic link resolved: where the database is opened.
    let resolvedPath: String
    /// The file's inode number: a copy of the journal is another inode.
    let inode: UInt64
    private let descriptor: Int32
    private let released = Mutex(false)

    /// How long a held lock is tried again before the journal is called busy: a lock this process
    /// released a moment ago can still be held by a child it is starting (a transcode's ffmpeg), through
    /// the descriptor the child inherited until its exec closes it. Far longer than fork to exec.
    static let patience: Duration = .seconds(2)

    /// Opens the file at `path`, making it with `make` when missing, and takes its lock.
    ///
    /// - Parameters:
    ///   - adopt: take a file with other hard links as it is.
    ///   - make: makes a new, whole journal in the (empty) file at the path it is given; the file is
    ///     then linked to `path`.
    /// - Throws: ``CampaignJournalError`` `.busy` when another opening holds the lock, `.notAJournal`
    ///   for an empty file or one that is not a regular file, `.elsewhere` for a file with other hard
    ///   links (unless adopted), `.storage` when it cannot be opened or made; what `make` throws.
    init(path: String, adopt: Bool, make: (String) throws -> Void) throws {
        self.path = path
        resolvedPath = try Self.resolve(path)
        var descriptor = open(resolvedPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        if descriptor < 0, errno == ENOENT {
            try Self.create(resolvedPath, make: make)
            descriptor = open(resolvedPath, O_RDWR | O_CLOEXEC | O_NOFOLLOW)
        }
        guard descriptor >= 0 else {
            throw CampaignJournalError(
                .storage, "cannot open the journal \(Self.describe(path, resolvedPath)): \(Self.systemError())",
                hint: "check that the journal's folder exists and is writable, and that the path is a file")
        }
        do {
            try Self.lock(descriptor, path: path)
            var status = try Self.status(of: descriptor, path: path)
            guard status.st_mode & S_IFMT == S_IFREG else {
                throw CampaignJournalError(
                    .notAJournal, "the journal \(path) is not a regular file",
                    hint:
                        "give the path of a journal file, or of a file to create (the default is the manifest's path + .journal)"
                )
            }
            if status.st_size == 0 {
                throw CampaignJournalError(
                    .notAJournal,
                    "the journal \(Self.describe(path, resolvedPath)) is empty (0 bytes): a journal is never made empty, so its contents were lost",
                    hint:
                        "if a campaign was sent from it, restore it from a backup (starting anew would send every message again); if none was, delete it and run again"
                )
            }
            if status.st_nlink > 1, Self.removeCreationLinks(of: resolvedPath, inode: status.st_ino) {
                status = try Self.status(of: descriptor, path: path)
            }
            if status.st_nlink > 1, !adopt {
                throw CampaignJournalError(
                    .elsewhere,
                    "the journal \(Self.describe(path, resolvedPath)) has \(status.st_nlink) hard links: each name keeps a write-ahead log of its own, so a run through another name could miss the last states and send messages again",
                    hint:
                        "use one name only: remove the other links (find them with find -samefile), or pass --adopt-journal if no other name is ever used"
                )
            }
            inode = UInt64(status.st_ino)
        } catch {
            close(descriptor)
            throw error
        }
        self.descriptor = descriptor
    }

    /// Closes the file, releasing the lock. Call after the database is closed.
    func release() {
        released.withLock { done in
            guard !done else { return }
            done = true
            close(descriptor)
        }
    }

    // MARK: - Making a journal

    /// The start of the temporary names a journal at `path` is made under: `.NAME.creating.`.
    private static func creationPrefix(_ path: String) -> String {
        "." + URL(fileURLWithPath: path).lastPathComponent + ".creating."
    }

    /// Makes the journal at `path` whole under a temporary name beside it, then links it into place.
    /// Another process that made it first wins: its journal is kept, this one dropped.
    private static func create(_ path: String, make: (String) throws -> Void) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        removeAbandonedCreations(of: path)
        let temporary =
            folder + "/" + creationPrefix(path) + String(UInt64.random(in: 0...UInt64.max), radix: 16)
        defer {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(temporary + suffix) }
        }
        let made = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard made >= 0 else {
            throw CampaignJournalError(
                .storage, "cannot create the journal \(path): \(systemError())",
                hint: "check that the journal's folder is writable")
        }
        close(made)
        try make(temporary)
        guard link(temporary, path) == 0 || errno == EEXIST else {
            throw CampaignJournalError(
                .storage, "cannot create the journal \(path): \(systemError())",
                hint: "check that the journal's folder is writable and on a file system with hard links")
        }
    }

    /// Removes the temporary names of the journal at `path` that are other links to it (a process
    /// stopped between linking the journal into place and removing its temporary name); whether any
    /// was removed.
    private static func removeCreationLinks(of path: String, inode: ino_t) -> Bool {
        creations(of: path).reduce(false) { removed, entry in
            guard entry.status.st_ino == inode else { return removed }
            return unlink(entry.path) == 0 || removed
        }
    }

    /// Removes journals that were being made beside `path` an hour ago or more: their process was
    /// stopped before it linked them into place. (A creation takes milliseconds.)
    private static func removeAbandonedCreations(of path: String) {
        let hourAgo = time(nil) - 3_600
        for entry in creations(of: path) where entry.status.st_mtim.tv_sec < hourAgo {
            unlink(entry.path)
        }
    }

    /// The regular files beside `path` named as its temporary names are, with their status.
    private static func creations(of path: String) -> [(path: String, status: stat)] {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let prefix = creationPrefix(path)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        return names.filter { $0.hasPrefix(prefix) }.compactMap { name in
            let entry = folder + "/" + name
            var status = stat()
            guard lstat(entry, &status) == 0, status.st_mode & S_IFMT == S_IFREG else { return nil }
            return (entry, status)
        }
    }

    // MARK: - Paths

    /// `path` with its symbolic links resolved; for a file that does not exist yet, its folder's.
    private static func resolve(_ path: String) throws -> String {
        if let resolved = realPath(path) { return resolved }
        var status = stat()
        if lstat(path, &status) == 0 {
            // It exists, yet cannot be resolved: a symbolic link to nothing, or a loop of them.
            throw CampaignJournalError(
                .storage,
                "the journal \(path) is a symbolic link that leads to no file (\(systemError()))",
                hint: "give the real path of the journal, or a path where one can be created")
        }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        guard let resolvedFolder = realPath(folder) else {
            throw CampaignJournalError(
                .storage,
                "cannot create the journal \(path): its folder \(folder) cannot be reached (\(systemError()))",
                hint: "create the folder first, or give a journal path in an existing folder")
        }
        return (resolvedFolder == "/" ? "" : resolvedFolder) + "/" + url.lastPathComponent
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func lock(_ descriptor: Int32, path: String) throws {
        let deadline = ContinuousClock.now + patience
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let reason = errno
            if reason == EINTR { continue }
            if reason == EWOULDBLOCK, ContinuousClock.now < deadline {
                usleep(10_000)
                continue
            }
            throw CampaignJournalError(
                .busy, "another wamedia process is sending from the journal \(path)",
                hint:
                    "wait for it to finish (or stop it with Ctrl-C); to send from many processes or machines, use a PostgreSQL journal"
            )
        }
    }

    private static func status(of descriptor: Int32, path: String) throws -> stat {
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw CampaignJournalError(
                .storage, "cannot read the journal \(path)'s file status: \(systemError())",
                hint: "check the disk and the file's permissions")
        }
        return status
    }

    /// The path as given, and where it leads when that differs.
    static func describe(_ path: String, _ resolved: String) -> String {
        resolved == path ? path : "\(path) (\(resolved))"
    }

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
