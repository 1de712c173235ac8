import Hummingbird
import Synchronization

/// Fails valid sends on purpose, for rehearsals: a send is failed once the handler has read and
/// checked it and would accept it, so a refused send never uses up a failure nor a draw.
///
/// The status comes from, in this order: the request's `x-sandbox-fail` header; the first sends
/// (`failFirst`, then ``failNext(_:)``), with 500; a `failRate` draw, with 500, seeded and counted
/// over the sends that reach it. A failed send is not accepted: the recording middleware only keeps
/// a message whose 200 came back through here.
final class FaultInjectionMiddleware: RouterMiddleware {
    typealias Context = SendRequestContext

    /// The answer's message, as the platform says a failed upload.
    static let message = "Error al subir el media: injected failure (sandbox)"

    let rate: Double
    let seed: UInt64
    private let state: Mutex<State>

    private struct State {
        var failNext: Int
        /// Sends that reached the draw, for the `failRate` draws.
        var sendsDrawn = 0
    }

    init(failFirst: Int, rate: Double, seed: UInt64) {
        self.rate = rate
        self.seed = seed
        self.state = Mutex(State(failNext: failFirst))
    }

    /// Makes the next `count` valid sends fail with 500.
    func failNext(_ count: Int) { state.withLock { $0.failNext = max(0, count) } }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let header = request.header(SandboxConfiguration.failHeader).flatMap { Int($0) }
        let response = try await next(request, context)
        guard let status = failure(header: header) else { return response }
        throw SandboxHTTPError(status, Self.message, kind: .injected)
    }

    /// The status a valid send fails with, or nil when it goes through.
    private func failure(header: Int?) -> Int? {
        if let header { return header }
        return state.withLock { state -> Int? in
            if state.failNext > 0 {
                state.failNext -= 1
                return 500
            }
            guard rate > 0 else { return nil }
            state.sendsDrawn += 1
            return Self.draw(seed: seed, index: state.sendsDrawn) < rate ? 500 : nil
        }
    }

    /// A number in [0, 1) that depends only on `seed` and `index` (SplitMix64's output function).
    static func draw(seed: UInt64, index: Int) -> Double {
        var z = seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        return Double(z >> 11) / Double(1 << 53)
    }
}
