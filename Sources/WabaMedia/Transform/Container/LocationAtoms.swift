/// Where MP4, 3GP and QuickTime files record where they were made, found and removed in the
/// payloads of `udta` and `meta` boxes:
/// - `©xyz` (an ISO 6709 string such as `+48.8584+002.2945/`), written by phones, cameras and
///   ffmpeg, in `udta` or in an iTunes-style `meta`/`ilst`;
/// - `loci`, the 3GPP location box, in `udta`;
/// - QuickTime metadata keys `com.apple.quicktime.location.*` (`ISO6709`, `accuracy.horizontal`,
///   `name`, ...) in a `meta` box's `keys`, with their values in `ilst`;
/// - an XMP packet with GPS properties in QuickTime's `XMP_` box of `udta`.
///
/// Timed-metadata tracks that carry positions are ``LocationTracks``; Adobe's XMP `uuid` box is
/// ``XMPUUIDBox``.
///
/// The probe and the rewriter share this code, so what `check` reports is what `prepare` removes.
enum LocationAtoms {
    /// `©xyz`: the copyright sign is byte A9.
    static let xyz: [UInt8] = [0xA9, 0x78, 0x79, 0x7A]
    static let loci = Array("loci".utf8)
    /// Payloads of `udta` and `meta` are read this far; real ones are a few kB.
    static let maxPayloadBytes = 1 << 20

    static func isLocationKey(_ key: String) -> Bool {
        key.hasPrefix("com.apple.quicktime.location.") || key == "location"
    }

    // MARK: - Finding

    /// What carries a location in a `udta` payload.
    static func find(inUserData payload: [UInt8]) -> [String] {
        var found: [String] = []
        for box in boxes(payload, from: 0, to: payload.count) {
            if box.type == xyz { found.append("©xyz") }
            if box.type == loci { found.append("loci") }
            if box.typeName == "meta" { found += find(inMetadata: Array(payload[box.payload..<box.end])) }
            if let xmp = xmpLocation(payload, box) { found.append(xmp) }
        }
        return found
    }

    /// What carries a location in a `meta` payload.
    static func find(inMetadata payload: [UInt8]) -> [String] {
        var found: [String] = []
        let children = boxes(payload, from: metaChildrenStart(payload), to: payload.count)
        if let keys = children.first(where: { $0.typeName == "keys" }) {
            found += self.keys(payload, keys).filter { isLocationKey($0) }
        }
        if let ilst = children.first(where: { $0.typeName == "ilst" }),
            boxes(payload, from: ilst.payload, to: ilst.end).contains(where: { $0.type == xyz })
        {
            found.append("©xyz")
        }
        return found
    }

    /// The GPS in a QuickTime `XMP_` box of `udta`, in words; nil for another box or a packet
    /// without GPS. Such a box is removed whole: it holds nothing but the packet.
    static func xmpLocation(_ payload: [UInt8], _ box: Box) -> String? {
        guard box.typeName == "XMP_" else { return nil }
        return XMPUUIDBox.describe(packet: payload[box.payload..<box.end], in: "udta (XMP_)")
    }

    // MARK: - Removing

    /// The `udta` payload without its location boxes; nil when it has none.
    static func removing(fromUserData payload: [UInt8]) -> [UInt8]? {
        var output: [UInt8] = []
        var changed = false
        for box in boxes(payload, from: 0, to: payload.count) {
            if box.type == xyz || box.type == loci || xmpLocation(payload, box) != nil {
                changed = true
                continue
            }
            if box.typeName == "meta", let meta = removing(fromMetadata: Array(payload[box.payload..<box.end])) {
                output += header(box.type, payloadSize: meta.count) + meta
                changed = true
                continue
            }
            output += payload[box.offset..<box.end]
        }
        let parsedEnd = boxes(payload, from: 0, to: payload.count).last?.end ?? 0
        if parsedEnd < payload.count { output += payload[parsedEnd...] }
        return changed ? output : nil
    }

    /// The `meta` payload without location keys and values; nil when it has none.
    static func removing(fromMetadata payload: [UInt8]) -> [UInt8]? {
        let start = metaChildrenStart(payload)
        let children = boxes(payload, from: start, to: payload.count)
        var removedIndices: Set<Int> = []
        if let keys = children.first(where: { $0.typeName == "keys" }) {
            for (index, key) in self.keys(payload, keys).enumerated() where isLocationKey(key) {
                removedIndices.insert(index + 1)
            }
        }
        var output = Array(payload[0..<start])
        var changed = false
        for box in children {
            switch box.typeName {
            case "keys" where !removedIndices.isEmpty:
                output += rewrittenKeys(payload, box, removing: removedIndices)
                changed = true
            case "ilst":
                if let ilst = rewrittenItems(payload, box, removing: removedIndices) {
                    output += ilst
                    changed = true
                } else {
                    output += payload[box.offset..<box.end]
                }
            default:
                output += payload[box.offset..<box.end]
            }
        }
        let parsedEnd = children.last?.end ?? start
        if parsedEnd < payload.count { output += payload[parsedEnd...] }
        return changed ? output : nil
    }

    /// A `keys` box without the keys at `removed` (numbered from 1).
    private static func rewrittenKeys(_ payload: [UInt8], _ box: Box, removing removed: Set<Int>) -> [UInt8] {
        let view = ByteView(payload)
        var body = Array(payload[box.payload..<min(box.payload + 4, box.end)])
        var entries: [UInt8] = []
        var kept = 0
        var offset = box.payload + 8
        var index = 1
        while offset + 8 <= box.end, let size = view.u32(at: offset), size >= 8, offset + size <= box.end {
            if !removed.contains(index) {
                entries += payload[offset..<(offset + size)]
                kept += 1
            }
            offset += size
            index += 1
        }
        body.appendBigEndian(UInt32(kept))
        body += entries
        return header(box.type, payloadSize: body.count) + body
    }

    /// An `ilst` box without `©xyz` items and the items of removed keys, the others renumbered
    /// to the keys' new positions; nil when nothing changes.
    private static func rewrittenItems(_ payload: [UInt8], _ box: Box, removing removed: Set<Int>) -> [UInt8]? {
        var body: [UInt8] = []
        var changed = false
        let sortedRemoved = removed.sorted()
        for item in boxes(payload, from: box.payload, to: box.end) {
            if item.type == xyz {
                changed = true
                continue
            }
            guard !removed.isEmpty, let index = ByteView(item.type).u32(at: 0), index > 0, index < 0x0100_0000 else {
                body += payload[item.offset..<item.end]
                continue
            }
            if removed.contains(index) {
                changed = true
                continue
            }
            let shift = sortedRemoved.prefix { $0 < index }.count
            if shift > 0 { changed = true }
            var newType: [UInt8] = []
            newType.appendBigEndian(UInt32(index - shift))
            body += header(newType, payloadSize: item.end - item.payload) + payload[item.payload..<item.end]
        }
        return changed ? header(box.type, payloadSize: body.count) + body : nil
    }

    // MARK: - Boxes in a payload

    struct Box {
        var type: [UInt8]
        var offset: Int
        var payload: Int
        var end: Int
        var typeName: String { String(decoding: type, as: UTF8.self) }
    }

    /// A bound against crafted payloads.
    static let maxBoxes = 10_000

    /// The boxes in `bytes[start..<end]`, stopping at the first that does not fit.
    static func boxes(_ bytes: [UInt8], from start: Int, to end: Int) -> [Box] {
        let view = ByteView(bytes)
        var result: [Box] = []
        var offset = start
        while offset + 8 <= end, result.count < maxBoxes, var size = view.u32(at: offset) {
            var headerSize = 8
            if size == 1 {
                guard let large = view.u64(at: offset + 8), large <= UInt64(end - offset) else { break }
                size = Int(large)
                headerSize = 16
            } else if size == 0 {
                size = end - offset
            }
            guard size >= headerSize, size <= end - offset else { break }
            result.append(
                Box(
                    type: Array(bytes[(offset + 4)..<(offset + 8)]), offset: offset, payload: offset + headerSize,
                    end: offset + size))
            offset += size
        }
        return result
    }

    /// Where a `meta` payload's boxes start: ISO's `meta` is a full box (four bytes of version and
    /// flags first), QuickTime's is not (its first child, `hdlr`, starts at once).
    static func metaChildrenStart(_ payload: [UInt8]) -> Int {
        ByteView(payload).matches("hdlr", at: 4) ? 0 : 4
    }

    /// The key names of a `keys` box, in order.
    static func keys(_ payload: [UInt8], _ box: Box) -> [String] {
        let view = ByteView(payload)
        var names: [String] = []
        var offset = box.payload + 8
        while offset + 8 <= box.end, names.count < maxBoxes, let size = view.u32(at: offset), size >= 8,
            offset + size <= box.end
        {
            names.append(String(decoding: payload[(offset + 8)..<(offset + size)], as: UTF8.self))
            offset += size
        }
        return names
    }

    static func header(_ type: [UInt8], payloadSize: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.appendBigEndian(UInt32(payloadSize + 8))
        bytes += type
        return bytes
    }
}
