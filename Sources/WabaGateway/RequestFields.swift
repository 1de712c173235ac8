import WabaMedia
import WabaRequestBody

/// The small fields of a send-media request, as the preparation and the upstream request need them.
struct RequestFields: Sendable {
    var mediaType: MediaType
    var message: MessageFields

    /// - Throws: ``GatewayError`` 400 `invalid_request` for a field missing or of the wrong type.
    init(_ fields: [String: SendMediaBodyParser.FieldValue]) throws {
        var strings: [String: String] = [:]
        var saveMessage = true
        for (key, value) in fields {
            switch (key, value) {
            case ("save_message", .literal("true")): saveMessage = true
            case ("save_message", .literal("false")): saveMessage = false
            case ("save_message", .literal("null")): continue
            case ("save_message", _): throw Self.invalid("save_message must be true or false")
            case (_, .string(let text)): strings[key] = text
            case (_, .literal("null")): continue
            case ("channel_id", _), ("contact_id", _), ("thread_id", _), ("media_type", _), ("content", _),
                ("file_name", _), ("media_data", _):
                throw Self.invalid("\(key) must be a string")
            default: continue
            }
        }
        guard let typeName = strings["media_type"] else { throw Self.invalid("media_type is required") }
        guard let mediaType = MediaType(rawValue: typeName) else {
            throw Self.invalid("media_type must be one of image, video, audio, document (got \"\(typeName)\")")
        }
        self.mediaType = mediaType
        message = MessageFields(
            channelID: strings["channel_id"], contactID: strings["contact_id"], threadID: strings["thread_id"],
            content: strings["content"], fileName: strings["file_name"], saveMessage: saveMessage)
    }

    static func invalid(_ message: String, hint: String? = nil) -> GatewayError {
        GatewayError(400, .invalidRequest, message, hint: hint)
    }
}
