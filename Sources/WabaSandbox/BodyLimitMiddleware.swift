import Hummingbird
import NIOCore

/// Holds a request's body to `limit` bytes: 413 at once when its Content-Length is over, or as soon
/// as the bytes read pass it, never spooled. The bytes read are counted for the receipt.
struct BodyLimitMiddleware: RouterMiddleware {
    typealias Context = SendRequestContext

    let limit: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let exchange = context.exchange
        if let announced = exchange.receipt.contentLength, announced > limit {
            throw SandboxHTTPError.tooLarge(announced: announced, limit: limit)
        }
        var request = request
        request.body = RequestBody(asyncSequence: LimitedBody(body: request.body, limit: limit, exchange: exchange))
        return try await next(request, context)
    }

    /// A request body that counts its bytes into the exchange and throws 413 once they pass `limit`.
    struct LimitedBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer

        let body: RequestBody
        let limit: Int
        let exchange: SendExchange

        struct AsyncIterator: AsyncIteratorProtocol {
            var base: RequestBody.AsyncIterator
            let limit: Int
            let exchange: SendExchange

            mutating func next() async throws -> ByteBuffer? {
                guard let chunk = try await base.next() else { return nil }
                if exchange.received(chunk.readableBytes) > limit {
                    throw SandboxHTTPError.tooLarge(announced: nil, limit: limit)
                }
                return chunk
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(base: body.makeAsyncIterator(), limit: limit, exchange: exchange)
        }
    }
}

extension RequestBody {
    /// Reads the rest of the body and drops it: a body over the limit is still 413, one that cannot
    /// be read is 400.
    func discard() async throws {
        do {
            for try await _ in self {}
        } catch let error as SandboxHTTPError {
            throw error
        } catch {
            throw SandboxHTTPError(400, "the body could not be read: \(error)")
        }
    }
}
