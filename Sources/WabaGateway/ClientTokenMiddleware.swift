import Hummingbird

/// Refuses a request without `Authorization: Bearer <token>` with 401, when the gateway has a client
/// token (it must, to listen beyond loopback). `/healthz` stays open, for load balancers.
struct ClientTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: [UInt8]

    init(token: String) {
        self.token = Array("Bearer \(token)".utf8)
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        if request.uri.path == "/healthz" || matches(request.headers[.authorization]) {
            return try await next(request, context)
        }
        var error = GatewayError(
            401, .unauthorized, "the gateway's client token is missing or wrong",
            hint: "send Authorization: Bearer <the token given to wamedia serve --client-token>")
        error.headers[.wwwAuthenticate] = "Bearer"
        error.closesConnection = true
        throw error
    }

    /// Compares every byte whatever differs first, so the time taken does not tell how much matched.
    private func matches(_ header: String?) -> Bool {
        guard let header else { return false }
        let sent = Array(header.utf8)
        var difference = UInt8(sent.count == token.count ? 0 : 1)
        for index in token.indices {
            difference |= token[index] ^ (index < sent.count ? sent[index] : 0)
        }
        return difference == 0
    }
}
