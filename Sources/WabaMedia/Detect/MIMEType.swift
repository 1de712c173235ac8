import Foundation

/// A MIME type such as `image/jpeg`, in WhatsApp's vocabulary when it comes from the detector.
///
/// The raw value is kept exactly as given: ``init(rawValue:)`` neither lower-cases nor maps aliases, so what
/// libmagic or a profile says is what is reported. Text from outside (a server's `Content-Type`) goes through
/// ``init(canonicalising:)`` before it is compared with a detected type.
///
/// It encodes as its raw value, so JSON output carries the plain string (`"mime": "image/jpeg"`).
public struct MIMEType: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    /// The type as written, `type/subtype`.
    public let rawValue: String

    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    public init(stringLiteral value: String) {
        self.init(rawValue: value)
    }

    /// The type as the detector spells it (`image/jpg` → `image/jpeg`, `audio/x-m4a` → `audio/mp4`),
    /// lower-cased and without parameters, so a server's `Content-Type` can be compared with the content.
    public init(canonicalising text: String) {
        let bare = text.split(separator: ";", maxSplits: 1).first.map(String.init) ?? text
        let lowered = bare.trimmingCharacters(in: .whitespaces).lowercased()
        self = Self.headerAliases[lowered] ?? Self.aliases[MIMEType(rawValue: lowered)] ?? MIMEType(rawValue: lowered)
    }

    public var description: String { rawValue }

    public static func < (lhs: MIMEType, rhs: MIMEType) -> Bool { lhs.rawValue < rhs.rawValue }

    /// The part before the slash: `image` for `image/jpeg`.
    public var topLevelType: String {
        guard let slash = rawValue.firstIndex(of: "/") else { return rawValue }
        return String(rawValue[..<slash])
    }

    /// The part after the slash: `jpeg` for `image/jpeg`, empty when there is no slash.
    public var subtype: String {
        guard let slash = rawValue.firstIndex(of: "/") else { return "" }
        return String(rawValue[rawValue.index(after: slash)...])
    }

    /// `image/*`.
    public var isImage: Bool { topLevelType == "image" }
    /// `video/*`.
    public var isVideo: Bool { topLevelType == "video" }
    /// `audio/*`.
    public var isAudio: Bool { topLevelType == "audio" }
    /// `text/*`.
    public var isText: Bool { topLevelType == "text" }
}

extension MIMEType: Codable {
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

/// A dictionary keyed by MIME type encodes as a JSON object keyed by the raw values, as `[String: …]` did.
extension MIMEType: CodingKeyRepresentable {
    public var codingKey: any CodingKey { AnyKey(stringValue: rawValue) }

    public init?<T: CodingKey>(codingKey: T) {
        self.init(rawValue: codingKey.stringValue)
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

// MARK: - Images

extension MIMEType {
    /// `image/jpeg`.
    public static let jpeg: MIMEType = "image/jpeg"
    /// `image/png`.
    public static let png: MIMEType = "image/png"
    /// `image/webp`.
    public static let webp: MIMEType = "image/webp"
    /// `image/gif`.
    public static let gif: MIMEType = "image/gif"
    /// `image/heic`.
    public static let heic: MIMEType = "image/heic"
    /// `image/heif`.
    public static let heif: MIMEType = "image/heif"
    /// `image/avif`.
    public static let avif: MIMEType = "image/avif"
    /// `image/tiff`.
    public static let tiff: MIMEType = "image/tiff"
    /// `image/bmp`.
    public static let bmp: MIMEType = "image/bmp"
    /// `image/svg+xml`.
    public static let svg: MIMEType = "image/svg+xml"
    /// `image/x-portable-pixmap` (PPM).
    public static let portablePixmap: MIMEType = "image/x-portable-pixmap"
    /// `image/x-portable-greymap` (PGM).
    public static let portableGreymap: MIMEType = "image/x-portable-greymap"
    /// `image/x-portable-bitmap` (PBM).
    public static let portableBitmap: MIMEType = "image/x-portable-bitmap"
    /// `image/x-portable-floatmap` (PFM).
    public static let portableFloatmap: MIMEType = "image/x-portable-floatmap"
    /// `image/jp2` (JPEG 2000).
    public static let jpeg2000: MIMEType = "image/jp2"
    /// `image/x-jp2-codestream` (a bare JPEG 2000 codestream).
    public static let jpeg2000Codestream: MIMEType = "image/x-jp2-codestream"
    /// `image/vnd.adobe.photoshop` (PSD).
    public static let photoshop: MIMEType = "image/vnd.adobe.photoshop"
    /// `image/x-tga`.
    public static let targa: MIMEType = "image/x-tga"
    /// `image/x-icon` (ICO, as libmagic names it).
    public static let icon: MIMEType = "image/x-icon"
    /// `image/vnd.microsoft.icon` (ICO, as IANA names it).
    public static let microsoftIcon: MIMEType = "image/vnd.microsoft.icon"
    /// `image/x-pcx`.
    public static let pcx: MIMEType = "image/x-pcx"
}

// MARK: - Video

extension MIMEType {
    /// `video/mp4`.
    public static let mp4: MIMEType = "video/mp4"
    /// `video/3gpp`.
    public static let threeGPP: MIMEType = "video/3gpp"
    /// `video/3gpp2`.
    public static let threeGPP2: MIMEType = "video/3gpp2"
    /// `video/quicktime` (`.mov`).
    public static let quickTime: MIMEType = "video/quicktime"
    /// `video/webm`.
    public static let webm: MIMEType = "video/webm"
    /// `video/x-matroska` (`.mkv`).
    public static let matroska: MIMEType = "video/x-matroska"
    /// `video/x-msvideo` (AVI).
    public static let avi: MIMEType = "video/x-msvideo"
    /// `video/ogg`.
    public static let oggVideo: MIMEType = "video/ogg"
}

// MARK: - Audio

extension MIMEType {
    /// `audio/aac` (ADTS).
    public static let aac: MIMEType = "audio/aac"
    /// `audio/amr`.
    public static let amr: MIMEType = "audio/amr"
    /// `audio/amr-wb` (AMR wideband).
    public static let amrWideband: MIMEType = "audio/amr-wb"
    /// `audio/mpeg` (MP3).
    public static let mpegAudio: MIMEType = "audio/mpeg"
    /// `audio/mp4` (`.m4a`).
    public static let m4a: MIMEType = "audio/mp4"
    /// `audio/ogg`.
    public static let ogg: MIMEType = "audio/ogg"
    /// `audio/wav`.
    public static let wav: MIMEType = "audio/wav"
    /// `audio/flac`.
    public static let flac: MIMEType = "audio/flac"
    /// `audio/aiff`.
    public static let aiff: MIMEType = "audio/aiff"
    /// `audio/3gpp` (a 3GP file with sound only).
    public static let threeGPPAudio: MIMEType = "audio/3gpp"
    /// `audio/webm` (a WebM file with sound only).
    public static let webmAudio: MIMEType = "audio/webm"
    /// `audio/x-matroska` (a Matroska file with sound only).
    public static let matroskaAudio: MIMEType = "audio/x-matroska"
    /// `audio/x-msvideo` (an AVI file with sound only).
    public static let aviAudio: MIMEType = "audio/x-msvideo"
}

// MARK: - Documents and other content

extension MIMEType {
    /// `application/pdf`.
    public static let pdf: MIMEType = "application/pdf"
    /// `text/plain`.
    public static let plainText: MIMEType = "text/plain"
    /// `text/csv`.
    public static let csv: MIMEType = "text/csv"
    /// `text/html`.
    public static let html: MIMEType = "text/html"
    /// `application/xhtml+xml`.
    public static let xhtml: MIMEType = "application/xhtml+xml"
    /// `text/css`.
    public static let css: MIMEType = "text/css"
    /// `text/javascript`.
    public static let javaScript: MIMEType = "text/javascript"
    /// `text/event-stream` (server-sent events).
    public static let eventStream: MIMEType = "text/event-stream"
    /// `application/json`.
    public static let json: MIMEType = "application/json"
    /// `application/x-ndjson` (one JSON value a line).
    public static let ndjson: MIMEType = "application/x-ndjson"
    /// `application/msword` (`.doc`).
    public static let word: MIMEType = "application/msword"
    /// `application/vnd.ms-excel` (`.xls`).
    public static let excel: MIMEType = "application/vnd.ms-excel"
    /// `application/vnd.ms-powerpoint` (`.ppt`).
    public static let powerPoint: MIMEType = "application/vnd.ms-powerpoint"
    /// `application/vnd.openxmlformats-officedocument.wordprocessingml.document` (`.docx`).
    public static let wordOpenXML: MIMEType = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    /// `application/vnd.openxmlformats-officedocument.spreadsheetml.sheet` (`.xlsx`).
    public static let excelOpenXML: MIMEType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    /// `application/vnd.openxmlformats-officedocument.presentationml.presentation` (`.pptx`).
    public static let powerPointOpenXML: MIMEType =
        "application/vnd.openxmlformats-officedocument.presentationml.presentation"
    /// `application/zip`.
    public static let zip: MIMEType = "application/zip"
    /// `application/octet-stream`: bytes of no known type.
    public static let octetStream: MIMEType = "application/octet-stream"
    /// `binary/octet-stream`: not a registered type, but what some storage services serve files of no set type as.
    public static let binaryOctetStream: MIMEType = "binary/octet-stream"
    /// `application/x-empty`: a file without content.
    public static let empty: MIMEType = "application/x-empty"
    /// `application/x-unknown`: the content could not be read.
    public static let unknown: MIMEType = "application/x-unknown"
    /// `application/ogg`, libmagic's name for an OGG file it cannot tell apart further.
    public static let oggApplication: MIMEType = "application/ogg"
    /// `application/x-matroska`, libmagic's name for a Matroska file it cannot tell apart further.
    public static let matroskaApplication: MIMEType = "application/x-matroska"
}

// MARK: - libmagic's names for OLE compound files

extension MIMEType {
    /// `application/CDFV2`: libmagic's name for an OLE compound file (old Office) it cannot name further.
    public static let compoundFile: MIMEType = "application/CDFV2"
    /// `application/CDFV2-corrupt`: an OLE compound file libmagic could not read to the end.
    public static let compoundFileCorrupt: MIMEType = "application/CDFV2-corrupt"
    /// `application/x-ole-storage`: an OLE compound file, as older libmagic versions name it.
    public static let oleStorage: MIMEType = "application/x-ole-storage"
    /// `application/vnd.ms-office`: an Office file of no particular application.
    public static let msOffice: MIMEType = "application/vnd.ms-office"

    /// libmagic's `application/CDFV2` and its variants (`application/CDFV2-corrupt`): an OLE compound file
    /// whose application only its directory tells.
    public var isCompoundFileVariant: Bool { rawValue.hasPrefix(Self.compoundFile.rawValue) }
}

// MARK: - Aliases

extension MIMEType {
    /// libmagic names for which WhatsApp (and IANA) use another; the detector and ``init(canonicalising:)``
    /// both map through it.
    static let aliases: [MIMEType: MIMEType] = [
        "audio/x-m4a": .m4a,
        "audio/x-hx-aac-adts": .aac,
        "audio/x-hx-aac-adif": .aac,
        "audio/x-aac": .aac,
        "audio/mp3": .mpegAudio,
        "audio/x-mp3": .mpegAudio,
        "audio/x-mpeg": .mpegAudio,
        "audio/x-wav": .wav,
        "audio/wave": .wav,
        "audio/vnd.wave": .wav,
        "audio/x-flac": .flac,
        .oggApplication: .ogg,
        "audio/x-ogg": .ogg,
        "audio/x-amr": .amr,
        "image/x-ms-bmp": .bmp,
        "image/x-bmp": .bmp,
        "image/heic-sequence": .heic,
        "image/heif-sequence": .heif,
        "video/x-m4v": .mp4,
        "application/x-pdf": .pdf,
    ]

    /// Names servers send in `Content-Type` that libmagic never answers, on top of ``aliases``.
    private static let headerAliases: [String: MIMEType] = [
        "image/jpg": .jpeg, "image/pjpeg": .jpeg, "image/x-png": .png,
        "audio/x-mpeg-3": .mpegAudio, "audio/mpeg3": .mpegAudio, "audio/m4a": .m4a,
        "application/x-zip-compressed": .zip,
    ]
}
