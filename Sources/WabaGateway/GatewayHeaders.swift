import Hummingbird

/// The headers that say what the gateway did, beside the upstream's unchanged body.
extension HTTPFields.Element.Name {
    /// `ok` when the file was sendable as it came, `fixable` when the gateway made it conform.
    static let wamediaVerdict = Self("Wamedia-Verdict")!
    /// What the preparation did (`kept`, `fitted-image`, `transcoded`, …), or `link` for a URL passed on.
    static let wamediaAction = Self("Wamedia-Action")!
    /// The request's id: `GET /v1/reports/{id}` gives its report.
    static let wamediaRequestID = Self("Wamedia-Request-Id")!
    /// The client's key for the upstream API, passed on as it is.
    static let apiKey = Self("x-api-key")!
}
