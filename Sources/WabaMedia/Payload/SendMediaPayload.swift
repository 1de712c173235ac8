import WabaEncoding

/// The JSON body of a send-media request, with its exact length known before any media byte is read.
///
/// The body is laid out as a prefix (every small field, then `"media_data":"`), the base64 of the
/// media, and a suffix (`"}`), so a 100 MB document goes out as a stream of encoded chunks and
/// never sits in memory whole. A URL request is small and is held entirely in the prefix.
public struct SendMediaPayload: Sendable {
    public let request: SendMediaRequest
    /// The media's own size in bytes (0 for a URL).
    public let mediaByteCount: Int
    /// The exact size of the body in bytes: what `Content-Length` says.
    public let contentLength: Int

    let prefix: [UInt8]
    let suffix: [UInt8]
    let media: Media

    enum Media: Sendable {
        case none
        case file(FileSource)
        case bytes([UInt8])
    }

    /// Input bytes encoded per chunk: a multiple of 3, so only the last chunk is padded.
    public static let defaultChunkSize = Base64FileEncoder.defaultChunkSize

    /// Lays out the body of `request`. Opens the media file (to learn its size) but reads none of it.
    /// - Throws: ``WabaMediaError`` from ``SendMediaRequest/validate(profile:)``, or when the file cannot be opened.
    public init(_ request: SendMediaRequest, profile: MediaProfile = .whatsappCloud) throws {
        // Fields first, so a wrong request fails before the file is touched.
        try request.validate(profile: profile)
        let media: FileSource? =
            if case .file(let path) = request.mediaData { try FileSource(path: path) } else { nil }
        try self.init(request, media: media, profile: profile)
    }

    /// Lays out the body of `request`, whose media is read from `media`, a file already open: the
    /// bytes sent are those of that descriptor, whatever the request's path names now.
    public init(_ request: SendMediaRequest, media file: FileSource?, profile: MediaProfile = .whatsappCloud) throws {
        try request.validate(profile: profile)
        self.request = request
        var head: [UInt8] = [UInt8(ascii: "{")]
        func field(_ key: String, _ value: String?) {
            guard let value else { return }
            JSONString.append(key, to: &head)
            head.append(UInt8(ascii: ":"))
            JSONString.append(value, to: &head)
            head.append(UInt8(ascii: ","))
        }
        field("channel_id", request.channelID)
        field("contact_id", request.contactID)
        field("thread_id", request.threadID)
        field("media_type", request.mediaType.rawValue)
        field("content", request.content)
        field("file_name", request.fileName)
        head += Array("\"save_message\":\(request.saveMessage ? "true" : "false"),\"media_data\":".utf8)

        switch request.mediaData {
        case .url(let url):
            JSONString.append(url, to: &head)
            head.append(UInt8(ascii: "}"))
            media = .none
            mediaByteCount = 0
            suffix = []
        case .file(let path):
            head.append(UInt8(ascii: "\""))
            guard let source = file else {
                throw WabaMediaError(.invalidArgument, "\(path): the media file is not open")
            }
            media = .file(source)
            mediaByteCount = source.size
            suffix = Array("\"}".utf8)
        case .bytes(let bytes):
            head.append(UInt8(ascii: "\""))
            media = .bytes(bytes)
            mediaByteCount = bytes.count
            suffix = Array("\"}".utf8)
        }
        prefix = head
        let encoded = if case .none = media { 0 } else { Base64Encoder.encodedLength(of: mediaByteCount) }
        contentLength = prefix.count + encoded + suffix.count
    }

    /// The whole body in memory: for small media, URLs and tests.
    public func makeBody() throws -> [UInt8] {
        var body: [UInt8] = []
        body.reserveCapacity(contentLength)
        var reader = makeReader()
        while let chunk = try reader.next() { body += chunk }
        return body
    }

    /// Reads the body chunk by chunk; each call to ``makeReader(chunkSize:)`` starts from the beginning,
    /// so a request can be sent again.
    public func makeReader(chunkSize: Int = defaultChunkSize) -> Reader {
        Reader(payload: self, chunkSize: chunkSize)
    }

    /// The body as an `AsyncSequence` of chunks, for an HTTP client's streamed upload.
    public func chunks(chunkSize: Int = defaultChunkSize) -> Chunks {
        Chunks(payload: self, chunkSize: chunkSize)
    }

    /// The body, chunk by chunk: the prefix, the encoded media, the suffix.
    public struct Reader {
        private enum Stage { case prefix, media, suffix, done }
        private let payload: SendMediaPayload
        private var stage = Stage.prefix
        private let chunkSize: Int
        private var fileChunks: Base64ChunkReader?
        private var produced = 0

        init(payload: SendMediaPayload, chunkSize: Int) {
            self.payload = payload
            self.chunkSize = chunkSize
        }

        /// The next chunk, or nil at the end.
        /// - Throws: ``WabaMediaError`` `io-error` when the file cannot be read or changed size since it was opened.
        public mutating func next() throws -> [UInt8]? {
            while true {
                switch stage {
                case .prefix:
                    stage = .media
                    return emit(payload.prefix)
                case .media:
                    switch payload.media {
                    case .none:
                        stage = .suffix
                    case .bytes(let bytes):
                        stage = .suffix
                        return emit(Base64Encoder.encode(bytes))
                    case .file(let source):
                        if fileChunks == nil {
                            fileChunks = try Base64ChunkReader(source: source, chunkSize: chunkSize)
                        }
                        if let chunk = try fileChunks?.next() { return emit(chunk) }
                        stage = .suffix
                    }
                case .suffix:
                    stage = .done
                    if !payload.suffix.isEmpty { return emit(payload.suffix) }
                case .done:
                    guard produced == payload.contentLength else {
                        throw WabaMediaError(
                            .ioError,
                            "the body came out \(produced) bytes long instead of \(payload.contentLength)",
                            hint: "make sure the file is not changed while it is sent")
                    }
                    return nil
                }
            }
        }

        private mutating func emit(_ chunk: [UInt8]) -> [UInt8] {
            produced += chunk.count
            return chunk
        }
    }

    public struct Chunks: AsyncSequence, Sendable {
        public typealias Element = [UInt8]
        let payload: SendMediaPayload
        let chunkSize: Int

        public func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(reader: payload.makeReader(chunkSize: chunkSize))
        }

        public struct AsyncIterator: AsyncIteratorProtocol {
            var reader: Reader
            public mutating func next() async throws -> [UInt8]? { try reader.next() }
        }
    }
}

/// The encoded media of a file, chunk by chunk: the single place the payload meets the
/// streaming encoder.
struct Base64ChunkReader {
    private let reader: Base64FileEncoder.Reader

    init(source: FileSource, chunkSize: Int) throws(WabaMediaError) {
        do {
            reader = try Base64FileEncoder(sharing: source.file, chunkSize: max(3, chunkSize / 3 * 3)).makeReader()
        } catch let error as Base64FileEncoder.Error {
            throw WabaMediaError(error)
        } catch {
            throw WabaMediaError(.ioError, "cannot encode \(source.path): \(error)", cause: error)
        }
    }

    /// The next encoded chunk, nil at the end; the encoder's errors in the library's vocabulary.
    mutating func next() throws(WabaMediaError) -> [UInt8]? {
        do {
            return try reader.nextChunk()
        } catch let error as Base64FileEncoder.Error {
            throw WabaMediaError(error)
        } catch {
            throw WabaMediaError(.ioError, "cannot encode the media: \(error)", cause: error)
        }
    }
}
