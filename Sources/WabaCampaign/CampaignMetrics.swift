import CoreMetrics
import Metrics
import WabaMedia

/// What a campaign reports through swift-metrics, to whatever backend the embedding process
/// bootstrapped (none: the calls cost next to nothing). The library never bootstraps one.
///
/// - `wamedia_campaign_messages_total{state}`: rows that reached a final state in this process
///   (`sent`, `failed`, `unknown`, `rejected`).
/// - `wamedia_campaign_uploaded_bytes_total`: bytes of bodies that carried media in base64.
/// - `wamedia_campaign_request_duration_seconds`: one send-media request, from its start to the answer.
/// - `wamedia_campaign_rate_limited_total`: 429 answers waited out.
struct CampaignMetrics: Sendable {
    private let finished: [RowState: Counter]
    private let uploadedBytes: Counter
    private let requestDuration: Metrics.Timer
    private let rateLimited: Counter

    /// - Parameter factory: the backend; nil for the one the process bootstrapped.
    init(dimensions: [(String, String)] = [], factory: (any MetricsFactory)? = nil) {
        let factory = factory ?? MetricsSystem.factory
        var finished: [RowState: Counter] = [:]
        for state in RowState.allCases where state.isFinal {
            finished[state] = Counter(
                label: "wamedia_campaign_messages_total", dimensions: dimensions + [("state", state.rawValue)],
                factory: factory)
        }
        self.finished = finished
        uploadedBytes = Counter(
            label: "wamedia_campaign_uploaded_bytes_total", dimensions: dimensions, factory: factory)
        requestDuration = Metrics.Timer(
            label: "wamedia_campaign_request_duration_seconds", dimensions: dimensions, factory: factory)
        rateLimited = Counter(label: "wamedia_campaign_rate_limited_total", dimensions: dimensions, factory: factory)
    }

    func finished(_ state: RowState) { finished[state]?.increment() }
    func uploaded(bytes: Int) { uploadedBytes.increment(by: bytes) }
    func request(took duration: Duration) { requestDuration.recordNanoseconds(duration.nanoseconds) }
    func waitedOutRateLimit() { rateLimited.increment() }
}
