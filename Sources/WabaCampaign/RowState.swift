/// The state of a row in the journal.
public enum RowState: String, Sendable, Hashable, Codable, CaseIterable {
    case pending
    /// Claimed by a worker that has not started its request.
    case claimed
    /// Its request may have started: it is never sent again automatically.
    case inFlight = "in_flight"
    case sent
    /// The server answered with an error: the message was not sent.
    case failed
    /// The request may have reached the server, and no answer came.
    case unknown
    /// Never sent: a bad manifest row, or an asset that cannot be sent.
    case rejected

    /// Whether the row has its final state for this run.
    public var isFinal: Bool {
        switch self {
        case .pending, .claimed, .inFlight: false
        case .sent, .failed, .unknown, .rejected: true
        }
    }
}
