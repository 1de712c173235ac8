#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Walks a folder depth-first in name order, skipping hidden files and folders (names starting
/// with a dot). Holds one listing per level of depth, never the whole tree.
final class FolderWalker: IteratorProtocol {
    private struct Level {
        var path: String
        var names: [String]
        var next = 0
    }

    private var levels: [Level] = []
    private var visited: Set<[UInt64]> = []
    private var queued: [BatchEntry] = []

    init(root: String) {
        enter(root, origin: root)
    }

    func next() -> BatchEntry? {
        while true {
            if !queued.isEmpty { return queued.removeFirst() }
            guard var level = levels.popLast() else { return nil }
            guard level.next < level.names.count else { continue }
            let name = level.names[level.next]
            level.next += 1
            levels.append(level)
            let path = level.path.hasSuffix("/") ? level.path + name : level.path + "/" + name
            switch FileKind(path) {
            case .directory:
                enter(path, origin: path)
            case .file:
                return .asset(BatchAsset(location: .file(path), origin: path))
            case .other, .missing:
                // Sockets, devices, FIFOs and dangling links hold no media.
                continue
            }
        }
    }

    private func enter(_ path: String, origin: String) {
        var status = stat()
        if FileSystemPath.withBytes(of: path, { stat($0, &status) }) == 0 {
            // A symbolic link back up the tree would otherwise be walked forever.
            let identity = [UInt64(status.st_dev), UInt64(status.st_ino)]
            guard visited.insert(identity).inserted else { return }
        }
        guard let directory = FileSystemPath.withBytes(of: path, { opendir($0) }) else {
            let reason = String(cString: strerror(errno))
            queued.append(
                .invalid(
                    InvalidInput(
                        origin: origin, subject: path,
                        finding: Finding(
                            .input, .rejected, message: "cannot read the folder \(path): \(reason)",
                            hint: "check that it exists and that its permissions let you list it"))))
            return
        }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            // The name's exact bytes: one that is not UTF-8 is still opened (and shown) as it is.
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { characters in
                    FileSystemPath.decode(
                        UnsafeBufferPointer(start: characters, count: strlen(characters)).map { UInt8(bitPattern: $0) })
                }
            }
            if name.hasPrefix(".") { continue }
            names.append(name)
        }
        names.sort { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        levels.append(Level(path: path, names: names))
    }
}
