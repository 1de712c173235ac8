import Foundation
import WabaMedia

/// A campaign's assets: each distinct one (by content and media type) checked and prepared once, through
/// the one preparation path, before the first message that needs it; and, unless every message uploads
/// its own copy, the `media_url` of its first upload, which later messages send instead of the bytes.
///
/// Prepared files live in the campaign's temporary folder, which the sender owns and removes at the end.
actor CampaignAssets {
    /// A prepared asset, ready to be sent by any number of messages.
    struct Prepared: Sendable {
        /// The prepared content's SHA-256 and media type: the key its `media_url` is recorded under.
        let key: String
        let mediaType: MediaType
        /// The prepared file, open: every message streams its bytes from this descriptor.
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

    private let preparer: MediaPreparer
    private let folder: String
    private let workers: BlockingWorkers
    private let journal: any CampaignJournal
    private let reuseURLs: Bool
    private var digests: [String: Task<Result<String, RowError>, Never>] = [:]
    private var prepared: [String: Task<Result<Prepared, RowError>, Never>] = [:]
    private var uploads: [String: Upload] = [:]

    init(
        preparer: MediaPreparer, folder: String, workers: BlockingWorkers, journal: any CampaignJournal,
        reuseURLs: Bool
    ) {
        self.preparer = preparer
        self.folder = folder
        self.workers = workers
        self.journal = journal
        self.reuseURLs = reuseURLs
    }

    /// The prepared asset of a row whose media is a file, preparing it when no earlier row had the same
    /// content and type; or why it cannot be sent.
    func prepared(path: String, as mediaType: MediaType?) async -> Result<Prepared, RowError> {
        let digest: String
        switch await contentDigest(of: path) {
        case .success(let value): digest = value
        case .failure(let error): return .failure(error)
        }
        let key = digest + "/" + (mediaType?.rawValue ?? "auto")
        if let task = prepared[key] { return await task.value }
        let preparer = self.preparer
        let folder = self.folder
        let workers = self.workers
        let task = Task {
            await workers.run { Self.prepare(path, as: mediaType, digest: digest, with: preparer, into: folder) }
        }
        prepared[key] = task
        return await task.value
    }

    /// A file's content hash, read once per path for the campaign (its files are not expected to change
    /// while it runs; the bytes sent are those prepared, whatever happens to the file later).
    private func contentDigest(of path: String) async -> Result<String, RowError> {
        if let task = digests[path] { return await task.value }
        let workers = self.workers
        let task = Task {
            await workers.run {
                Result { () throws(RowError) -> String in
                    do {
                        return try ContentDigest.sha256(ofFileAt: path)
                    } catch {
                        throw RowError(kind: .assetRejected, message: Self.reason(error, path))
                    }
                }
            }
        }
        digests[path] = task
        return await task.value
    }

    private static func prepare(
        _ path: String, as mediaType: MediaType?, digest: String, with preparer: MediaPreparer, into folder: String
    ) -> Result<Prepared, RowError> {
        do {
            let (output, type, name) = try preparer.withPreparedMedia(at: path, as: mediaType) {
                media -> (String, MediaType, String) in
                let type = media.report.mediaType
                let output =
                    "\(folder)/\(digest.prefix(32))-\(type.rawValue)"
                    + (media.fileExtension.isEmpty ? "" : ".\(media.fileExtension)")
                try media.write(to: output)
                let name = try FileNamer(profile: preparer.profile).infer(
                    inputPath: path, mime: media.mime, mediaType: type,
                    contentDigest: { try FileNamer.shortDigest(of: media.media) })
                return (output, type, name.name)
            }
            let media = try FileSource(path: output)
            let key = try ContentDigest.sha256(of: media) + "/" + type.rawValue
            return .success(Prepared(key: key, mediaType: type, media: media, fileName: name))
        } catch {
            return .failure(RowError(kind: .assetRejected, message: reason(error, path)))
        }
    }

    /// Why the asset at `path` cannot be sent, with what to do: a rejection's message is preceded by
    /// the path, as is an error that names no file.
    private static func reason(_ error: any Error, _ path: String) -> String {
        let error = WabaMediaError.wrapping(error, about: path, as: .ioError)
        return error.code == .rejected ? "\(path): \(error)" : "\(error)"
    }

    // MARK: - Upload once, then reuse

    /// How the next message with this asset sends it: by the URL of an earlier upload, or by uploading.
    /// While another message's upload of it is out, waits for that upload to end, so that the asset is
    /// uploaded once, not once per message in flight.
    func delivery(for key: String) async throws -> Delivery {
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
    func finishUpload(_ key: String, url: String?) async throws {
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
    func refuseURL(_ url: String, for key: String) async throws {
        finish(key, with: .disabled)
        try await journal.forgetMediaURL(url, forAsset: key)
    }

    private func finish(_ key: String, with state: Upload) {
        if case .uploading(let waiting) = uploads[key] {
            for continuation in waiting { continuation.resume() }
        }
        uploads[key] = state
    }
}
