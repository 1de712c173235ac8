/// Runs `transform` over `items` with at most `width` running at once, and hands each
/// result to `emit` in input order as soon as it and all before it are done.
///
/// Items are started only within a window of `4 × width` past the oldest unemitted one, so a
/// slow item holds back new work instead of letting finished results pile up: memory stays
/// bounded whatever the number of items.
public func forEachConcurrently<Item: Sendable, Result: Sendable>(
    _ items: some Sequence<Item>,
    width: Int,
    transform: @escaping @Sendable (Item) async -> Result,
    emit: (Int, Result) async throws -> Void
) async rethrows {
    precondition(width > 0, "width must be positive")
    let window = width * 4
    try await withThrowingTaskGroup(of: (Int, Result).self) { group in
        var iterator = items.makeIterator()
        var exhausted = false
        var nextToStart = 0
        var nextToEmit = 0
        var running = 0
        var finished: [Int: Result] = [:]

        func refill() {
            while !exhausted, running < width, nextToStart - nextToEmit < window {
                guard let item = iterator.next() else {
                    exhausted = true
                    return
                }
                let index = nextToStart
                nextToStart += 1
                running += 1
                group.addTask { (index, await transform(item)) }
            }
        }

        refill()
        while let (index, result) = try await group.next() {
            running -= 1
            finished[index] = result
            while let ready = finished.removeValue(forKey: nextToEmit) {
                try await emit(nextToEmit, ready)
                nextToEmit += 1
            }
            refill()
        }
    }
}
