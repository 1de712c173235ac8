internal import CVipsShim

/// What a zlib stream stored in a file inflates to, found with a hard bound: the stream is read in
/// small pieces and inflated through one small buffer, and inflating stops once the output passes
/// the bound. A chunk that inflates to gigabytes costs the bound's worth of work and a fixed amount
/// of memory; only the first bytes a caller asks for are kept.
struct BoundedInflation: Sendable, Hashable {
    enum Outcome: Sendable, Hashable {
        /// The stream ended within the bound.
        case complete
        /// The stream inflates past the bound (or, damaged, had already passed it).
        case pastLimit
        /// The stream is damaged, or stops, before passing the bound.
        case damaged
    }

    var outcome: Outcome
    /// The bytes inflated before stopping: the whole when ``outcome`` is `complete`.
    var inflatedBytes: Int
    /// The first bytes of the output, up to the capacity asked for.
    var kept: [UInt8]

    /// How much of the stored stream is read at a time.
    static let readPiece = 64 * 1024

    /// Inflates the zlib stream stored at `range` of `source`, stopping once the output passes `limit`.
    /// - Parameter keep: how many bytes of the output to keep (0 for none).
    static func inflate(_ source: some ByteSource, range: Range<Int>, limit: Int, keep: Int) -> BoundedInflation {
        guard let inflation = wm_inflation_new(UInt64(limit), keep) else {
            return BoundedInflation(outcome: .damaged, inflatedBytes: 0, kept: [])
        }
        defer { wm_inflation_free(inflation) }
        var state = Int32(WM_INFLATION_MORE)
        var offset = range.lowerBound
        while state == Int32(WM_INFLATION_MORE), offset < range.upperBound {
            let count = min(readPiece, range.upperBound - offset)
            guard let piece = try? source.read(at: offset, count: count), !piece.isEmpty else { break }
            state = piece.withUnsafeBytes { wm_inflation_feed(inflation, $0.baseAddress, $0.count) }
            offset += piece.count
        }
        var keptLength = 0
        let keptBytes = wm_inflation_kept(inflation, &keptLength)
        let kept = keptBytes.map { Array(UnsafeBufferPointer(start: $0, count: keptLength)) } ?? []
        let total = Int(clamping: wm_inflation_total(inflation))
        let outcome: Outcome
        switch state {
        case Int32(WM_INFLATION_END): outcome = .complete
        case Int32(WM_INFLATION_PAST_LIMIT): outcome = .pastLimit
        default: outcome = total > limit ? .pastLimit : .damaged
        }
        return BoundedInflation(outcome: outcome, inflatedBytes: total, kept: kept)
    }
}
