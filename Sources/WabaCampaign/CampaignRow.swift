public import WabaMedia

/// One message of a campaign: a manifest row as read.
public struct CampaignRow: Sendable, Hashable, Codable {
    /// The row's line number in the manifest (1-based, the header counting): unique in a campaign.
    public var row: Int
    public var channelID: String?
    public var contactID: String?
    public var threadID: String?
    /// The asset as the manifest names it, resolved: an absolute path, or an http(s) URL.
    public var media: String
    /// The type to send it as; for a file, inferred from its content when nil.
    public var mediaType: MediaType?
    public var caption: String?
    public var fileName: String?
    public var saveMessage: Bool
    /// Why the row cannot be sent, for a row that is loaded as `rejected` (a missing recipient, a bad
    /// media type); nil for a row that is loaded as `pending`.
    public var rejection: RowError?

    public init(
        row: Int, channelID: String? = nil, contactID: String? = nil, threadID: String? = nil, media: String,
        mediaType: MediaType? = nil, caption: String? = nil, fileName: String? = nil, saveMessage: Bool = true,
        rejection: RowError? = nil
    ) {
        self.row = row
        self.channelID = channelID
        self.contactID = contactID
        self.threadID = threadID
        self.media = media
        self.mediaType = mediaType
        self.caption = caption
        self.fileName = fileName
        self.saveMessage = saveMessage
        self.rejection = rejection
    }

    /// Who receives it, in words: `thread <id>`, `contact <id> via <channel>`, or `no recipient`.
    public var recipient: String {
        if let threadID { return "thread \(threadID)" }
        guard let contactID else { return "no recipient" }
        return "contact \(contactID) via \(channelID ?? "no channel")"
    }
}

extension CampaignRow {
    /// The media type a journal stored as `text` (its raw value), nil for none.
    ///
    /// - Throws: ``CampaignJournalError`` `.storage` for a name this version does not know: a row
    ///   sent as a type it does not mean would be a wrong message.
    static func mediaType(stored text: String?, in location: String) throws -> MediaType? {
        guard let text else { return nil }
        guard let type = MediaType(rawValue: text) else {
            throw CampaignJournalError(
                .storage, "the journal \(location) has a row of a media type wamedia does not know: \(text)",
                hint: "a newer wamedia wrote it; send with that version")
        }
        return type
    }
}

extension CampaignRow {
    /// The message's own fields (the recipient, the caption, the name the row gives), from which its
    /// request is built as every message's is.
    public var fields: MessageFields {
        MessageFields(
            channelID: channelID, contactID: contactID, threadID: threadID, content: caption, fileName: fileName,
            saveMessage: saveMessage)
    }
}
