import Hummingbird
import NIOCore
import Synchronization

/// Takes at most `limit` sends per second (a sliding one-second window over the sends taken); above
/// it the answer is 429 with `Retry-After`. A refused send's body is read first (up to the body
/// limit), so the client sees the answer rather than a reset, and knows the message was not taken.
final class RateLimitMiddleware: RouterMiddleware {
    typealias Context = SendRequestContext

    let limit: Int
    /// How much of a refused send's body is read before the connection is closed instead.
    let bodyLimit: Int
    /// When each send taken within the last second arrived.
    private let recentSends = Mutex(CircularBuffer<ContinuousClock.Instant>())

    init(limit: Int, bodyLimit: Int) {
        self.limit = limit
        self.bodyLimit = bodyLimit
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let retryAfter = admit(at: .now) else { return try await next(request, context) }
        var refusal = SandboxHTTPError(
            429, "Too many requests: over \(limit) sends per second; retry after \(retryAfter) s", kind: .rateLimited)
        refusal.headers[.retryAfter] = String(retryAfter)
        do {
            for try await chunk in request.body {
                if context.exchange.received(chunk.readableBytes) > bodyLimit {
                    refusal.closesConnection = true
                    break
                }
            }
        } catch {
            refusal.closesConnection = true
        }
        throw refusal
    }

    /// Nil when a send arriving `now` is within the limit (and counts against it), else the whole
    /// seconds until the one-second window has room again.
    private func admit(at now: ContinuousClock.Instant) -> Int? {
        recentSends.withLock { recentSends -> Int? in
            while let oldest = recentSends.first, now - oldest >= .seconds(1) { recentSends.removeFirst() }
            guard recentSends.count >= limit, let oldest = recentSends.first else {
                recentSends.append(now)
                return nil
            }
            // Retry-After is in whole seconds: round the wait up.
            let wait = .seconds(1) - (now - oldest)
            return max(1, Int(wait.components.seconds) + (wait.components.attoseconds > 0 ? 1 : 0))
        }
    }
}
