import Foundation
import Testing
import WabaMedia

@testable import WabaGateway

/// The reports `GET /v1/reports/{id}` serves are bounded in number and in age.
@Suite("the gateway's report shelf")
struct ReportShelfTests {
    func report(_ id: String) -> GatewayReport {
        GatewayReport(requestID: id, receivedAt: Date(), mediaType: .image, mediaKind: "base64", action: "kept")
    }

    @Test("the oldest report goes when the shelf is full")
    func capacity() throws {
        let shelf = ReportShelf(capacity: 2, lifetime: .seconds(600))
        for id in ["req-1", "req-2", "req-3"] { shelf.keep(report(id)) }
        #expect(shelf.report("req-1") == nil)
        let kept = try #require(shelf.report("req-3"))
        let json = try #require(try JSONSerialization.jsonObject(with: kept) as? [String: Any])
        #expect(json["request_id"] as? String == "req-3")
        #expect(json["action"] as? String == "kept")
        #expect(shelf.report("req-2") != nil)
    }

    @Test("a report older than the lifetime is gone")
    func lifetime() async throws {
        let shelf = ReportShelf(capacity: 10, lifetime: .milliseconds(50))
        shelf.keep(report("req-old"))
        #expect(shelf.report("req-old") != nil)
        try await Task.sleep(for: .milliseconds(120))
        #expect(shelf.report("req-old") == nil)
    }
}
