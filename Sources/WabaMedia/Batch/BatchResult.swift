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

/// The outcome for one asset of a batch.
public struct BatchResult: Sendable, Hashable, Encodable {
    /// The asset's position among all inputs, from 0.
    public var index: Int
    /// Where the asset was named: the argument, or `manifest.csv:12`.
    public var origin: String
    public var report: ValidationReport
    /// The content's SHA-256 (local files), in lower-case hex.
    public var sha256: String?
    /// The origin of the earlier asset with the same content, when this one repeats it.
    public var duplicateOf: String?
    /// What the URL answered, for remote assets.
    public var remote: RemoteFetch?

    public var verdict: Verdict { report.verdict }

    public init(
        index: Int, origin: String, report: ValidationReport, sha256: String? = nil, duplicateOf: String? = nil,
        remote: RemoteFetch? = nil
    ) {
        self.index = index
        self.origin = origin
        self.report = report
        self.sha256 = sha256
        self.duplicateOf = duplicateOf
        self.remote = remote
    }

    enum CodingKeys: String, CodingKey {
        case index, remote, sha256
        case origin = "source"
        case duplicateOf = "duplicate_of"
    }

    /// The report's flat object (`file`, `media_type`, `mime`, `size`, `verdict`, `findings`, ...) with the
    /// batch's keys beside them: `index`, `source`, `sha256`, `duplicate_of`, `remote`.
    public func encode(to encoder: any Encoder) throws {
        try report.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(index, forKey: .index)
        try container.encode(origin, forKey: .origin)
        try container.encodeIfPresent(sha256, forKey: .sha256)
        try container.encodeIfPresent(duplicateOf, forKey: .duplicateOf)
        try container.encodeIfPresent(remote, forKey: .remote)
    }
}

/// Counts over a batch: per verdict, per finding code, duplicates and bytes fetched.
public struct BatchSummary: Sendable, Hashable, Encodable {
    public var total = 0
    public var verdicts: [Verdict: Int] = [:]
    public var findings: [String: Int] = [:]
    public var duplicates = 0
    public var remoteAssets = 0
    public var bytesFetched = 0

    public init() {}

    public mutating func add(_ result: BatchResult) {
        total += 1
        verdicts[result.verdict, default: 0] += 1
        for code in Set(result.report.findings.map(\.code.rawValue)) { findings[code, default: 0] += 1 }
        if result.duplicateOf != nil { duplicates += 1 }
        if let remote = result.remote {
            remoteAssets += 1
            bytesFetched += remote.bytesFetched
        }
    }

    public func count(_ verdict: Verdict) -> Int { verdicts[verdict, default: 0] }

    /// Whether the batch fails: any asset at or above `threshold`.
    public func fails(at threshold: Verdict) -> Bool {
        Verdict.allCases.contains { $0 >= threshold && count($0) > 0 }
    }

    enum CodingKeys: String, CodingKey {
        case summary, total, ok, fixable, rejected, findings, duplicates
        case remoteAssets = "remote_assets"
        case bytesFetched = "bytes_fetched"
    }

    /// `{"summary": true, "total": …, "ok": …, "fixable": …, "rejected": …, "findings": {code: assets}, …}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(true, forKey: .summary)
        try container.encode(total, forKey: .total)
        try container.encode(count(.ok), forKey: .ok)
        try container.encode(count(.fixable), forKey: .fixable)
        try container.encode(count(.rejected), forKey: .rejected)
        try container.encode(findings, forKey: .findings)
        try container.encode(duplicates, forKey: .duplicates)
        try container.encode(remoteAssets, forKey: .remoteAssets)
        try container.encode(bytesFetched, forKey: .bytesFetched)
    }
}
