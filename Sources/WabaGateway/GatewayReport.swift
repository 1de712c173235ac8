import Foundation
import WabaMedia

/// What the gateway did with one send-media request: served at `GET /v1/reports/{request-id}`.
/// Holds no key and no media; the caption only as far as the check's findings quote its length.
struct GatewayReport: Sendable, Encodable {
    var requestID: String
    var receivedAt: Date
    var mediaType: MediaType
    /// `base64` or `url`.
    var mediaKind: String
    /// The check's verdict on the file as it came; nil for a link, which is not fetched.
    var verdict: Verdict?
    /// What the preparation did; `link` for a URL passed on.
    var action: String
    /// What was done, in words.
    var steps: [String] = []
    /// The name sent as `file_name`.
    var fileName: String?
    var bytesIn: Int?
    var bytesOut: Int?
    /// The upstream's status; nil when nothing went upstream.
    var upstreamStatus: Int?
    /// The gateway's own refusal code, when it answered itself.
    var refusal: String?
    /// The check of the file as it came, and of what was sent when it was prepared.
    var report: ValidationReport?
    var preparedReport: ValidationReport?

    enum CodingKeys: String, CodingKey {
        case requestID = "request_id"
        case receivedAt = "received_at"
        case mediaType = "media_type"
        case mediaKind = "media_kind"
        case verdict, action, steps
        case fileName = "file_name"
        case bytesIn = "bytes_in"
        case bytesOut = "bytes_out"
        case upstreamStatus = "upstream_status"
        case refusal, report
        case preparedReport = "prepared_report"
    }
}
