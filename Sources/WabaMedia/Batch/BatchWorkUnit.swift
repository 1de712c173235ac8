/// One unit of a batch's work.
enum BatchWorkUnit: Sendable {
    struct LocalFile: Sendable {
        var path: String
        var asset: BatchAsset
    }

    /// Consecutive local files, checked one after another by one worker.
    case files([LocalFile])
    case url(String, BatchAsset)
    case invalid(InvalidInput)
}

/// A batch's entries as units of work: runs of up to `filesPerBatch` consecutive local files,
/// every other entry on its own.
struct WorkUnits<Base: IteratorProtocol<BatchEntry>>: Sequence, IteratorProtocol {
    private var base: Base
    private var pending: BatchEntry?
    private let filesPerBatch: Int

    init(_ base: Base, filesPerBatch: Int) {
        self.base = base
        self.filesPerBatch = filesPerBatch
    }

    mutating func next() -> BatchWorkUnit? {
        guard let first = pending ?? base.next() else { return nil }
        pending = nil
        switch first {
        case .invalid(let invalid):
            return .invalid(invalid)
        case .asset(let asset):
            let path: String
            switch asset.location {
            case .url(let url): return .url(url, asset)
            case .file(let filePath): path = filePath
            }
            var batch = [BatchWorkUnit.LocalFile(path: path, asset: asset)]
            while batch.count < filesPerBatch, let entry = base.next() {
                guard case .asset(let next) = entry, case .file(let nextPath) = next.location else {
                    pending = entry
                    break
                }
                batch.append(BatchWorkUnit.LocalFile(path: nextPath, asset: next))
            }
            return .files(batch)
        }
    }
}
