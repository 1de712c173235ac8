/// Timed-metadata tracks that record positions while the video runs, found by their sample entry:
/// - `gpmd`, GoPro's telemetry (GPS fixes several times a second, besides the motion sensors);
/// - `camm`, camera motion metadata (Google's format for 360° video), whose packets carry GPS;
/// - `mebx`, Apple's timed metadata, when its keys name a location
///   (`com.apple.quicktime.location.*`).
///
/// The probe names them and the rewriter drops them, samples included: the same code, so what
/// `check` reports is what `prepare` removes.
enum LocationTracks {
    /// The location a track's sample description (an `stsd` payload) says its samples carry, in
    /// words for a finding; nil for a track that records no position.
    static func describe(sampleDescription stsd: [UInt8]) -> String? {
        let view = ByteView(stsd)
        guard let entries = view.u32(at: 4), entries > 0, let format = view.fourCC(at: 12) else { return nil }
        switch format {
        case "gpmd": return "GPS data track (gpmd)"
        case "camm": return "camera motion track with GPS (camm)"
        case "mebx" where containsLocationKey(stsd):
            return "timed location metadata track (mebx)"
        default: return nil
        }
    }

    /// The location the track carries, from its sample description.
    static func describe(track trak: MP4Node) -> String? {
        guard
            let stsd = trak.child("mdia")?.child("minf")?.child("stbl")?.child("stsd")
        else { return nil }
        return describe(sampleDescription: stsd.data)
    }

    /// Whether a `mebx` description declares a location key: its `keys` box lists them as
    /// `keyd` values of the `mdta` namespace.
    private static func containsLocationKey(_ bytes: [UInt8]) -> Bool {
        let prefix = Array("com.apple.quicktime.location.".utf8)
        guard bytes.count >= prefix.count else { return false }
        for start in 0...(bytes.count - prefix.count) where bytes[start] == prefix[0] {
            if bytes[start..<(start + prefix.count)].elementsEqual(prefix) { return true }
        }
        return false
    }

    // MARK: - Where the samples are

    /// The byte ranges of the file that hold a track's samples, one per chunk, from its sample
    /// table (`stco`/`co64`, `stsc`, `stsz`); nil when the table cannot tell them.
    static func sampleRanges(of trak: MP4Node) -> [Range<Int>]? {
        guard let stbl = trak.child("mdia")?.child("minf")?.child("stbl"),
            let offsetsBox = stbl.child("stco") ?? stbl.child("co64"),
            let stsc = stbl.child("stsc"), let stsz = stbl.child("stsz")
        else { return nil }
        let offsets = ByteView(offsetsBox.data)
        let wide = offsetsBox.typeName == "co64"
        guard let chunkCount = offsets.u32(at: 4), chunkCount <= (offsetsBox.data.count - 8) / (wide ? 8 : 4)
        else { return nil }
        let sizes = ByteView(stsz.data)
        guard let uniformSize = sizes.u32(at: 4), let sampleCount = sizes.u32(at: 8),
            uniformSize != 0 || sampleCount <= (stsz.data.count - 12) / 4
        else { return nil }
        let runs = ByteView(stsc.data)
        guard let runCount = runs.u32(at: 4), runCount <= (stsc.data.count - 8) / 12 else { return nil }

        var ranges: [Range<Int>] = []
        ranges.reserveCapacity(chunkCount)
        var sample = 0
        for run in 0..<runCount {
            guard let firstChunk = runs.u32(at: 8 + run * 12), let perChunk = runs.u32(at: 12 + run * 12),
                firstChunk >= 1
            else { return nil }
            let nextFirst = run + 1 < runCount ? (runs.u32(at: 8 + (run + 1) * 12) ?? chunkCount + 1) : chunkCount + 1
            guard nextFirst >= firstChunk else { return nil }
            for chunk in (firstChunk - 1)..<min(nextFirst - 1, chunkCount) {
                let start =
                    wide ? Int(clamping: offsets.u64(at: 8 + chunk * 8) ?? 0) : offsets.u32(at: 8 + chunk * 4) ?? 0
                var length = 0
                for _ in 0..<perChunk where sample < sampleCount {
                    length += uniformSize != 0 ? uniformSize : sizes.u32(at: 12 + sample * 4) ?? 0
                    sample += 1
                }
                if length > 0 { ranges.append(start..<(start + length)) }
            }
        }
        return ranges
    }

    /// `ranges` sorted and merged where they touch or overlap.
    static func merged(_ ranges: [Range<Int>]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) where !range.isEmpty {
            if let last = result.last, range.lowerBound <= last.upperBound {
                result[result.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                result.append(range)
            }
        }
        return result
    }

    /// Whether any of `kept` overlaps any of `erased`, which are ``merged(_:)`` already.
    static func overlap(_ erased: [Range<Int>], _ kept: [Range<Int>]) -> Bool {
        for range in kept where !range.isEmpty {
            // The first erased range that ends after this one starts is the only one that can overlap it.
            var low = 0
            var high = erased.count
            while low < high {
                let middle = (low + high) / 2
                if erased[middle].upperBound <= range.lowerBound { low = middle + 1 } else { high = middle }
            }
            if low < erased.count, erased[low].lowerBound < range.upperBound { return true }
        }
        return false
    }
}
