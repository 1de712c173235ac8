import WabaMedia

/// A campaign's assets: each distinct one (by content and media type) checked and prepared once, through
/// the one preparation path, before the first message that needs it; and, unless every message uploads
/// its own copy, the `media_url` of its first upload, which later messages send instead of the bytes.
///
/// Messages send the prepared bytes from the descriptor the preparation handed over, never from a
/// copy or a path opened again. A file the preparation wrote outlives the preparation's folder,
/// removed once the asset is prepared: unnamed, it stays readable through that descriptor until the
/// campaign drops its assets, and nothing else can reach it. A file sent as it is, is read from the
/// descriptor its check read: replaced meanwhile, the bytes checked still go; written to in place, a
/// later upload of it fails (`source-changed`) rather than send what was not checked.
actor CampaignAssets {
    /// A prepared asset, ready to be sent by any number of messages.
    struct Prepared: Sendable {
        /// What its `media_url` is recorded under.
        let key: AssetKey
        var mediaType: MediaType { key.mediaType }
        /// The prepared bytes, open: every message streams them from this descriptor.
        let media: FileSource
        /// The name the recipient sees when the row gives none.
        let fileName: String
    }

    /// How a message sends its asset's bytes.
    enum Delivery: Sendable, Equatable {
        /// The URL of an earlier upload.
        case url(String)
        /// The bytes; ``finishUpload(_:url:)`` must follow.
        case upload
    }

    private enum Upload {
        /// Nobody asked yet: the journal may know a URL from an earlier run or another worker.
        case unasked
        case uploading(waiting: [CheckedContinuation<Void, Never>])
        case url(String)
        /// No upload has given a URL yet.
        case none
        /// A URL send was refused: every message uploads its own copy from now on.
        case disabled
    }

    /// An asset as rows ask for it: content (its SHA-256), and the type to send it as (nil: the
    /// content's own). Rows that ask alike share one preparation.
    private struct Request: Hashable {
        var digest: String
        var mediaType: MediaType?
    }

    /// A preparation: the asset, or why it cannot be sent; `CancellationError` when it was stopped.
    private typealias Preparation = Task<Result<Prepared, RowError>, any Error>

    private let preparer: MediaPreparer
    private let journal: any CampaignJournal
    private let reuseURLs: Bool
    private var digests: [String: Task<Result<String, RowError>, any Error>] = [:]
    private var preparations: [Request: Preparation] = [:]
    private var uploads: [AssetKey: Upload] = [:]

    /// - Parameter preparer: prepares the assets; its executor also hashes them.
    init(preparer: MediaPreparer, journal: any CampaignJournal, reuseURLs: Bool) {
        self.preparer = preparer
        self.journal = journal
        self.reuseURLs = reuseURLs
    }

    /// The prepared asset of a row whose media is a file, preparing it when no earlier row had the same
    /// content and type; or why it cannot be sent.
    ///
    /// Cancelling the calling task stops the preparation it waits for (a transcode's ffmpeg with it),
    /// whoever else waits for it: a row's task is cancelled only when the whole run stops.
    ///
    /// - Throws: `CancellationError` when the preparation was stopped: the row was not judged, and
    ///   must not be recorded as rejected.
    func prepared(path: String, as mediaType: MediaType?) async throws -> Result<Prepared, RowError> {
        let digest: String
        switch try await contentDigest(of: path) {
        case .success(let value): digest = value
        case .failure(let error): return .failure(error)
        }
        let request = Request(digest: digest, mediaType: mediaType)
        let preparation: Preparation
        if let started = preparations[request] {
            preparation = started
        } else {
            let preparer = self.preparer
            preparation = Preparation { try await Self.prepare(path, as: mediaType, with: preparer) }
            preparations[request] = preparation
        }
        return try await Self.value(of: preparation)
    }

    /// The task's value; cancelling the caller cancels the task.
    private static func value<Success: Sendable>(of task: Task<Success, any Error>) async throws -> Success {
        try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }

    /// A file's content hash, read once per path for the campaign: its files are not expected to
    /// change while it runs.
    private func contentDigest(of path: String) async throws -> Result<String, RowError> {
        if let task = digests[path] { return try await Self.value(of: task) }
        let executor = preparer.executor
        let task = Task { () async throws -> Result<String, RowError> in
            do {
                return .success(try await executor.run { try ContentDigest.sha256(ofFileAt: path) })
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                return .failure(Self.rejection(error, of: path))
            }
        }
        digests[path] = task
        return try await Self.value(of: task)
    }

    /// Prepares the file at `path`, then reads what the preparation wrote once: for its key, and, when
    /// the name must be made up from the content, for its name.
    private static func prepare(_ path: String, as mediaType: MediaType?, with preparer: MediaPreparer)
        async throws -> Result<Prepared, RowError>
    {
        do {
            return .success(
                try await preparer.withPreparedMedia(at: path, as: mediaType) { media in
                    try await preparer.executor.run {
                        Prepared(
                            key: try AssetKey(hashing: media.media, as: media.report.mediaType),
                            media: media.media, fileName: try preparer.fileName(of: media).name)
                    }
                })
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            return .failure(rejection(error, of: path))
        }
    }

    /// Why the asset at `path` cannot be sent, with what to do: a rejection's message is preceded by
    /// the path, as is an error that names no file.
    private static func rejection(_ error: any Error, of path: String) -> RowError {
        let error = WabaMediaError.wrapping(error, about: path, as: .ioError)
        return RowError(kind: .assetRejected, message: error.code == .rejected ? "\(path): \(error)" : "\(error)")
    }

    // MARK: - Upload once, then reuse

    /// How the next message with this asset sends it: by the URL of an earlier upload, or by uploading.
    /// While another message's upload of it is out, waits for that upload to end, so that the asset is
    /// uploaded once, not once per message in flight.
    func delivery(for key: AssetKey) async throws -> Delivery {
        guard reuseURLs else { return .upload }
        while true {
            switch uploads[key, default: .unasked] {
            case .url(let url):
                return .url(url)
            case .disabled:
                return .upload
            case .none:
                uploads[key] = .uploading(waiting: [])
                return .upload
            case .uploading(let waiting):
                await withCheckedContinuation { continuation in
                    uploads[key] = .uploading(waiting: waiting + [continuation])
                }
            case .unasked:
                uploads[key] = .uploading(waiting: [])
                let known: String?
                do {
                    known = try await journal.mediaURL(forAsset: key)
                } catch {
                    finish(key, with: .none)
                    throw error
                }
                if let known {
                    finish(key, with: .url(known))
                    return .url(known)
                }
                return .upload
            }
        }
    }

    /// Ends an upload that ``delivery(for:)`` asked for: `url` is what the platform returned when the
    /// message was sent, nil when it was not.
    func finishUpload(_ key: AssetKey, url: String?) async throws {
        guard reuseURLs else { return }
        if case .disabled = uploads[key] { return }
        guard let url, !url.isEmpty else {
            finish(key, with: .none)
            return
        }
        do {
            try await journal.recordMediaURL(url, forAsset: key)
        } catch {
            finish(key, with: .none)
            throw error
        }
        // Another worker may have recorded its own first: the journal's is the one all reuse.
        finish(key, with: .url(try await journal.mediaURL(forAsset: key) ?? url))
    }

    /// A URL send of the asset was refused as invalid media: its URL is forgotten, and every later
    /// message uploads the bytes.
    func refuseURL(_ url: String, for key: AssetKey) async throws {
        finish(key, with: .disabled)
        try await journal.forgetMediaURL(url, forAsset: key)
    }

    private func finish(_ key: AssetKey, with state: Upload) {
        if case .uploading(let waiting) = uploads[key] {
            for continuation in waiting { continuation.resume() }
        }
        uploads[key] = state
    }
}
