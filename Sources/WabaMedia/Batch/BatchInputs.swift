import Foundation
internal import WabaEncoding

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The assets of a batch, from files, folders, glob patterns, URLs and manifests, in the order given.
///
/// A one-pass sequence: folders are walked and manifests read as it is iterated, so memory does not
/// grow with the number of assets. Problems with an input (a folder that cannot be read, a pattern
/// that matches nothing, a malformed manifest row) are yielded in its place as ``BatchEntry/invalid(_:)``.
public final class BatchInputs: Sequence, IteratorProtocol {
    /// One thing named on the command line.
    public enum Input: Sendable, Hashable {
        /// A file, a folder (walked recursively), or a glob pattern.
        case path(String)
        case url(String)
        case manifest(ManifestReader.Source)
    }

    private var pending: [Pending]
    private var current: (any IteratorProtocol<BatchEntry>)?
    private let defaultType: MediaType?
    private let defaultCaption: String?

    private enum Pending {
        case path(String)
        case url(String)
        case manifest(ManifestReader)
    }

    /// - Parameters:
    ///   - inputs: what to check, in order.
    ///   - defaultType: the media type of assets that do not name one (nil: inferred from the content).
    ///   - defaultCaption: the caption of assets that do not have one.
    /// - Throws: ``WabaMediaError`` when a manifest cannot be opened or its header has no `media` column:
    ///   nothing can be checked from it, so the whole run stops before it starts.
    public init(_ inputs: [Input], defaultType: MediaType? = nil, defaultCaption: String? = nil) throws {
        self.defaultType = defaultType
        self.defaultCaption = defaultCaption
        self.pending = try inputs.reversed().map { input in
            switch input {
            case .path(let path): .path(path)
            case .url(let url): .url(url)
            case .manifest(let source): .manifest(try ManifestReader(source))
            }
        }
    }

    /// Classifies command-line arguments: `http(s)://` is a URL, anything else a path or pattern.
    public static func classify(_ arguments: [String]) -> [Input] {
        arguments.map { AssetLocation.isURL($0) ? .url($0) : .path($0) }
    }

    public func next() -> BatchEntry? {
        while true {
            if let entry = current?.next() { return applyDefaults(entry) }
            current = nil
            guard let input = pending.popLast() else { return nil }
            switch input {
            case .url(let url):
                return applyDefaults(.asset(BatchAsset(location: .url(url), origin: url)))
            case .manifest(let reader):
                current = reader
            case .path(let path):
                if let single = start(path) { return applyDefaults(single) }
            }
        }
    }

    /// Starts walking `path`; returns an entry directly when the path names just one.
    private func start(_ path: String) -> BatchEntry? {
        switch FileKind(path) {
        case .directory:
            current = FolderWalker(root: path)
            return nil
        case .file, .other:
            return .asset(BatchAsset(location: .file(path), origin: path))
        case .missing where GlobPattern.isPattern(path):
            let matches: [String]
            do {
                matches = try GlobPattern.matches(path)
            } catch {
                return .invalid(
                    InvalidInput(
                        origin: path, subject: path,
                        finding: Finding(.input, .rejected, message: "\(error)", hint: "check the pattern")))
            }
            guard !matches.isEmpty else {
                return .invalid(
                    InvalidInput(
                        origin: path, subject: path,
                        finding: Finding(
                            .input, .rejected, message: "no file matches the pattern \(path)",
                            hint: "check the pattern and the current folder; quote it so the shell does not expand it")
                    ))
            }
            pending.append(contentsOf: matches.reversed().map { .path($0) })
            return nil
        case .missing:
            // The checker reports it as a file that does not exist, as for any other path.
            return .asset(BatchAsset(location: .file(path), origin: path))
        }
    }

    private func applyDefaults(_ entry: BatchEntry) -> BatchEntry {
        guard case .asset(var asset) = entry else { return entry }
        if asset.mediaType == nil { asset.mediaType = defaultType }
        if asset.caption == nil { asset.caption = defaultCaption }
        return .asset(asset)
    }
}

enum FileKind {
    case file, directory, other, missing

    init(_ path: String) {
        var status = stat()
        guard FileSystemPath.withBytes(of: path, { stat($0, &status) }) == 0 else {
            self = .missing
            return
        }
        switch status.st_mode & S_IFMT {
        case S_IFDIR: self = .directory
        case S_IFREG: self = .file
        default: self = .other
        }
    }
}
