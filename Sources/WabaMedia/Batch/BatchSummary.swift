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
