import Foundation

/// How long an animation plays and at which constant frame rate it is encoded: one rule for the
/// probe that judges it and the transcode that converts it, so `check` and `prepare` agree.
enum AnimationTiming {
    /// The most frames per second an animation is encoded at. A GIF may ask for 100 (delays of
    /// 10 ms read as such by some tools); more than 30 costs encoding time for motion no one sees.
    static let maxFramesPerSecond = 30

    /// How long a frame with `delay` milliseconds is shown: a delay of 10 ms or less, or none,
    /// counts as 100 ms, as browsers show it and as ffmpeg's GIF reader times it.
    static func shownMilliseconds(_ delay: Int) -> Int { delay > 10 ? delay : 100 }

    /// A constant frame rate, `numerator/denominator` frames per second, as ffmpeg writes it.
    struct FrameRate: Sendable, Hashable, CustomStringConvertible {
        var numerator: Int
        var denominator: Int

        var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }
        var framesPerSecond: Double { Double(numerator) / Double(denominator) }

        /// `10 frames per second`, `2.5 frames per second`.
        var inWords: String {
            let text =
                numerator % denominator == 0 ? "\(numerator / denominator)" : String(format: "%.1f", framesPerSecond)
            return text + (text == "1" ? " frame" : " frames") + " per second"
        }
    }

    /// The rate for frames whose delays are all multiples of `commonDelay` milliseconds: one frame
    /// per common delay (at least one per second), at most ``maxFramesPerSecond``, where frames
    /// shown for less than a tick are dropped. Nil (delays unknown) gives the most.
    static func frameRate(commonDelay: Int?) -> FrameRate {
        guard let commonDelay, commonDelay * maxFramesPerSecond >= 1000 else {
            return FrameRate(numerator: maxFramesPerSecond, denominator: 1)
        }
        let tick = min(commonDelay, 1000)
        let common = greatestCommonDivisor(1000, tick)
        return FrameRate(numerator: 1000 / common, denominator: tick / common)
    }

    /// How many ticks of `rate` each frame is shown for, so that frame `i` ends at the tick nearest
    /// to the sum of the delays before it: the total stays the animation's own (within half a tick),
    /// and a frame shorter than a tick may get none (it is dropped). At least one tick in all.
    static func repeats(shown: [Int], rate: FrameRate) -> [Int] {
        var repeats: [Int] = []
        repeats.reserveCapacity(shown.count)
        var elapsed = 0
        var ticksSoFar = 0
        for milliseconds in shown {
            elapsed += milliseconds
            let ticks = Double(elapsed) * Double(rate.numerator) / (Double(rate.denominator) * 1000)
            let end = max(1, Int(ticks.rounded()))
            repeats.append(end - ticksSoFar)
            ticksSoFar = end
        }
        return repeats
    }

    static func greatestCommonDivisor(_ a: Int, _ b: Int) -> Int {
        var (a, b) = (a, b)
        while b != 0 { (a, b) = (b, a % b) }
        return a
    }
}

/// An animation's frames and timing read from the file's own blocks, without decoding: every GIF
/// image and the delay of its graphic control extension, every animated WebP's `ANMF` chunk.
///
/// libvips' header counts a GIF's frames only up to its decoder's limit (4,097), and neither
/// it nor ffmpeg says how long an animation plays before decoding it all: a few kilobytes can
/// ask for minutes of video. This walk reads only the block headers.
struct AnimationScan: Sendable, Hashable {
    /// The frames found (``maxFrames`` at most).
    var frames = 0
    /// How long one play lasts: every frame's delay as shown (``AnimationTiming/shownMilliseconds(_:)``).
    var milliseconds = 0
    /// The largest delay that divides every shown delay, in milliseconds.
    var commonDelay = 0
    /// The walk stopped at ``maxFrames``: the file holds more frames, and plays longer.
    var capped = false
    /// The walk reached the end of the animation (a GIF's trailer, the end of a WebP's chunks).
    var complete = false

    /// A bound against crafted files. Every frame is shown for at least 20 ms, so an animation cut
    /// off here plays at least 2,000 s: past any limit a profile may set (``VideoRules/maxAnimationSeconds``).
    static let maxFrames = 100_000

    var seconds: Double { Double(milliseconds) / 1000 }

    private mutating func add(frameDelay delay: Int) {
        let shown = AnimationTiming.shownMilliseconds(delay)
        frames += 1
        milliseconds += shown
        commonDelay = AnimationTiming.greatestCommonDivisor(commonDelay, shown)
        if frames >= Self.maxFrames { capped = true }
    }

    /// Scans the GIF or WebP in `source`; nil for other types, for a file that is not one, and
    /// when the bytes at hand end before the animation does (a remote asset's first bytes).
    static func scan(_ source: some ByteSource, mime: MIMEType) -> AnimationScan? {
        var reader = ForwardReader(source: source)
        let scan: AnimationScan
        switch mime {
        case .gif: scan = gif(&reader)
        case .webp: scan = webP(&reader)
        default: return nil
        }
        guard scan.frames > 0, scan.complete || scan.capped || !reader.ranOutOfAvailableBytes else { return nil }
        return scan
    }

    /// GIF: header, screen descriptor and colour table, then extension and image blocks up to the
    /// trailer. A frame's delay is that of the last graphic control extension before it, as
    /// ffmpeg's GIF reader takes it (a frame without one keeps the delay before it).
    private static func gif<Source: ByteSource>(_ reader: inout ForwardReader<Source>) -> AnimationScan {
        var scan = AnimationScan()
        guard reader.matches("GIF8", at: 0), let flags = reader.byte(at: 10) else { return scan }
        var offset = 13 + colourTableSize(flags: flags)
        var delay = 100
        while !scan.capped, let block = reader.byte(at: offset) {
            switch block {
            case 0x3B:
                scan.complete = true
                return scan
            case 0x21:
                guard let label = reader.byte(at: offset + 1) else { return scan }
                if label == 0xF9, reader.byte(at: offset + 2) == 4, let low = reader.byte(at: offset + 4),
                    let high = reader.byte(at: offset + 5)
                {
                    delay = (Int(high) << 8 | Int(low)) * 10
                }
                guard let end = reader.endOfSubBlocks(from: offset + 2) else { return scan }
                offset = end
            case 0x2C:
                guard let imageFlags = reader.byte(at: offset + 9) else { return scan }
                // The LZW minimum code size, then the image data's sub-blocks.
                guard let end = reader.endOfSubBlocks(from: offset + 10 + colourTableSize(flags: imageFlags) + 1)
                else { return scan }
                scan.add(frameDelay: delay)
                offset = end
            default:
                return scan
            }
        }
        // Decoders accept a GIF that stops cleanly after a whole image, without the trailer.
        scan.complete = !scan.capped && offset == reader.source.size
        return scan
    }

    private static func colourTableSize(flags: UInt8) -> Int {
        flags & 0x80 == 0 ? 0 : 3 << (Int(flags & 0x07) + 1)
    }

    /// WebP: RIFF chunks; each `ANMF` chunk is a frame whose duration (in milliseconds) is the
    /// 24-bit field after its position and size.
    private static func webP<Source: ByteSource>(_ reader: inout ForwardReader<Source>) -> AnimationScan {
        var scan = AnimationScan()
        guard reader.matches("RIFF", at: 0), reader.matches("WEBP", at: 8), let size = reader.u32LE(at: 4) else {
            return scan
        }
        let end = min(8 + size, reader.source.size)
        var offset = 12
        while !scan.capped, offset + 8 <= end {
            guard let length = reader.u32LE(at: offset + 4) else { return scan }
            if reader.matches("ANMF", at: offset) {
                guard let low = reader.byte(at: offset + 20), let middle = reader.byte(at: offset + 21),
                    let high = reader.byte(at: offset + 22)
                else { return scan }
                scan.add(frameDelay: Int(high) << 16 | Int(middle) << 8 | Int(low))
            }
            offset += 8 + length + (length & 1)
        }
        scan.complete = !scan.capped && offset >= end
        return scan
    }
}

/// Reads a ``ByteSource`` through a window of ``windowSize`` bytes, so walking a file's many
/// small blocks costs one read per window rather than one per block.
struct ForwardReader<Source: ByteSource> {
    let source: Source
    private var window: [UInt8] = []
    private var windowStart = 0
    /// A read stopped where the bytes at hand end, before the content does.
    private(set) var ranOutOfAvailableBytes = false

    static var windowSize: Int { 256 << 10 }

    init(source: Source) { self.source = source }

    mutating func byte(at offset: Int) -> UInt8? {
        guard offset >= 0 else { return nil }
        if offset < windowStart || offset >= windowStart + window.count {
            guard offset < source.availableCount else {
                if offset < source.size { ranOutOfAvailableBytes = true }
                return nil
            }
            guard let bytes = try? source.read(at: offset, count: min(Self.windowSize, source.availableCount - offset)),
                !bytes.isEmpty
            else { return nil }
            window = bytes
            windowStart = offset
        }
        return window[offset - windowStart]
    }

    mutating func u32LE(at offset: Int) -> Int? {
        var value = 0
        for index in (0..<4).reversed() {
            guard let byte = byte(at: offset + index) else { return nil }
            value = value << 8 | Int(byte)
        }
        return value
    }

    mutating func matches(_ text: String, at offset: Int) -> Bool {
        for (index, expected) in text.utf8.enumerated() where byte(at: offset + index) != expected { return false }
        return true
    }

    /// The offset just past a GIF chain of sub-blocks that starts at `start`, or nil when the bytes end first.
    mutating func endOfSubBlocks(from start: Int) -> Int? {
        var offset = start
        while let length = byte(at: offset) {
            offset += 1 + Int(length)
            if length == 0 { return offset }
        }
        return nil
    }
}
