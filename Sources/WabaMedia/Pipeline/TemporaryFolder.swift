import Foundation
import Synchronization

/// A folder of its own in the system's temporary folder, removed with everything in it when the
/// scope that made it ends, and by a later run when the process that made it was killed first.
///
/// Every such folder is named `wamedia-work.<pid>.XXXXXX` and holds a `.lock` file that its
/// process keeps locked (`flock`) while the folder lives: the lock ends with the process however it
/// ends (SIGKILL, a crash, a power cut aside), and a PID that was reused cannot pass for the owner.
/// The first folder a process makes sweeps away the folders of this scheme whose lock is free.
package final class TemporaryFolder: Sendable {
    /// The folder's absolute path.
    package let path: String
    /// The open `.lock` file, locked for the folder's lifetime; -1 once the folder is removed.
    private let lock: Mutex<Int32>

    /// The start of every folder name: one scheme for every temporary folder wamedia makes.
    static let prefix = "wamedia-work."
    /// The file inside a folder whose lock says the folder is in use.
    static let lockName = ".lock"

    /// Makes a folder, uses it for the length of `body`, removes it after, whatever happened.
    static func with<Result>(_ body: (TemporaryFolder) throws -> Result) throws -> Result {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        return try body(folder)
    }

    static func with<Result>(_ body: (TemporaryFolder) async throws -> Result) async throws -> Result {
        let folder = try TemporaryFolder()
        defer { folder.remove() }
        return try await body(folder)
    }

    /// Makes a folder in `$TMPDIR` (else `/tmp`); the caller removes it with ``remove()``.
    package convenience init() throws {
        try self.init(in: NSTemporaryDirectory())
    }

    /// Makes a folder in `directory`; the first folder of the process first sweeps `directory`.
    package init(in directory: String) throws {
        _ = Self.sweptOnce(directory)
        let base = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        var template = Array("\(base)/\(Self.prefix)\(getpid()).XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw Self.failure("cannot create a temporary folder in \(base)")
        }
        let path = String(cString: made)
        // Locked under another name, then renamed: a `.lock` that exists is always held by a live
        // owner or by nobody, never free for a moment while its owner is still setting it up.
        let pending = "\(path)/\(Self.lockName).new"
        let descriptor = open(pending, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0, flock(descriptor, LOCK_EX | LOCK_NB) == 0,
            rename(pending, "\(path)/\(Self.lockName)") == 0
        else {
            let error = Self.failure("cannot lock the temporary folder \(path)")
            if descriptor >= 0 { close(descriptor) }
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
        self.path = path
        lock = Mutex(descriptor)
    }

    deinit {
        // Not removed (a caller forgot): the lock goes with the last reference, so a later sweep
        // may take the folder.
        lock.withLock { if $0 >= 0 { close($0) } }
    }

    /// A path inside the folder for an output named `stem.extension`.
    func path(for stem: String, extension fileExtension: String) -> String {
        let safe = stem.isEmpty || stem.hasPrefix(".") ? "media" + stem : stem
        return "\(path)/\(safe).\(fileExtension)"
    }

    /// Removes the folder and everything in it, then lets the lock go. Later calls do nothing.
    package func remove() {
        lock.withLock { descriptor in
            guard descriptor >= 0 else { return }
            try? FileManager.default.removeItem(atPath: path)
            close(descriptor)
            descriptor = -1
        }
    }

    private static func failure(_ message: String) -> WabaMediaError {
        WabaMediaError(
            .ioError, "\(message): \(String(cString: strerror(errno)))",
            hint: "check that TMPDIR exists, is writable and has room")
    }

    // MARK: - Sweeping

    /// The directories swept so far by this process: each once, before its first folder.
    private static let swept = Mutex<Set<String>>([])

    private static func sweptOnce(_ directory: String) -> Int {
        swept.withLock { swept in
            guard swept.insert(directory).inserted else { return 0 }
            return sweep(directory)
        }
    }

    /// At most this many folders are removed by one sweep; the rest wait for the next run.
    static let sweepLimit = 64

    /// Removes the folders of this scheme in `directory` that no live process owns; returns how
    /// many. Only directories of this user whose name fits the scheme are looked at, never a
    /// symbolic link or anything else. A folder is stale when its `.lock` can be locked, or, for a
    /// folder whose owner died before its lock was in place, when the process its name gives is gone.
    @discardableResult
    package static func sweep(_ directory: String) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed = 0
        for name in names where removed < sweepLimit {
            guard let owner = owner(inName: name) else { continue }
            let path = (directory.hasSuffix("/") ? directory : directory + "/") + name
            var status = stat()
            guard lstat(path, &status) == 0, status.st_mode & S_IFMT == S_IFDIR, status.st_uid == geteuid() else {
                continue
            }
            let descriptor = open("\(path)/\(lockName)", O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            if descriptor >= 0 {
                defer { close(descriptor) }
                // Held by its owner: in use. Taken here: kept while the folder goes, so that a
                // second sweeper cannot take it too.
                guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else { continue }
            } else {
                guard errno == ENOENT, kill(owner, 0) != 0, errno == ESRCH else { continue }
            }
            if (try? FileManager.default.removeItem(atPath: path)) != nil { removed += 1 }
        }
        return removed
    }

    /// The PID in a name of the scheme (`wamedia-work.<pid>.XXXXXX`); nil for any other name.
    static func owner(inName name: String) -> pid_t? {
        guard name.hasPrefix(prefix) else { return nil }
        let parts = name.dropFirst(prefix.count).split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[1].count == 6,
            parts[1].unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
            }),
            parts[0].utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let pid = pid_t(parts[0]), pid > 0
        else { return nil }
        return pid
    }
}
