/// How many rows are in each state.
public struct StateCounts: Sendable, Hashable {
    public var byState: [RowState: Int]

    public init(_ byState: [RowState: Int] = [:]) { self.byState = byState }

    public subscript(state: RowState) -> Int {
        get { byState[state, default: 0] }
        set { byState[state] = newValue }
    }

    public var total: Int { byState.values.reduce(0, +) }
    /// Rows not yet final: pending, claimed or in flight.
    public var open: Int { self[.pending] + self[.claimed] + self[.inFlight] }
}
