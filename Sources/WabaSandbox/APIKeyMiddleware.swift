import Hummingbird

/// Refuses a request without the right `x-api-key` with 401, as the API does. Its body is read
/// first (held to the body limit), so the client sees the answer rather than a reset; the answer
/// never repeats the key that was sent.
struct APIKeyMiddleware<Context: RequestContext>: RouterMiddleware {
    static var headerName: String { "x-api-key" }

    let key: String

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let sent = request.header(Self.headerName)
        guard sent != key else { return try await next(request, context) }
        try await request.body.discard()
        throw SandboxHTTPError(
            401, sent == nil ? "API key is missing: send it in the x-api-key header" : "API key is invalid")
    }
}
