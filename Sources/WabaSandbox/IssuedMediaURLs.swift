import Synchronization

/// The `media_url`s the sandbox answered with, and the upload each points at: the only loopback
/// URLs it takes as media, so a rehearsal can send an upload again by its URL.
final class IssuedMediaURLs: Sendable {
    /// An accepted upload, as the accepted-message record describes it.
    struct Upload: Sendable {
        /// SHA-256, lower-case hex.
        var digest: String
        var bytes: Int
    }

    private let uploads = Mutex<[String: Upload]>([:])

    /// The upload `url` points at, when the sandbox issued it.
    func upload(at url: String) -> Upload? { uploads.withLock { $0[url] } }

    func issue(_ url: String, for upload: Upload) { uploads.withLock { $0[url] = upload } }
}
