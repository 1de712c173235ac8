import Foundation
import Hummingbird
import Logging
import Synchronization

/// Writes down every send-media request and what it was answered, whatever answered it: the
/// receipt, the ledger's count, the inbox (for sends within the rate limit), the log. An accepted
/// message (a 200 from the handler that came back through the fault injection) is committed here:
/// its upload's URL is issued and, with a store, its folder and metadata kept; a request's folder is
/// removed otherwise.
final class SendRecordingMiddleware: RouterMiddleware {
    typealias Context = SendRequestContext

    private let storeDirectory: String?
    private let ledger: SandboxLedger
    private let inbox: SandboxInbox
    private let issued: IssuedMediaURLs
    private let logger: Logger
    private let state = Mutex(State())

    private struct State {
        var receipts: [SandboxReceipt] = []
        var requestCount = 0
    }

    init(
        storeDirectory: String?, ledger: SandboxLedger, inbox: SandboxInbox, issued: IssuedMediaURLs, logger: Logger
    ) {
        self.storeDirectory = storeDirectory
        self.ledger = ledger
        self.inbox = inbox
        self.issued = issued
        self.logger = logger
    }

    /// Everything received so far, oldest first.
    var receipts: [SandboxReceipt] { state.withLock { $0.receipts } }
    /// How many requests arrived (including refused ones).
    var requestCount: Int { state.withLock { $0.requestCount } }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        state.withLock { $0.requestCount += 1 }
        let exchange = context.exchange
        exchange.receipt.contentLength = request.headers[.contentLength].flatMap { Int($0) }
        let directory = exchange.directory(in: storeDirectory)
        do {
            let response = try await next(request, context)
            let acceptance = exchange.acceptance
            await record(
                exchange, status: Int(response.status.code), message: acceptance?.message ?? "", kind: nil,
                acceptance: acceptance, directory: directory)
            return response
        } catch let error as SandboxHTTPError {
            await record(
                exchange, status: error.code, message: error.message, kind: error.kind, acceptance: nil,
                directory: directory)
            throw error
        }
    }

    /// - Parameters:
    ///   - kind: how a refusal is counted; nil for an answer from the handler.
    ///   - acceptance: the accepted message, for a 200 from the handler.
    private func record(
        _ exchange: SendExchange, status: Int, message: String, kind: SandboxHTTPError.Kind?,
        acceptance: SendExchange.Acceptance?, directory: URL
    ) async {
        let keep = storeDirectory != nil
        defer { if !keep || status != 200 { try? FileManager.default.removeItem(at: directory) } }
        var receipt = exchange.receipt
        receipt.status = status
        receipt.message = message
        if let acceptance {
            receipt.threadID = acceptance.thread
            if acceptance.accepted.mediaKind == .base64, let upload = acceptance.upload {
                issued.issue(acceptance.accepted.mediaURL, for: upload)
            }
        }
        if status == 200 {
            receipt.messageID = exchange.messageID
            if keep { storeMetadata(receipt, in: directory) }
        }
        state.withLock { $0.receipts.append(receipt) }
        ledger.record(
            ledgerAnswer(kind: kind, acceptance: acceptance, status: status), status: status,
            recipient: receipt.contactID ?? receipt.threadID.map { "thread \($0)" }, reason: message)
        // A send over the rate limit was never taken: the inbox shows what was.
        if kind != .rateLimited { await inbox.record(receipt) }
        logger.info("send-media", metadata: ["status": "\(status)", "bytes": "\(receipt.bodyBytes)"])
    }

    private func ledgerAnswer(
        kind: SandboxHTTPError.Kind?, acceptance: SendExchange.Acceptance?, status: Int
    ) -> SandboxLedger.Answer {
        if let acceptance { return .accepted(acceptance.accepted) }
        switch kind {
        case .injected: return .injectedFailure
        case .rateLimited: return .rateLimited
        case .refused, .serverError, nil: return status >= 500 ? .serverError : .refused
        }
    }

    private func storeMetadata(_ receipt: SandboxReceipt, in directory: URL) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(receipt) else { return }
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        try? data.write(to: directory.appendingPathComponent(StoredUpload.metadataName))
    }
}
