import Hummingbird

/// The context of a send-media request: Hummingbird's, plus the exchange the middleware and the
/// handler fill in.
struct SendRequestContext: ChildRequestContext {
    var coreContext: CoreRequestContextStorage
    let exchange = SendExchange()

    init(context: BasicRequestContext) {
        self.coreContext = context.coreContext
    }
}

extension Request {
    /// The first value of a header, by its lower-case name.
    func header(_ name: String) -> String? {
        headers.first { $0.name.canonicalName == name }?.value
    }
}
