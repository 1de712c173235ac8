/// The properties of an XMP packet that record where it was made, in any namespace: the
/// `exif:GPS*` set (`GPSLatitude`, `GPSDateTime`, ...), vendor namespaces such as DJI's
/// (`drone-dji:GpsLatitude`, `GpsLongitude`, `AbsoluteAltitude`, `RelativeAltitude`), written as
/// attributes or as elements.
enum XMPLocation {
    /// Local names that record a position besides those starting with `GPS` (in any case).
    static let positionNames: Set<String> = ["latitude", "longitude", "absolutealtitude", "relativealtitude"]
    /// How many property names are listed; a packet with more says how many it left out.
    static let maxListed = 4

    /// Whether the packet has a location property.
    static func hasGPS(_ packet: ArraySlice<UInt8>) -> Bool { !properties(packet).isEmpty }

    /// The qualified names of the location properties in the packet, each once, in order.
    static func properties(_ packet: ArraySlice<UInt8>) -> [String] {
        var found: [String] = []
        var index = packet.startIndex
        while let colon = packet[index...].firstIndex(of: UInt8(ascii: ":")) {
            index = colon + 1
            var start = colon
            while start > packet.startIndex, isNameByte(packet[start - 1]) { start -= 1 }
            var end = colon + 1
            while end < packet.endIndex, isNameByte(packet[end]) { end += 1 }
            guard start < colon, end > colon + 1, start > packet.startIndex else { continue }
            let before = packet[start - 1]
            let isElement = before == UInt8(ascii: "<")
            guard isElement || isSpace(before) else { continue }
            // An element's name ends at a space, `>` or `/`; an attribute's is followed by `=`.
            var after = end
            if isElement {
                guard after < packet.endIndex, isSpace(packet[after]) || packet[after] == 0x3E || packet[after] == 0x2F
                else { continue }
            } else {
                while after < packet.endIndex, isSpace(packet[after]) { after += 1 }
                guard after < packet.endIndex, packet[after] == UInt8(ascii: "=") else { continue }
            }
            let local = String(decoding: packet[(colon + 1)..<end], as: UTF8.self).lowercased()
            guard local.hasPrefix("gps") || positionNames.contains(local) else { continue }
            let name = String(decoding: packet[start..<end], as: UTF8.self)
            if !found.contains(name) { found.append(name) }
            index = end
        }
        return found
    }

    /// The properties in words: `exif:GPSLatitude, drone-dji:GpsLatitude and 3 more`.
    static func describe(_ properties: [String]) -> String {
        let listed = properties.prefix(maxListed).joined(separator: ", ")
        return properties.count > maxListed ? "\(listed) and \(properties.count - maxListed) more" : listed
    }

    private static func isNameByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."):
            return true
        default: return false
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }
}
