import Foundation
internal import WabaEncoding

/// The name stage: picks the `file_name` a recipient sees, and makes any name safe to send.
///
/// The recipient's app picks a document's icon from the extension, so a name derived from
/// the input always carries the canonical extension of what is actually sent.
public struct FileNamer: Sendable {
    public var profile: MediaProfile
    /// The longest name produced, in UTF-8 bytes (file systems count bytes, not characters).
    public var maxBytes: Int

    public init(profile: MediaProfile = .whatsappCloud, maxBytes: Int = 200) {
        self.profile = profile
        self.maxBytes = max(16, maxBytes)
    }

    /// Chooses the name, in the order: the user's name, the input's name, the URL's last
    /// segment, a generated one.
    ///
    /// - Parameters:
    ///   - userFileName: the name the user asked for; kept as given apart from sanitising.
    ///   - inputPath: the local file the media came from (before any transform).
    ///   - url: the URL the media is sent as, in URL mode.
    ///   - mime: the MIME type of what is sent (after a transform), when known.
    ///   - mediaType: the message's media type, for a generated name.
    ///   - contentDigest: a short hash of the content (or of the URL), for a generated name;
    ///     called only when a name must be generated.
    public func infer(
        userFileName: String? = nil, inputPath: String? = nil, url: String? = nil, mime: MIMEType?,
        mediaType: MediaType, contentDigest: () throws -> String
    ) rethrows -> InferredFileName {
        if let userFileName, let name = sanitize(userFileName) {
            return InferredFileName(name: name, origin: .user)
        }
        if let inputPath, let base = inputPath.split(separator: "/").last,
            let name = sanitize(correctingExtension(of: String(base), to: mime))
        {
            return InferredFileName(name: name, origin: .input)
        }
        if let url, let segment = Self.lastPathSegment(ofURL: url),
            let name = sanitize(correctingExtension(of: segment, to: mime))
        {
            return InferredFileName(name: name, origin: .url)
        }
        var generated = "\(mediaType.rawValue)-\(try contentDigest())"
        if let mime, let ext = canonicalExtension(for: mime, mediaType: mediaType) { generated += ".\(ext)" }
        return InferredFileName(name: sanitize(generated) ?? mediaType.rawValue, origin: .generated)
    }

    /// `name` with its extension replaced by (or, when it has none, extended with) the canonical
    /// extension of `mime`. Unchanged when the profile knows no extension for `mime`.
    public func correctingExtension(of name: String, to mime: MIMEType?) -> String {
        guard let mime, let canonical = profile.canonicalExtension(for: mime) else { return name }
        let (stem, ext) = Self.split(name)
        guard let ext else { return name + "." + canonical }
        if ext.lowercased() == canonical { return stem + "." + canonical }
        // Only a recognisable extension is replaced: in `report.final` the suffix is part of the name.
        if Self.knownExtensions.contains(ext.lowercased()) || profile.isKnownExtension(ext.lowercased()) {
            return stem + "." + canonical
        }
        return name + "." + canonical
    }

    /// A name safe to send: no path separators, control or bidirectional-override characters,
    /// no leading dots or surrounding spaces, at most ``maxBytes`` UTF-8 bytes with the extension
    /// kept. A byte of a local name that is not UTF-8 becomes U+FFFD, as a UTF-8 decoder shows it
    /// (never the private-use scalar that stands for it on this machine). Other Unicode is kept as
    /// is. Nil when nothing usable remains.
    public func sanitize(_ name: String) -> String? {
        var scalars = String.UnicodeScalarView()
        for scalar in name.unicodeScalars {
            if scalar == "/" || scalar == "\\" {
                scalars.append("_")
            } else if scalar.value >= 0x10_FF80, FileSystemPath.hasRawBytes(String(scalar)) {
                scalars.append("\u{FFFD}")
            } else if scalar.properties.generalCategory == .control || Self.invisibleFormatting.contains(scalar.value) {
                continue
            } else {
                scalars.append(scalar)
            }
        }
        var cleaned = Substring(String(scalars))
        while let first = cleaned.first, first == "." || first.isWhitespace { cleaned.removeFirst() }
        while let last = cleaned.last, last.isWhitespace || last == "." { cleaned.removeLast() }
        guard !cleaned.isEmpty, cleaned.contains(where: { $0 != "_" }) else { return nil }
        return cap(String(cleaned))
    }

    /// The last path segment of a URL, without query or fragment, percent-decoded.
    /// Nil for a URL that ends in `/` or has no path.
    public static func lastPathSegment(ofURL url: String) -> String? {
        var rest = Substring(url)
        if let cut = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<cut] }
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        // The first segment is the host, never a name.
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        let path = rest[slash...]
        guard !path.hasSuffix("/"), let last = path.split(separator: "/").last else { return nil }
        return String(last).removingPercentEncoding ?? String(last)
    }

    /// A short, stable hex digest (64-bit FNV-1a) of `bytes`, for generated names.
    public static func shortDigest(of bytes: some Sequence<UInt8>) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes {
            hash ^= UInt64(byte)
            hash &*= 0x100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// The same digest over a whole byte source, read in chunks.
    public static func shortDigest(of source: any ByteSource) throws -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var offset = 0
        while offset < source.size {
            let chunk = try source.read(at: offset, count: 1 << 20)
            if chunk.isEmpty { break }
            for byte in chunk {
                hash ^= UInt64(byte)
                hash &*= 0x100_0000_01b3
            }
            offset += chunk.count
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    // MARK: - Helpers

    private func canonicalExtension(for mime: MIMEType, mediaType: MediaType) -> String? {
        profile.format(for: mime, as: mediaType)?.fileExtension ?? profile.canonicalExtension(for: mime)
    }

    /// Cuts the stem so the whole name fits ``maxBytes``, at a character boundary.
    private func cap(_ name: String) -> String {
        guard name.utf8.count > maxBytes else { return name }
        let (stem, ext) = Self.split(name)
        let suffix = ext.map { "." + $0 } ?? ""
        // An absurdly long "extension" is not one worth keeping whole.
        let keptSuffix = suffix.utf8.count <= 16 ? suffix : ""
        let stemSource = keptSuffix.isEmpty ? name : stem
        var budget = maxBytes - keptSuffix.utf8.count
        var kept = ""
        for character in stemSource {
            let size = character.utf8.count
            if size > budget { break }
            kept.append(character)
            budget -= size
        }
        return kept + keptSuffix
    }

    /// Splits `photo.tar.jpg` into (`photo.tar`, `jpg`); a name with no dot (or only a leading one) has no extension.
    static func split(_ name: String) -> (stem: String, ext: String?) {
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, nil) }
        let ext = name[name.index(after: dot)...]
        guard !ext.isEmpty, !ext.contains(" ") else { return (name, nil) }
        return (String(name[..<dot]), String(ext))
    }

    /// Bidirectional overrides and zero-width characters: they let `invoice‮fdp.exe` look like a PDF.
    private static let invisibleFormatting: Set<UInt32> = [
        0x200B, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069, 0xFEFF,
    ]

    /// Extensions that are clearly a file type, so replacing them cannot eat part of a name.
    static let knownExtensions: Set<String> = [
        "jpg", "jpeg", "jpe", "jfif", "png", "gif", "webp", "heic", "heif", "avif", "tif", "tiff", "bmp", "svg",
        "ico", "mp4", "m4v", "mov", "3gp", "3g2", "mkv", "webm", "avi", "wmv", "mpg", "mpeg", "aac", "amr",
        "mp3", "m4a", "ogg", "oga", "opus", "wav", "flac", "wma", "pdf", "txt", "text", "csv", "doc", "docx",
        "xls", "xlsx", "ppt", "pptx", "odt", "ods", "odp", "rtf", "zip", "bin", "dat", "tmp", "html", "htm",
        "xml", "json", "md", "log",
    ]
}

extension MediaProfile {
    /// Whether `ext` is the canonical extension of any format this profile accepts.
    func isKnownExtension(_ ext: String) -> Bool {
        MediaType.allCases.contains { formats(for: $0).contains { $0.fileExtension == ext } }
    }
}
