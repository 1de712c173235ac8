/// A message ready to go: the media prepared and open, its name, and the body to send.
public struct PreparedMessage: Sendable {
    public let request: SendMediaRequest
    public let fileName: InferredFileName
    /// The prepared file; nil for media sent by URL, which is not fetched.
    public let media: PreparedMedia?
    /// The body, streamed from ``media``'s open file.
    public let payload: SendMediaPayload
}

extension MediaPreparer {
    /// Prepares a message from `input` (a file path or an http(s) URL): the file checked and made to
    /// conform, named, and the body laid out; then runs `body` with it. Files the preparation wrote
    /// are removed when `body` returns, throws or is cancelled.
    ///
    /// - Parameter mediaType: inferred from a file's content when nil; required for a URL.
    /// - Throws: ``WabaMediaError``: `invalid-argument` for wrong fields (before any I/O); `rejected`
    ///   when the file cannot be sent (its ``WabaMediaError/report`` says why); another code when it
    ///   cannot be read or prepared.
    public func withPreparedMessage<Result>(
        _ input: String, as mediaType: MediaType?, fields: MessageFields,
        isolation: isolated (any Actor)? = #isolation, _ body: (PreparedMessage) async throws -> Result
    ) async throws -> Result {
        switch try AssetLocation(argument: input) {
        case .url(let url):
            guard let mediaType else {
                throw WabaMediaError(
                    .invalidArgument, "the media type of a URL cannot be detected without fetching it",
                    hint: "give --type image|video|audio|document")
            }
            // A URL is named from its last segment: nothing is prepared.
            let name = FileNamer(profile: profile).infer(
                userFileName: fields.fileName, url: url, mime: nil, mediaType: mediaType,
                contentDigest: { FileNamer.shortDigest(of: Array(url.utf8)) })
            let payload = try fields.payload(mediaType, url: url, fileName: name.name, profile: profile)
            return try await body(
                PreparedMessage(request: payload.request, fileName: name, media: nil, payload: payload))
        case .file(let path):
            // Fields first, so a wrong command line fails before anything is read.
            try fields.request(mediaType ?? .document, .file(path: path), fileName: fields.fileName)
                .validate(profile: profile)
            return try await withPreparedMedia(
                at: path, as: mediaType, caption: fields.content, fileName: fields.fileName
            ) { media in
                // A name made up from the content hashes the prepared file.
                let name = try await executor.run { try fileName(of: media, userFileName: fields.fileName) }
                let payload = try fields.payload(
                    media.report.mediaType, file: media.media, fileName: name.name, profile: profile)
                return try await body(
                    PreparedMessage(request: payload.request, fileName: name, media: media, payload: payload))
            }
        }
    }
}
