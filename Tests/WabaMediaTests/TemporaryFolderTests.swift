import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// wamedia's temporary folders: one naming scheme with the owner's PID, a lock held for the
/// folder's life, and a sweep that removes only folders of the scheme whose owner is gone.
@Suite struct TemporaryFolderTests {
    @Test("a folder is named after its process, holds its lock and is gone once removed")
    func schemeAndLock() throws {
        let directory = try makeTemporaryDirectory("wamedia-folder-tests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let folder = try TemporaryFolder(in: directory.path)
        let name = URL(fileURLWithPath: folder.path).lastPathComponent
        #expect(TemporaryFolder.owner(inName: name) == getpid(), "\(name)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == [TemporaryFolder.lockName])
        #expect(!Self.canLock("\(folder.path)/\(TemporaryFolder.lockName)"), "the lock is held while the folder lives")
        #expect(TemporaryFolder.sweep(directory.path) == 0)
        #expect(FileManager.default.fileExists(atPath: folder.path), "a live folder is never swept")
        folder.remove()
        folder.remove()
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == [])
    }

    @Test("only names of the scheme are taken for one")
    func names() {
        #expect(TemporaryFolder.owner(inName: "wamedia-work.4242.aB3xYz") == 4242)
        for name in [
            "wamedia-work.4242.aB3xY", "wamedia-work.4242.aB3xYzz", "wamedia-work.-1.aB3xYz", "wamedia-work.0.aB3xYz",
            "wamedia-work.42a.aB3xYz", "wamedia-work.4242.aB3x/z", "wamedia-work.4242", "wamedia-XXXXXX",
            "wamedia-campaign-aB3xYz", "wamedia-work.4242.aB3xYz.new", "wamedia-work.٤٢.aB3xYz",
        ] {
            #expect(TemporaryFolder.owner(inName: name) == nil, "\(name)")
        }
    }

    @Test("the sweep removes folders whose lock is free or whose owner is gone, and nothing else")
    func sweep() throws {
        let directory = try makeTemporaryDirectory("wamedia-folder-tests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let base = directory.path
        let manager = FileManager.default
        // Outside the folders: what a symbolic link inside a stale folder points at must survive.
        let precious = try makeTemporaryDirectory("wamedia-folder-precious")
        defer { try? manager.removeItem(at: precious) }
        try Data("keep".utf8).write(to: precious.appendingPathComponent("file"))

        // Stale: a free lock (its owner was killed), with a partial output and a link out.
        let freeLock = "\(base)/wamedia-work.\(getpid()).Aaaaaa"
        try manager.createDirectory(atPath: freeLock, withIntermediateDirectories: false)
        _ = manager.createFile(atPath: "\(freeLock)/\(TemporaryFolder.lockName)", contents: nil)
        _ = manager.createFile(atPath: "\(freeLock)/clip.mp4", contents: Data(count: 1000))
        try manager.createSymbolicLink(atPath: "\(freeLock)/link", withDestinationPath: precious.path)
        // Stale: no lock yet, and its PID is gone (a child that has been reaped).
        let deadOwner = try Self.reapedPID()
        let noLockDead = "\(base)/wamedia-work.\(deadOwner).Bbbbbb"
        try manager.createDirectory(atPath: noLockDead, withIntermediateDirectories: false)
        // Kept: no lock yet, but its owner lives (a folder being made).
        let noLockAlive = "\(base)/wamedia-work.\(getpid()).Cccccc"
        try manager.createDirectory(atPath: noLockAlive, withIntermediateDirectories: false)
        // Kept: its lock is held (by another open file, as another process would hold it).
        let held = "\(base)/wamedia-work.\(deadOwner).Dddddd"
        try manager.createDirectory(atPath: held, withIntermediateDirectories: false)
        let holder = open("\(held)/\(TemporaryFolder.lockName)", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        #expect(holder >= 0 && flock(holder, LOCK_EX | LOCK_NB) == 0)
        defer { close(holder) }
        // Kept: a symbolic link with a name of the scheme, to a folder with a free lock.
        let target = try makeTemporaryDirectory("wamedia-folder-target")
        defer { try? manager.removeItem(at: target) }
        _ = manager.createFile(atPath: target.appendingPathComponent(TemporaryFolder.lockName).path, contents: nil)
        try manager.createSymbolicLink(
            atPath: "\(base)/wamedia-work.\(deadOwner).Eeeeee", withDestinationPath: target.path)
        // Kept: a plain file with a name of the scheme, and folders of other names.
        _ = manager.createFile(atPath: "\(base)/wamedia-work.\(deadOwner).Ffffff", contents: nil)
        for other in ["wamedia-XXXXXX", "wamedia-campaign-abcdef", "wamedia-work.\(deadOwner).Gggggg.new"] {
            try manager.createDirectory(atPath: "\(base)/\(other)", withIntermediateDirectories: false)
        }

        #expect(TemporaryFolder.sweep(base) == 2)
        // A set: the two PIDs sort either way as text.
        let left = Set(try manager.contentsOfDirectory(atPath: base))
        #expect(
            left == [
                "wamedia-XXXXXX", "wamedia-campaign-abcdef", "wamedia-work.\(getpid()).Cccccc",
                "wamedia-work.\(deadOwner).Dddddd", "wamedia-work.\(deadOwner).Eeeeee",
                "wamedia-work.\(deadOwner).Ffffff", "wamedia-work.\(deadOwner).Gggggg.new",
            ], "\(left.sorted())")
        #expect(try String(contentsOf: precious.appendingPathComponent("file"), encoding: .utf8) == "keep")
        #expect(manager.fileExists(atPath: target.appendingPathComponent(TemporaryFolder.lockName).path))
    }

    @Test("the first folder of a process sweeps its directory")
    func firstFolderSweeps() throws {
        let directory = try makeTemporaryDirectory("wamedia-folder-tests")
        defer { try? FileManager.default.removeItem(at: directory) }
        let stale = "\(directory.path)/wamedia-work.\(try Self.reapedPID()).Hhhhhh"
        try FileManager.default.createDirectory(atPath: stale, withIntermediateDirectories: false)
        _ = FileManager.default.createFile(atPath: "\(stale)/\(TemporaryFolder.lockName)", contents: nil)
        let folder = try TemporaryFolder(in: directory.path)
        defer { folder.remove() }
        #expect(!FileManager.default.fileExists(atPath: stale))
    }

    /// A PID that no process has any more: a child that ended and was reaped.
    static func reapedPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    static func canLock(_ path: String) -> Bool {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        return flock(descriptor, LOCK_EX | LOCK_NB) == 0
    }
}
