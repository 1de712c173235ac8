/// An ISO box held in memory so it can be edited and written back: the `moov` of a file being
/// rewritten. Containers the rewriter edits are split into children; every other box keeps its
/// bytes untouched.
struct MP4Node: Hashable {
    /// The four type bytes (kept raw: some QuickTime types are not ASCII, such as `©nam`).
    var type: [UInt8]
    /// The payload of a leaf, or the fields a container carries before its children (none for the
    /// containers split here).
    var data: [UInt8]
    var children: [MP4Node]?

    static let containerTypes: Set<String> = [
        "moov", "trak", "mdia", "minf", "stbl", "edts", "dinf", "mvex",
    ]
    /// Nesting in a real `moov` is at most five levels deep for the containers above.
    static let maxDepth = 8
    static let maxNodes = 100_000

    init(type: String, data: [UInt8] = [], children: [MP4Node]? = nil) {
        self.type = Array(type.utf8.prefix(4))
        self.data = data
        self.children = children
    }

    init(rawType: [UInt8], data: [UInt8], children: [MP4Node]?) {
        self.type = rawType
        self.data = data
        self.children = children
    }

    var typeName: String { String(decoding: type, as: UTF8.self) }

    /// The size of the box once written, header included.
    var size: Int {
        let body = data.count + (children?.reduce(0) { $0 + $1.size } ?? 0)
        return body + 8 <= Int(UInt32.max) ? body + 8 : body + 16
    }

    func serialized() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(size)
        append(to: &output)
        return output
    }

    func append(to output: inout [UInt8]) {
        let size = self.size
        if size <= Int(UInt32.max) {
            output.appendBigEndian(UInt32(size))
            output.append(contentsOf: type)
        } else {
            output.appendBigEndian(UInt32(1))
            output.append(contentsOf: type)
            output.appendBigEndian(UInt64(size))
        }
        output.append(contentsOf: data)
        for child in children ?? [] { child.append(to: &output) }
    }

    func child(_ type: String) -> MP4Node? {
        children?.first { $0.typeName == type }
    }

    /// Parses the boxes in `bytes[start..<end]`.
    /// - Throws: ``WabaMediaError`` `unsupported-input` naming the damage.
    static func parse(
        _ bytes: [UInt8], from start: Int, to end: Int, depth: Int = 0, budget: inout Int
    ) throws
        -> [MP4Node]
    {
        guard depth <= maxDepth else {
            throw WabaMediaError(.unsupportedInput, "the 'moov' box nests deeper than \(maxDepth) levels")
        }
        let view = ByteView(bytes)
        var nodes: [MP4Node] = []
        var offset = start
        while offset < end {
            budget -= 1
            guard budget > 0 else {
                throw WabaMediaError(.unsupportedInput, "the 'moov' box holds too many boxes")
            }
            let size: Int
            let headerSize: Int
            switch ISOBoxHeader.read(view, at: offset, available: end - offset, largestSize: UInt64(end - offset)) {
            case .box(let header):
                size = header.size
                headerSize = header.headerSize
            case .terminator:
                return nodes
            case .strayBytes:
                throw WabaMediaError(.unsupportedInput, "stray bytes at offset \(offset) of the 'moov' box")
            case .cutOffLargeSize, .impossibleSize:
                throw WabaMediaError(
                    .unsupportedInput,
                    "a box at offset \(offset) of 'moov' declares a size that does not fit its parent")
            }
            guard size <= end - offset else {
                throw WabaMediaError(
                    .unsupportedInput,
                    "a box at offset \(offset) of 'moov' declares \(size) bytes, which does not fit its parent"
                )
            }
            let rawType = Array(bytes[(offset + 4)..<(offset + 8)])
            let type = String(decoding: rawType, as: UTF8.self)
            let payload = offset + headerSize
            if containerTypes.contains(type) {
                let children = try parse(
                    bytes, from: payload, to: offset + size, depth: depth + 1, budget: &budget)
                nodes.append(MP4Node(rawType: rawType, data: [], children: children))
            } else {
                nodes.append(
                    MP4Node(rawType: rawType, data: Array(bytes[payload..<(offset + size)]), children: nil))
            }
            offset += size
        }
        return nodes
    }
}

extension Array where Element == UInt8 {
    mutating func appendBigEndian(_ value: UInt32) {
        append(contentsOf: [
            UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF),
            UInt8(value & 0xFF),
        ])
    }

    mutating func appendBigEndian(_ value: UInt16) {
        append(contentsOf: [UInt8(value >> 8), UInt8(value & 0xFF)])
    }

    mutating func appendBigEndian(_ value: UInt64) {
        appendBigEndian(UInt32(value >> 32))
        appendBigEndian(UInt32(value & 0xFFFF_FFFF))
    }
}
