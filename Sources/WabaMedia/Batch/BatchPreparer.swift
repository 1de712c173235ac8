import Foundation

/// What bulk preparation did with one asset.
public struct PreparedAsset: Sendable, Hashable, Encodable {
    public var result: BatchResult
    /// The file written in the output folder (its name, relative to the folder), or the URL kept as is.
    /// Nil when the asset was rejected or could not be prepared.
    public var media: String?
    /// How the output was made.
    public enum Action: String, Sendable, Hashable, Codable, CustomStringConvertible {
        /// Sendable as it is: copied byte for byte.
        case copied
        /// Made to conform by the preparation (an image fitted, a container rewritten).
        case transformed
        /// Sent by URL, not downloaded.
        case url
        /// The same content as an earlier asset, whose output it uses.
        case shared

        public var description: String { rawValue }
    }

    /// How the output was made.
    public var action: Action?
    /// The steps the transform took, in words.
    public var steps: [String]
    /// Why preparing failed, when it did (the asset is then left out of the output manifest).
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case media, action, steps, error
        case output = "output"
    }

    public func encode(to encoder: any Encoder) throws {
        try result.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(media, forKey: .output)
        try container.encodeIfPresent(action, forKey: .action)
        if !steps.isEmpty { try container.encode(steps, forKey: .steps) }
        try container.encodeIfPresent(error, forKey: .error)
    }

    /// The row of the output folder's manifest, when the asset can be sent from it.
    public var manifestRow: [String: String]? {
        guard let media, error == nil, result.verdict != .rejected else { return nil }
        var row = ["media": media, "media_type": result.report.mediaType.rawValue, "source": result.origin]
        if let caption = captionForRow { row["caption"] = caption }
        if let fileName = fileNameForRow { row["file_name"] = fileName }
        return row
    }

    var captionForRow: String?
    var fileNameForRow: String?
}

/// `prepare` over a whole batch: every asset checked; ok ones copied, fixable ones transformed into
/// `folder`, rejected ones reported; the same content is prepared once. The caller writes the
/// manifest of the results from ``PreparedAsset/manifestRow`` (in input order) so the batch can be
/// sent from the folder.
public struct BatchPreparer: Sendable {
    public var checker: MediaChecker
    public var preparer: MediaPreparer
    public var folder: String
    public var jobs: Int

    /// - Parameters:
    ///   - checker: checks every asset first, as `check` does (structure, fast).
    ///   - preparer: prepares each distinct content once.
    public init(checker: MediaChecker, preparer: MediaPreparer, folder: String, jobs: Int) {
        precondition(jobs > 0, "jobs must be positive")
        self.checker = checker
        self.preparer = preparer
        self.folder = folder
        self.jobs = jobs
    }

    public func run(_ entries: some Sequence<BatchEntry>, emit: (PreparedAsset) async throws -> Void)
        async throws
    {
        let inspections = OnceCache<Result<Inspection, any Error>>()
        let outputs = OnceCache<Result<(String, PreparedAsset.Action, [String]), WabaMediaError>>()
        var firstByContent: [String: String] = [:]
        let checker = self.checker
        let preparer = self.preparer
        let folder = self.folder
        let slots = AsyncSemaphore(jobs)
        let workers = BlockingWorkers(count: jobs)
        defer { workers.shutdown() }

        try await forEachConcurrently(UniqueStems(entries), width: jobs) { item -> (PreparedAsset, String?) in
            let (entry, stem) = item
            switch entry {
            case .invalid(let invalid):
                let result = BatchResult(
                    index: 0, origin: invalid.origin, report: BatchChecker.report(for: invalid))
                return (PreparedAsset(result: result, steps: []), nil)
            case .asset(let asset):
                switch asset.location {
                case .url(let url):
                    let report = ValidationReport.unreadable(
                        url, as: asset.mediaType ?? .document,
                        finding: Finding(
                            .notFetched, .warning, message: "\(url) is sent by URL; prepare does not fetch it",
                            hint: "run 'wamedia check' on the manifest to check what the platform will fetch"))
                    var prepared = PreparedAsset(
                        result: BatchResult(index: 0, origin: asset.origin, report: report), media: url,
                        action: .url, steps: [])
                    prepared.captionForRow = asset.caption
                    prepared.fileNameForRow = asset.fileName
                    return (prepared, nil)
                case .file(let path):
                    await slots.wait()
                    defer { slots.signal() }
                    let work = await workers.run {
                        BatchChecker.work(onFile: path, asset: asset, checker: checker, inspections: inspections)
                    }
                    let outcome = await BatchChecker.outcome(
                        of: work, path: path, asset: asset, checker: checker, inspections: inspections,
                        workers: workers)
                    var prepared = PreparedAsset(
                        result: BatchResult(
                            index: 0, origin: asset.origin, report: outcome.report, sha256: outcome.sha256),
                        steps: [])
                    prepared.captionForRow = asset.caption
                    prepared.fileNameForRow = asset.fileName ?? outcome.report.suggestedFileName
                    guard outcome.report.verdict != .rejected, let sha256 = outcome.sha256 else {
                        return (prepared, nil)
                    }
                    let key = sha256 + "\u{0}" + outcome.report.mediaType.rawValue
                    let report = outcome.report
                    let output = await outputs.value(for: key) {
                        await workers.run {
                            Result { () throws(WabaMediaError) in
                                try Self.prepare(
                                    path, report: report, asset: asset, with: preparer, into: folder, stem: stem)
                            }
                        }
                    }
                    switch output {
                    case .success(let (name, action, steps)):
                        prepared.media = name
                        prepared.action = action
                        prepared.steps = steps
                    case .failure(let error):
                        prepared.error = error.message
                    }
                    return (prepared, key)
                }
            }
        } emit: { index, item in
            var (prepared, key) = item
            prepared.result.index = index
            if let key, prepared.media != nil {
                if let first = firstByContent[key] {
                    prepared.result.duplicateOf = first
                    prepared.action = .shared
                } else {
                    firstByContent[key] = prepared.result.origin
                }
            }
            try await emit(prepared)
        }
    }
}

extension BatchPreparer {
    /// Prepares one asset into `folder` as `stem` and the extension its content calls for.
    static func prepare(
        _ path: String, report: ValidationReport, asset: BatchAsset, with preparer: MediaPreparer,
        into folder: String, stem: String
    ) throws(WabaMediaError) -> (String, PreparedAsset.Action, [String]) {
        do {
            return try preparer.withPreparedMedia(
                at: path, as: report.mediaType, caption: asset.caption, fileName: asset.fileName
            ) { media in
                let name = media.fileExtension.isEmpty ? stem : "\(stem).\(media.fileExtension)"
                try media.write(to: URL(fileURLWithPath: folder).appendingPathComponent(name).path)
                return (name, media.action == .kept ? .copied : .transformed, media.steps)
            }
        } catch {
            throw .wrapping(error, about: path, as: .transformFailed)
        }
    }
}

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
