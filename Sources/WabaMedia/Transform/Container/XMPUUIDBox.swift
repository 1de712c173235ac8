/// Adobe's XMP box in MP4: a `uuid` box whose extended type is BE7ACFCB-97A9-42E8-9C71-999491E3AFAC,
/// its payload an XMP packet (written by Adobe's tools, exiftool and some cameras and drones),
/// at the top level of the file or in `moov`. QuickTime movies keep the same packet in a `udta`
/// box named `XMP_`. A packet with GPS properties (``XMPLocation``) records where the video
/// was made.
enum XMPUUIDBox {
    static let uuid: [UInt8] = [
        0xBE, 0x7A, 0xCF, 0xCB, 0x97, 0xA9, 0x42, 0xE8, 0x9C, 0x71, 0x99, 0x94, 0x91, 0xE3, 0xAF, 0xAC,
    ]
    /// The packet is read this far; real ones are a few kB.
    static let maxPayloadBytes = LocationAtoms.maxPayloadBytes

    /// Whether a `uuid` box's payload (extended type first) is XMP.
    static func isXMP(_ payload: ArraySlice<UInt8>) -> Bool {
        payload.count >= 16 && payload.prefix(16).elementsEqual(uuid)
    }

    /// The GPS properties of a `uuid` box's payload, in words for a finding; nil when it is not
    /// XMP or has none.
    static func describeLocation(uuidPayload payload: ArraySlice<UInt8>) -> String? {
        guard isXMP(payload) else { return nil }
        return describe(packet: payload.dropFirst(16), in: "a uuid box")
    }

    /// The GPS properties of an XMP packet found `place`, in words; nil when it has none.
    static func describe(packet: ArraySlice<UInt8>, in place: String) -> String? {
        let properties = XMPLocation.properties(packet)
        guard !properties.isEmpty else { return nil }
        return "XMP GPS in \(place) (\(XMPLocation.describe(properties)))"
    }
}
