import Foundation

/// Gives each entry an output name stem no earlier entry has, in input order: `photo`, `photo-2`, ...
struct UniqueStems<Base: Sequence<BatchEntry>>: Sequence {
    let base: Base
    init(_ base: Base) { self.base = base }

    func makeIterator() -> Iterator { Iterator(base: base.makeIterator()) }

    struct Iterator: IteratorProtocol {
        var base: Base.Iterator
        var taken: Set<String> = []

        mutating func next() -> (BatchEntry, String)? {
            guard let entry = base.next() else { return nil }
            guard case .asset(let asset) = entry, case .file(let path) = asset.location else { return (entry, "") }
            let name = asset.fileName ?? URL(fileURLWithPath: path).lastPathComponent
            var stem = String(URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent)
                .map { $0 == "/" || $0 == "\\" || $0.isNewline ? "_" : $0 }.reduce(into: "") { $0.append($1) }
            if stem.isEmpty || stem.hasPrefix(".") { stem = "asset" + stem }
            var candidate = stem
            var counter = 2
            while !taken.insert(candidate.lowercased()).inserted {
                candidate = "\(stem)-\(counter)"
                counter += 1
            }
            return (entry, candidate)
        }
    }
}
