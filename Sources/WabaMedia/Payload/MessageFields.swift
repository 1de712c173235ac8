/// The small fields of a message, as a user gives them.
public struct MessageFields: Sendable, Hashable {
    public var channelID: String?
    public var contactID: String?
    public var threadID: String?
    /// The caption.
    public var content: String?
    /// The user's own `file_name`, used as is (sanitised).
    public var fileName: String?
    public var saveMessage: Bool

    public init(
        channelID: String? = nil, contactID: String? = nil, threadID: String? = nil, content: String? = nil,
        fileName: String? = nil, saveMessage: Bool = true
    ) {
        self.channelID = channelID
        self.contactID = contactID
        self.threadID = threadID
        self.content = content
        self.fileName = fileName
        self.saveMessage = saveMessage
    }
}

extension MessageFields {
    /// The request for these fields whose media, `data`, is sent as `mediaType` under `fileName`: the
    /// one place a message's fields become a request, for a single send and a campaign's rows alike.
    public func request(_ mediaType: MediaType, _ data: MediaData, fileName: String?) -> SendMediaRequest {
        SendMediaRequest(
            channelID: channelID, contactID: contactID, mediaType: mediaType, mediaData: data, content: content,
            fileName: fileName, threadID: threadID, saveMessage: saveMessage)
    }

    /// The body of a message with these fields whose media is at `url`, which the platform fetches.
    ///
    /// - Throws: ``WabaMediaError`` `invalid-argument` for a field or URL the API would refuse.
    public func payload(_ mediaType: MediaType, url: String, fileName: String?, profile: MediaProfile) throws
        -> SendMediaPayload
    {
        try SendMediaPayload(request(mediaType, .url(url), fileName: fileName), profile: profile)
    }

    /// The body of a message with these fields whose media is the file `media`, already open: the
    /// bytes sent are that descriptor's, whatever its path names by then.
    ///
    /// - Throws: ``WabaMediaError`` `invalid-argument` for a field the API would refuse.
    public func payload(_ mediaType: MediaType, file media: FileSource, fileName: String?, profile: MediaProfile)
        throws -> SendMediaPayload
    {
        try SendMediaPayload(
            request(mediaType, .file(path: media.path), fileName: fileName), media: media, profile: profile)
    }
}
