/// What fetching a remote asset's first bytes showed about the URL itself.
public struct RemoteFetch: Sendable, Hashable, Codable {
    /// The URL as the batch's input gave it.
    public var url: String
    /// Where it led after redirects.
    public var finalURL: String
    /// The final answer's HTTP status (of the ranged GET), nil when none came.
    public var status: Int?
    public var contentType: String?
    /// The whole content's size, from `Content-Range` or `Content-Length`, when the server said.
    public var contentLength: Int?
    /// The URLs redirected through, in order.
    public var redirects: [String]
    /// Body bytes read over the network for the check (the start of the content only).
    public var bytesFetched: Int
    public var cacheControl: String?
    public var etag: String?
    public var lastModified: String?

    public init(
        url: String, finalURL: String, status: Int? = nil, contentType: String? = nil, contentLength: Int? = nil,
        redirects: [String] = [], bytesFetched: Int = 0, cacheControl: String? = nil, etag: String? = nil,
        lastModified: String? = nil
    ) {
        self.url = url
        self.finalURL = finalURL
        self.status = status
        self.contentType = contentType
        self.contentLength = contentLength
        self.redirects = redirects
        self.bytesFetched = bytesFetched
        self.cacheControl = cacheControl
        self.etag = etag
        self.lastModified = lastModified
    }

    enum CodingKeys: String, CodingKey {
        case url, status, redirects, etag
        case finalURL = "final_url"
        case contentType = "content_type"
        case contentLength = "content_length"
        case bytesFetched = "bytes_fetched"
        case cacheControl = "cache_control"
        case lastModified = "last_modified"
    }
}
