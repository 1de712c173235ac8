/// The part of a HEIC or AVIF file's structure that readers disagree on: its items' transformative
/// properties (`clap` crop, `irot` rotation, `imir` mirror), which HEIF requires to be marked
/// essential in the item's property associations (`ipma`).
///
/// A reader that does not apply a non-essential transformation shows the picture uncropped or
/// turned; libheif applies it or fails part-way (a mirror of a 10-bit image), and libvips then
/// returns the picture or an error depending on when the failure lands. Such a file is refused
/// from its structure, the same way on every run. Anything else is left to a decode
/// (``ImageStructure/Result/notChecked``).
struct HEIFStructure {
    let bytes: ByteView

    static let transformations: Set<String> = ["clap", "irot", "imir"]

    func verify() -> ImageStructure.Result {
        guard let meta = child("meta", in: 0..<bytes.count),
            let properties = child("iprp", in: meta.payload + 4..<meta.end),
            let container = child("ipco", in: properties.payload..<properties.end),
            let associations = child("ipma", in: properties.payload..<properties.end)
        else { return .notChecked }
        let kinds = boxes(in: container.payload..<container.end).map(\.type)
        var at = associations.payload
        guard let versionAndFlags = bytes.u32(at: at), let count = bytes.u32(at: at + 4) else { return .notChecked }
        let version = versionAndFlags >> 24
        let wideIndices = versionAndFlags & 1 != 0
        at += 8
        for _ in 0..<min(count, 65_536) {
            guard at < associations.end else { break }
            let item = version < 1 ? bytes.u16(at: at) : bytes.u32(at: at)
            at += version < 1 ? 2 : 4
            guard let item, let associationCount = bytes.u8(at: at) else { return .notChecked }
            at += 1
            for _ in 0..<associationCount {
                let essential: Bool
                let index: Int
                if wideIndices {
                    guard let value = bytes.u16(at: at) else { return .notChecked }
                    (essential, index) = (value & 0x8000 != 0, value & 0x7FFF)
                    at += 2
                } else {
                    guard let value = bytes.u8(at: at) else { return .notChecked }
                    (essential, index) = (value & 0x80 != 0, value & 0x7F)
                    at += 1
                }
                guard index > 0, index <= kinds.count else { continue }
                let kind = kinds[index - 1]
                if Self.transformations.contains(kind), !essential {
                    return .damaged(
                        "item \(item)'s '\(kind)' transformation is not marked essential, as HEIF requires: "
                            + "readers differ on whether to apply it")
                }
            }
        }
        return .notChecked
    }

    /// One box: its type and where its payload lies.
    private struct Box {
        var type: String
        var payload: Int
        var end: Int
    }

    /// The first box of `type` in `range`.
    private func child(_ type: String, in range: Range<Int>) -> Box? {
        boxes(in: range).first { $0.type == type }
    }

    /// The boxes in `range` with 32-bit sizes (all the `meta` boxes read here have them), up to 256.
    private func boxes(in range: Range<Int>) -> [Box] {
        guard range.lowerBound >= 0, range.upperBound <= bytes.count else { return [] }
        var result: [Box] = []
        var offset = range.lowerBound
        while offset + 8 <= range.upperBound, result.count < 256 {
            guard let size = bytes.u32(at: offset), let type = bytes.fourCC(at: offset + 4), size >= 8,
                size <= range.upperBound - offset
            else { break }
            result.append(Box(type: type, payload: offset + 8, end: offset + size))
            offset += size
        }
        return result
    }
}
