/// How the sandbox names the files it keeps in a message's folder (`msg-…/`).
///
/// The upload is kept under a name the sandbox makes (`media.jpg`), never under the client's
/// `file_name`: a client's name could be one of the sandbox's own files (`request.json`, which the
/// metadata would then overwrite and the media URL serve) or reach outside the folder. The media
/// route serves only names made here, so the metadata, with its local paths, is never served.
enum StoredUpload {
    /// The metadata of an accepted message.
    static let metadataName = "request.json"
    /// The upload while it is being decoded.
    static let partName = "upload.part"
    /// The sandbox's own files: no name made by ``name(for:)`` is one of them.
    static let reservedNames: Set<String> = [metadataName, partName]

    /// What every upload's name starts with.
    private static let stem = "media"
    /// The longest extension kept from the client's name.
    private static let longestExtension = 10

    /// `media.jpg` for `Holiday Photo.JPG`: the client's extension when it is plain (ASCII letters and
    /// digits, at most 10), lower-cased; `media` when there is none.
    static func name(for fileName: String?) -> String {
        guard let fileName, let dot = fileName.lastIndex(of: ".") else { return stem }
        let suffix = fileName[fileName.index(after: dot)...]
        guard isPlainExtension(suffix) else { return stem }
        return stem + "." + suffix.lowercased()
    }

    /// Whether `name` is one ``name(for:)`` makes: the only files in a message's folder that are served.
    static func isUploadName(_ name: String) -> Bool {
        if name == stem { return true }
        guard name.hasPrefix(stem + ".") else { return false }
        let suffix = name.dropFirst(stem.count + 1)
        return isPlainExtension(suffix) && suffix == suffix.lowercased()
    }

    private static func isPlainExtension(_ suffix: Substring) -> Bool {
        (1...longestExtension).contains(suffix.count)
            && suffix.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0))
            }
    }
}
