import Foundation

/// Checks every asset of a batch with bounded parallelism and hands the results over in input order.
///
/// Local files run at most ``Options/fileJobs`` at once, their blocking work on the ``executor`` its
/// caller owns so that it never stalls the tasks waiting on the network; URLs at most
/// ``Options/urlJobs``. Files with the
/// same content (SHA-256) are inspected once; each is still reported, the later ones as duplicates of
/// the first.
public struct BatchChecker: Sendable {
    public struct Options: Sendable, Hashable {
        public var fileJobs: Int
        public var urlJobs: Int

        public init(fileJobs: Int = MediaChecker.defaultConcurrency, urlJobs: Int = 16) {
            precondition(fileJobs > 0 && urlJobs > 0, "job counts must be positive")
            self.fileJobs = fileJobs
            self.urlJobs = urlJobs
        }
    }

    public var checker: MediaChecker
    /// Where files are read, hashed and inspected.
    public var executor: BlockingExecutor
    public var remote: (any RemoteAssetChecking)?
    public var options: Options

    public init(
        checker: MediaChecker, executor: BlockingExecutor, remote: (any RemoteAssetChecking)? = nil,
        options: Options = Options()
    ) {
        self.checker = checker
        self.executor = executor
        self.remote = remote
        self.options = options
    }

    /// Checks `entries`, calling `emit` once per entry, in their order, as soon as each and all before it are done.
    public func run(
        _ entries: some Sequence<BatchEntry>, emit: (BatchResult) async throws -> Void
    ) async throws {
        // Twice as many runs of files as jobs: a thread that finishes one finds the next waiting.
        let fileSlots = AsyncSemaphore(options.fileJobs * 2)
        let executor = self.executor
        let urlSlots = AsyncSemaphore(options.urlJobs)
        let inspections = OnceCache<Result<Inspection, any Error>>()
        let remoteChecks = OnceCache<RemoteCheck>()
        var firstByContent: [String: String] = [:]
        var nextIndex = 0
        let checker = self.checker
        let remote = self.remote

        try await forEachConcurrently(
            WorkUnits(entries.makeIterator(), filesPerBatch: Self.filesPerBatch),
            width: options.fileJobs + options.urlJobs
        ) { unit -> [Outcome] in
            switch unit {
            case .files(let batch):
                await fileSlots.wait()
                defer { fileSlots.signal() }
                let works: [FileWork]
                do {
                    works = try await executor.run {
                        batch.map {
                            Self.work(onFile: $0.path, asset: $0.asset, checker: checker, inspections: inspections)
                        }
                    }
                } catch {
                    works = batch.map { _ in .failed(error) }
                }
                var outcomes: [Outcome] = []
                outcomes.reserveCapacity(works.count)
                for (file, work) in zip(batch, works) {
                    outcomes.append(
                        await Self.outcome(
                            of: work, path: file.path, asset: file.asset, checker: checker, inspections: inspections,
                            executor: executor))
                }
                return outcomes
            case .invalid(let invalid):
                return [Outcome(origin: invalid.origin, report: Self.report(for: invalid))]
            case .url(let url, let asset):
                guard let remote else {
                    return [
                        Outcome(
                            origin: asset.origin,
                            report: ValidationReport.unreadable(
                                url, as: asset.mediaType ?? .document,
                                error: WabaMediaError(
                                    .unsupportedInput, "\(url): remote assets cannot be checked here",
                                    hint: "check it with the wamedia command, which fetches its first bytes")))
                    ]
                }
                await urlSlots.wait()
                defer { urlSlots.signal() }
                // Identical rows fetch once; the same URL with another type or caption is judged again.
                let key = [url, asset.mediaType?.rawValue ?? "", asset.caption ?? "", asset.fileName ?? ""]
                    .joined(separator: "\u{0}")
                let check = await remoteChecks.value(for: key) { await remote.check(url: url, asset: asset) }
                return [
                    Outcome(
                        origin: asset.origin, report: check.report, contentKey: "url:" + url, remote: check.fetch)
                ]
            }
        } emit: { _, outcomes in
            for outcome in outcomes {
                try await emit(Self.result(for: outcome, index: nextIndex, firstByContent: &firstByContent))
                nextIndex += 1
            }
        }
    }

    /// The result of the `index`th entry, noting a repeat of content (or a URL) met earlier.
    private static func result(
        for outcome: Outcome, index: Int, firstByContent: inout [String: String]
    ) -> BatchResult {
        var result = BatchResult(
            index: index, origin: outcome.origin, report: outcome.report, sha256: outcome.sha256,
            remote: outcome.remote)
        if let key = outcome.contentKey {
            if let first = firstByContent[key] {
                result.duplicateOf = first
                result.report = result.report.adding(
                    Finding(
                        .duplicate, .warning,
                        message: "the same \(outcome.remote == nil ? "content" : "URL") as \(first): checked once",
                        hint: "send it once and reuse the media, or remove the repeat"))
            } else {
                firstByContent[key] = outcome.origin
            }
        }
        return result
    }

    struct Outcome: Sendable {
        var origin: String
        var report: ValidationReport
        var sha256: String?
        var contentKey: String?
        var remote: RemoteFetch?

        init(
            origin: String, report: ValidationReport, sha256: String? = nil, contentKey: String? = nil,
            remote: RemoteFetch? = nil
        ) {
            self.origin = origin
            self.report = report
            self.sha256 = sha256
            self.contentKey = contentKey ?? sha256
            self.remote = remote
        }
    }

    /// Consecutive local files go to a worker together: one hand-over between threads serves
    /// several files, which on small files costs more than the work itself.
    static let filesPerBatch = 8

    /// Reads, hashes and inspects a file, on a worker thread. A small file is read once for all three.
    static func work(
        onFile path: String, asset: BatchAsset, checker: MediaChecker,
        inspections: OnceCache<Result<Inspection, any Error>>
    ) -> FileWork {
        do {
            let source = try FileSource(path: path)
            guard source.size <= MediaInspector.wholeReadLimit else {
                return .hashed(try ContentDigest.sha256(of: source))
            }
            let contents = try source.read(at: 0, count: source.size)
            let sha256 = ContentDigest.sha256(of: contents)
            guard inspections.claim(sha256) else { return .hashed(sha256) }
            let inspection = Result { try checker.inspector.inspect(path: path, contents: contents, file: source) }
            inspections.fulfil(sha256, with: inspection)
            return .inspected(sha256, inspection)
        } catch {
            return .failed(error)
        }
    }

    /// The outcome of a worker's ``work(onFile:asset:checker:inspections:)``: waits for the inspection
    /// of the same content when another file has it, and validates.
    static func outcome(
        of work: FileWork, path: String, asset: BatchAsset, checker: MediaChecker,
        inspections: OnceCache<Result<Inspection, any Error>>, executor: BlockingExecutor
    ) async -> Outcome {
        func unreadable(_ error: any Error, sha256: String? = nil) -> Outcome {
            Outcome(
                origin: asset.origin,
                report: ValidationReport.unreadable(path, as: asset.mediaType ?? .document, error: error),
                sha256: sha256)
        }
        let sha256: String
        let inspection: Result<Inspection, any Error>
        switch work {
        case .failed(let error):
            return unreadable(error)
        case .inspected(let digest, let result):
            (sha256, inspection) = (digest, result)
        case .hashed(let digest):
            sha256 = digest
            inspection = await inspections.value(for: digest) {
                do {
                    return try await executor.run { Result { try checker.inspector.inspect(path: path) } }
                } catch {
                    return .failure(error)
                }
            }
        }
        switch inspection {
        case .success(var inspection):
            inspection.file = path
            return Outcome(
                origin: asset.origin, report: await validate(inspection, asset: asset, checker: checker), sha256: sha256
            )
        case .failure(let error):
            return unreadable(error, sha256: sha256)
        }
    }

    /// What a worker did with a file.
    enum FileWork: Sendable {
        /// Read, hashed and inspected.
        case inspected(String, Result<Inspection, any Error>)
        /// Hashed only: another file with the same content is (or was) inspected, or it is too large to read whole.
        case hashed(String)
        case failed(any Error)
    }

    /// Checks with the asset's type and caption, judging the extension of the name the recipient sees.
    public static func validate(_ inspection: Inspection, asset: BatchAsset, checker: MediaChecker) async
        -> ValidationReport
    {
        await checker.judge(inspection, as: asset.mediaType, caption: asset.caption, named: asset.fileName)
    }

    /// The rejected report standing in for an input that names nothing checkable.
    public static func report(for invalid: InvalidInput) -> ValidationReport {
        .unreadable(invalid.subject, as: invalid.mediaType ?? .document, finding: invalid.finding)
    }
}
