/// A remote asset's report, with what the URL answered.
public struct RemoteCheck: Sendable, Hashable {
    public var report: ValidationReport
    public var fetch: RemoteFetch

    public init(report: ValidationReport, fetch: RemoteFetch) {
        self.report = report
        self.fetch = fetch
    }
}
