import WabaMedia
import WabaRequestBody

/// The fields of a send-media request once they were checked as the contract checks them: 400 for
/// a missing or mistyped field or a non-WABA channel, 404 for a thread or contact that does not exist.
struct SendFields {
    /// The string fields, by name.
    var strings: [String: String]
    var mediaType: MediaType
    var threadID: String?

    var content: String? { strings["content"] }

    /// Checks `fields` and notes them in `receipt` as far as they were read.
    init(_ fields: [String: SendMediaBodyParser.FieldValue], receipt: inout SandboxReceipt) throws {
        strings = try Self.strings(of: fields, receipt: &receipt)
        receipt.channelID = strings["channel_id"]
        receipt.contactID = strings["contact_id"]
        receipt.threadID = strings["thread_id"]
        receipt.mediaType = strings["media_type"]
        receipt.content = strings["content"]
        receipt.fileName = strings["file_name"]

        guard let typeName = strings["media_type"] else { throw SandboxHTTPError(400, "media_type is required") }
        guard let mediaType = MediaType(rawValue: typeName) else {
            throw SandboxHTTPError(
                400, "media_type must be one of image, video, audio, document (got \"\(typeName)\")")
        }
        self.mediaType = mediaType
        threadID = strings["thread_id"]
    }

    /// The string fields; `save_message`, the one boolean, goes to the receipt.
    private static func strings(
        of fields: [String: SendMediaBodyParser.FieldValue], receipt: inout SandboxReceipt
    ) throws -> [String: String] {
        var strings: [String: String] = [:]
        for (key, value) in fields {
            switch (key, value) {
            case ("save_message", .literal(let literal)):
                guard literal == "true" || literal == "false" else {
                    throw SandboxHTTPError(400, "save_message must be true or false")
                }
                receipt.saveMessage = literal == "true"
            case ("save_message", .string):
                throw SandboxHTTPError(400, "save_message must be a boolean, not a string")
            case (_, .string(let text)):
                strings[key] = text
            case (_, .literal("null")):
                continue
            case ("channel_id", _), ("contact_id", _), ("thread_id", _), ("media_type", _), ("content", _),
                ("file_name", _), ("media_data", _):
                throw SandboxHTTPError(400, "\(key) must be a string")
            default:
                continue
            }
        }
        return strings
    }

    /// Who the message goes to, the caption and the channel: checked once `media_data` is known to be
    /// there, as the API orders its answers.
    func checkRecipient(configuration: SandboxConfiguration) throws {
        if threadID == nil {
            let missing = ["channel_id", "contact_id"].filter { (strings[$0] ?? "").isEmpty }
            if !missing.isEmpty {
                throw SandboxHTTPError(
                    400, "\(missing.joined(separator: " and ")) required when thread_id is not given")
            }
        }
        let captionLimit = configuration.profile.captionMaxCharacters
        if let content, content.utf16.count > captionLimit {
            throw SandboxHTTPError(
                400, "content is \(content.utf16.count) characters, over the limit of \(captionLimit)")
        }
        if threadID == nil, strings["channel_id"] == SandboxConfiguration.nonWABAChannelID {
            throw SandboxHTTPError(400, "the channel is not a WABA channel")
        }
        if let threadID {
            guard Self.isUUID(threadID), threadID != SandboxConfiguration.unknownContactID else {
                throw SandboxHTTPError(404, "thread not found")
            }
        } else if let contact = strings["contact_id"], !Self.contactExists(contact, configuration: configuration) {
            throw SandboxHTTPError(404, "contact not found")
        }
    }

    private static func contactExists(_ contact: String, configuration: SandboxConfiguration) -> Bool {
        if let known = configuration.knownContacts { return known.contains(contact) }
        return isUUID(contact) && contact != SandboxConfiguration.unknownContactID
    }

    static func isUUID(_ text: String) -> Bool {
        let groups = text.split(separator: "-", omittingEmptySubsequences: false)
        return groups.map(\.count) == [8, 4, 4, 4, 12] && groups.allSatisfy { $0.allSatisfy(\.isHexDigit) }
    }
}
