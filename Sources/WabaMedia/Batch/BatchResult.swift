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
