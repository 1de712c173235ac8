import Crypto
import Dispatch
import Foundation
import Synchronization

/// Checks remote assets for a batch. WabaClient's `RemoteAssetChecker` is the implementation;
/// the protocol keeps the offline library free of networking.
public protocol RemoteAssetChecking: Sendable {
    /// Checks the asset at `url` as the platform would fetch it. Never throws: every problem is a finding.
    func check(url: String, asset: BatchAsset) async -> RemoteCheck
}

/// A remote asset's report, with what the URL answered.
public struct RemoteCheck: Sendable, Hashable {
    public var report: ValidationReport
    public var fetch: RemoteFetch

    public init(report: ValidationReport, fetch: RemoteFetch) {
        self.report = report
        self.fetch = fetch
    }
}

/// Checks every asset of a batch with bounded parallelism and hands the results over in input order.
///
/// Local files run at most ``Options/fileJobs`` at once (blocking work, on threads of their own so it
/// never stalls the tasks waiting on the network); URLs at most ``Options/urlJobs``. Files with the
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
    public var remote: (any RemoteAssetChecking)?
    public var options: Options

    public init(checker: MediaChecker, remote: (any RemoteAssetChecking)? = nil, options: Options = Options()) {
        self.checker = checker
        self.remote = remote
        self.options = options
    }

    /// Checks `entries`, calling `emit` once per entry, in their order, as soon as each and all before it are done.
    public func run(
        _ entries: some Sequence<BatchEntry>, emit: (BatchResult) async throws -> Void
    ) async throws {
        // Twice as many runs of files as workers: a worker that finishes one finds the next waiting.
        let fileSlots = AsyncSemaphore(options.fileJobs * 2)
        let workers = BlockingWorkers(count: options.fileJobs)
        defer { workers.shutdown() }
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
                let works = await workers.run {
                    batch.map {
                        Self.work(onFile: $0.path, asset: $0.asset, checker: checker, inspections: inspections)
                    }
                }
                var outcomes: [Outcome] = []
                outcomes.reserveCapacity(works.count)
                for (file, work) in zip(batch, works) {
                    outcomes.append(
                        await Self.outcome(
                            of: work, path: file.path, asset: file.asset, checker: checker, inspections: inspections,
                            workers: workers))
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
            let inspection = Result { try checker.inspector.inspect(path: path, contents: contents) }
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
        inspections: OnceCache<Result<Inspection, any Error>>, workers: BlockingWorkers
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
                await workers.run { Result { try checker.inspector.inspect(path: path) } }
            }
        }
        switch inspection {
        case .success(var inspection):
            inspection.file = path
            return Outcome(
                origin: asset.origin, report: validate(inspection, asset: asset, validator: checker.validator),
                sha256: sha256)
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

    /// Validates with the asset's type and caption, judging the extension of the name the recipient sees.
    public static func validate(_ inspection: Inspection, asset: BatchAsset, validator: MediaValidator)
        -> ValidationReport
    {
        guard let fileName = asset.fileName else {
            return validator.validate(inspection, as: asset.mediaType, caption: asset.caption)
        }
        var named = inspection
        named.file = fileName
        var report = validator.validate(named, as: asset.mediaType, caption: asset.caption)
        report.inspection.file = inspection.file
        return report
    }

    /// The rejected report standing in for an input that names nothing checkable.
    public static func report(for invalid: InvalidInput) -> ValidationReport {
        .unreadable(invalid.subject, as: invalid.mediaType ?? .document, finding: invalid.finding)
    }
}

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

/// Content fingerprints, to find the same file given twice.
public enum ContentDigest {
    /// The SHA-256 of the file at `path`, in lower-case hex, read in blocks.
    public static func sha256(ofFileAt path: String) throws -> String {
        try sha256(of: FileSource(path: path))
    }

    /// The SHA-256 of everything `source` holds, in lower-case hex, read in blocks.
    public static func sha256(of source: some ByteSource) throws -> String {
        var hasher = SHA256()
        let blockSize = 1 << 20
        var offset = 0
        while offset < source.size {
            let block = try source.read(at: offset, count: blockSize)
            if block.isEmpty { break }
            hasher.update(data: block)
            offset += block.count
        }
        return hex(hasher.finalize())
    }

    /// The SHA-256 of `bytes`, in lower-case hex.
    public static func sha256(of bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    private static let digits = Array("0123456789abcdef".utf8)

    private static func hex(_ digest: some Sequence<UInt8>) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for byte in digest {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}

/// A counting semaphore for tasks: `wait` suspends instead of blocking a thread.
final class AsyncSemaphore: Sendable {
    private struct State {
        var permits: Int
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state: Mutex<State>

    init(_ permits: Int) {
        state = Mutex(State(permits: permits))
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let acquired = state.withLock { state -> Bool in
                if state.permits > 0 {
                    state.permits -= 1
                    return true
                }
                state.waiters.append(continuation)
                return false
            }
            if acquired { continuation.resume() }
        }
    }

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if state.waiters.isEmpty {
                state.permits += 1
                return nil
            }
            return state.waiters.removeFirst()
        }
        waiter?.resume()
    }
}

/// Computes each key's value once, however many tasks ask for it at the same time or later.
///
/// Finished values are kept for the `capacity` most recent keys only, so memory stays bounded on
/// batches of any size; a key asked for again after its value was dropped is computed again.
final class OnceCache<Value: Sendable>: Sendable {
    private enum Slot {
        case computing([CheckedContinuation<Value?, Never>])
        case done(Value)
    }

    private enum Claim {
        case compute
        case ready(Value)
        case wait
    }

    private struct State {
        var slots: [String: Slot] = [:]
        /// Finished keys, oldest first from `oldest`.
        var finished: [String] = []
        var oldest = 0
    }

    private let state = Mutex(State())
    private let capacity: Int

    init(capacity: Int = 1024) {
        self.capacity = capacity
    }

    func value(for key: String, compute: () async -> Value) async -> Value {
        while true {
            let claim = state.withLock { state -> Claim in
                switch state.slots[key] {
                case nil:
                    state.slots[key] = .computing([])
                    return .compute
                case .done(let value)?:
                    return .ready(value)
                case .computing?:
                    return .wait
                }
            }
            switch claim {
            case .ready(let value):
                return value
            case .wait:
                if let value = await waitForValue(key) { return value }
            // Dropped before this task got to wait: claim it again.
            case .compute:
                let value = await compute()
                fulfil(key, with: value)
                return value
            }
        }
    }

    /// Claims `key` for the caller to compute, without waiting: true when no one has it yet.
    /// The caller must then ``fulfil(_:with:)`` it.
    func claim(_ key: String) -> Bool {
        state.withLock { state in
            guard state.slots[key] == nil else { return false }
            state.slots[key] = .computing([])
            return true
        }
    }

    /// Stores the value of a claimed key and hands it to the tasks waiting for it.
    func fulfil(_ key: String, with value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
            guard case .computing(let waiters)? = state.slots[key] else { return [] }
            state.slots[key] = .done(value)
            state.finished.append(key)
            if state.finished.count - state.oldest > capacity {
                state.slots[state.finished[state.oldest]] = nil
                state.oldest += 1
                if state.oldest > capacity {
                    state.finished.removeFirst(state.oldest)
                    state.oldest = 0
                }
            }
            return waiters
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    private func waitForValue(_ key: String) async -> Value? {
        await withCheckedContinuation { continuation in
            let outcome = state.withLock { state -> Value?? in
                switch state.slots[key] {
                case .done(let value)?:
                    return .some(value)
                case .computing(let waiters)?:
                    state.slots[key] = .computing(waiters + [continuation])
                    return .none
                case nil:
                    return .some(nil)
                }
            }
            if case .some(let ready) = outcome { continuation.resume(returning: ready) }
        }
    }
}

/// MIME type names as the detector spells them (`image/jpg` → `image/jpeg`, `audio/x-m4a` → `audio/mp4`),
/// lower-cased and without parameters, so a server's `Content-Type` can be compared with the content.
public func canonicalMIME(_ mime: String) -> String {
    let bare = mime.split(separator: ";", maxSplits: 1).first.map(String.init) ?? mime
    let lowered = bare.trimmingCharacters(in: .whitespaces).lowercased()
    let extra: [String: String] = [
        "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
        "audio/x-mpeg-3": "audio/mpeg", "audio/mpeg3": "audio/mpeg", "audio/m4a": "audio/mp4",
        "application/x-zip-compressed": "application/zip",
    ]
    return extra[lowered] ?? ContentSniffer.aliases[lowered] ?? lowered
}
