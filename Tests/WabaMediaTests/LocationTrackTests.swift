import Foundation
import Testing

@testable import WabaMedia

/// Sample descriptions of timed-metadata tracks, built byte by byte as muxers write them.
@Suite("Timed-metadata tracks that record positions")
struct LocationTrackTests {
    private func box(_ type: String, _ payload: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(payload.count + 8))
        return bytes + Array(type.utf8) + payload
    }

    /// An `stsd` payload holding one sample entry of `format` with `children` after its 8 bytes
    /// of reserved fields and data reference index.
    private func sampleDescription(_ format: String, _ children: [UInt8] = []) -> [UInt8] {
        var stsd: [UInt8] = [0, 0, 0, 0]
        stsd.appendBigEndian(UInt32(1))
        return stsd + box(format, [0, 0, 0, 0, 0, 0, 0, 1] + children)
    }

    /// A `mebx` entry's `keys` box declaring `key` in the `mdta` namespace.
    private func mebxKeys(_ key: String) -> [UInt8] {
        let keyd = box("keyd", Array("mdta".utf8) + Array(key.utf8))
        return box("keys", [0, 0, 0, 0] + box("\u{0}\u{0}\u{0}\u{1}", keyd))
    }

    @Test("gpmd and camm tracks are named; a mebx track only when a key names a location")
    func describe() {
        #expect(LocationTracks.describe(sampleDescription: sampleDescription("gpmd")) == "GPS data track (gpmd)")
        #expect(
            LocationTracks.describe(sampleDescription: sampleDescription("camm"))
                == "camera motion track with GPS (camm)")
        #expect(
            LocationTracks.describe(
                sampleDescription: sampleDescription("mebx", mebxKeys("com.apple.quicktime.location.ISO6709")))
                == "timed location metadata track (mebx)")
        #expect(
            LocationTracks.describe(
                sampleDescription: sampleDescription("mebx", mebxKeys("com.apple.quicktime.detected-face")))
                == nil)
        #expect(LocationTracks.describe(sampleDescription: sampleDescription("avc1")) == nil)
        #expect(LocationTracks.describe(sampleDescription: [0, 0, 0, 0, 0, 0, 0, 0]) == nil)
    }

    @Test("erasing zeroes exactly the bytes of the ranges that fall in a chunk")
    func erase() {
        var chunk = [UInt8](repeating: 0xFF, count: 20)
        let erased = LocationTracks.merged([112..<115, 100..<102, 101..<104, 130..<140])
        #expect(erased == [100..<104, 112..<115, 130..<140])
        ContainerRewriter.erase(&chunk, at: 98, erased)
        let zeroed = chunk.indices.filter { chunk[$0] == 0 }.map { $0 + 98 }
        #expect(zeroed == [100, 101, 102, 103, 112, 113, 114])
        #expect(LocationTracks.overlap(erased, [104..<112, 115..<130]) == false)
        #expect(LocationTracks.overlap(erased, [90..<101]) == true)
        #expect(LocationTracks.overlap(erased, [139..<150]) == true)
    }
}
