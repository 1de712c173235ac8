import Foundation

/// MIME type names as the detector spells them (`image/jpg` → `image/jpeg`, `audio/x-m4a` → `audio/mp4`),
/// lower-cased and without parameters, so a server's `Content-Type` can be compared with the content.
public func canonicalMIME(_ mime: String) -> String {
    let bare = mime.split(separator: ";", maxSplits: 1).first.map(String.init) ?? mime
    let lowered = bare.trimmingCharacters(in: .whitespaces).lowercased()
    let extra: [String: String] = [
        "image/jpg": "image/jpeg", "image/pjpeg": "image/jpeg", "image/x-png": "image/png",
        "audio/x-mpeg-3": "audio/mpeg", "audio/mpeg3": "audio/mpeg", "audio/m4a": "audio/mp4",
        "application/x-zip-compressed": "application/zip",
    ]
    return extra[lowered] ?? ContentSniffer.aliases[lowered] ?? lowered
}
