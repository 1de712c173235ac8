import Hummingbird

/// Holds every answer back by `delay`, whatever it says, as a slow platform's would (`--slow-ms`).
struct AnswerDelayMiddleware<Context: RequestContext>: RouterMiddleware {
    let delay: Duration

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            await hold()
            throw error
        }
        await hold()
        return response
    }

    private func hold() async {
        if delay > .zero { try? await Task.sleep(for: delay) }
    }
}
