import Foundation

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
        let executor = preparer.executor

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
                    let work: BatchChecker.FileWork
                    do {
                        work = try await executor.run {
                            BatchChecker.work(onFile: path, asset: asset, checker: checker, inspections: inspections)
                        }
                    } catch {
                        work = .failed(error)
                    }
                    let outcome = await BatchChecker.outcome(
                        of: work, path: path, asset: asset, checker: checker, inspections: inspections,
                        executor: executor)
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
                        do throws(WabaMediaError) {
                            return .success(
                                try await Self.prepare(
                                    path, report: report, asset: asset, with: preparer, into: folder, stem: stem))
                        } catch {
                            return .failure(error)
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
    ) async throws(WabaMediaError) -> (String, PreparedAsset.Action, [String]) {
        do {
            return try await preparer.withPreparedMedia(
                at: path, as: report.mediaType, caption: asset.caption, fileName: asset.fileName
            ) { media in
                let name = media.fileExtension.isEmpty ? stem : "\(stem).\(media.fileExtension)"
                let output = URL(fileURLWithPath: folder).appendingPathComponent(name).path
                try await preparer.executor.run { try media.write(to: output) }
                return (name, media.action == .kept ? .copied : .transformed, media.steps)
            }
        } catch {
            throw .wrapping(error, about: path, as: .transformFailed)
        }
    }
}
