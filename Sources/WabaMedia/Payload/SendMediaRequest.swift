/// One `POST /v1/waba/send-media` request, as typed values.
///
/// ``validate(profile:)`` checks everything that can be checked without reading the media,
/// so a wrong command line fails before any I/O.
public struct SendMediaRequest: Sendable, Hashable {
    public var channelID: String?
    public var contactID: String?
    public var mediaType: MediaType
    public var mediaData: MediaData
    /// The caption.
    public var content: String?
    public var fileName: String?
    public var threadID: String?
    /// Whether the platform stores the message in the thread (the API's default is true).
    public var saveMessage: Bool

    public init(
        channelID: String? = nil, contactID: String? = nil, mediaType: MediaType, mediaData: MediaData,
        content: String? = nil, fileName: String? = nil, threadID: String? = nil, saveMessage: Bool = true
    ) {
        self.channelID = channelID
        self.contactID = contactID
        self.mediaType = mediaType
        self.mediaData = mediaData
        self.content = content
        self.fileName = fileName
        self.threadID = threadID
        self.saveMessage = saveMessage
    }

    /// Checks the request's own fields against the API contract and `profile`.
    /// - Throws: ``WabaMediaError`` `invalid-argument` saying which field is wrong and how to fix it.
    public func validate(profile: MediaProfile = .whatsappCloud) throws {
        func blank(_ value: String?) -> Bool { value?.allSatisfy(\.isWhitespace) ?? true }
        if let threadID, blank(threadID) {
            throw WabaMediaError(.invalidArgument, "thread_id is empty", hint: "give a thread id or leave it out")
        }
        if threadID == nil {
            let missing = [("channel_id", channelID), ("contact_id", contactID)].filter { blank($0.1) }.map(\.0)
            if !missing.isEmpty {
                throw WabaMediaError(
                    .invalidArgument,
                    "\(missing.joined(separator: " and ")) \(missing.count == 1 ? "is" : "are") required when no thread_id is given",
                    hint: "give --channel and --contact, or --thread for an existing conversation")
            }
        }
        if let content {
            // UTF-16 units, as the validate stage counts: the most a server can count a caption as.
            let length = content.utf16.count
            if length > profile.captionMaxCharacters {
                throw WabaMediaError(
                    .invalidArgument,
                    "the caption is \(length) characters, over the limit of \(profile.captionMaxCharacters)",
                    hint: "shorten it by \(length - profile.captionMaxCharacters) characters")
            }
        }
        if let fileName, fileName.isEmpty {
            throw WabaMediaError(.invalidArgument, "file_name is empty", hint: "give a name or leave it out")
        }
        switch mediaData {
        case .url(let url):
            try Self.checkURL(url)
        case .file(let path):
            if path.isEmpty { throw WabaMediaError(.invalidArgument, "the media file path is empty") }
        case .bytes:
            break
        }
    }

    /// A URL the platform can fetch: `http` or `https` with a host and a valid port, and nothing JSON
    /// or HTTP would mangle.
    static func checkURL(_ url: String) throws {
        do {
            _ = try HTTPURL(url)
        } catch let problem {
            let hint =
                problem == .notHTTP ? "give a public https:// URL, or a local file to send its bytes" : problem.hint
            throw WabaMediaError(.invalidArgument, "media URL \(url) cannot be used: \(problem)", hint: hint)
        }
    }
}
