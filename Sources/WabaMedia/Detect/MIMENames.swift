/// People's names for MIME types, for messages.
enum MIMENames {
    private static let names: [String: String] = [
        "image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WebP", "image/gif": "GIF",
        "image/heic": "HEIC", "image/heif": "HEIF", "image/avif": "AVIF", "image/tiff": "TIFF",
        "image/bmp": "BMP", "image/svg+xml": "SVG", "image/x-portable-pixmap": "PPM",
        "image/x-portable-greymap": "PGM", "image/x-portable-bitmap": "PBM", "image/x-portable-floatmap": "PFM",
        "image/jp2": "JPEG 2000", "image/x-jp2-codestream": "JPEG 2000 codestream",
        "image/vnd.adobe.photoshop": "Photoshop (PSD)", "image/x-tga": "TGA", "image/x-icon": "ICO",
        "image/vnd.microsoft.icon": "ICO", "image/x-pcx": "PCX",
        "video/mp4": "MP4 video", "video/3gpp": "3GP video", "video/quicktime": "QuickTime (.mov) video",
        "video/webm": "WebM video", "video/x-matroska": "Matroska video", "video/x-msvideo": "AVI video",
        "audio/aac": "AAC audio", "audio/amr": "AMR audio", "audio/mpeg": "MP3 audio", "audio/mp4": "M4A audio",
        "audio/ogg": "OGG audio", "audio/wav": "WAV audio", "audio/flac": "FLAC audio",
        "audio/aiff": "AIFF audio",
        "application/pdf": "a PDF", "text/plain": "plain text", "text/html": "HTML",
        "application/msword": "a Word document", "application/vnd.ms-excel": "an Excel spreadsheet",
        "application/vnd.ms-powerpoint": "a PowerPoint presentation",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "a Word document",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "an Excel spreadsheet",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation": "a PowerPoint presentation",
        "application/zip": "a ZIP archive",
    ]

    /// "a PDF (application/pdf)".
    static func describe(_ mime: String) -> String {
        guard let name = names[mime] else { return mime }
        return "\(name) (\(mime))"
    }

    /// "JPEG", or the MIME type itself.
    static func short(_ mime: String) -> String {
        guard let name = names[mime] else { return mime }
        return name.hasPrefix("a ")
            ? String(name.dropFirst(2)) : name.hasPrefix("an ") ? String(name.dropFirst(3)) : name
    }

    /// Image types only ImageMagick decodes: refused, never converted.
    static let imageMagickOnly: Set<String> = [
        "image/vnd.adobe.photoshop", "image/x-tga", "image/x-icon", "image/vnd.microsoft.icon", "image/x-pcx",
    ]

    static func conversionHint(for mime: String, to mediaType: MediaType) -> String? {
        switch (mime, mediaType) {
        case ("audio/wav", .audio), ("audio/flac", .audio), ("audio/aiff", .audio):
            "convert it, e.g. ffmpeg -i IN -c:a aac -b:a 128k OUT.m4a (or -c:a libopus OUT.ogg for a voice note)"
        case (_, .image) where imageMagickOnly.contains(mime):
            "only ImageMagick reads \(short(mime)), and wamedia keeps that loader off for files from untrusted "
                + "senders; export it as PNG or JPEG first (e.g. convert 'IN[0]' OUT.png)"
        case (_, .video) where mime.hasPrefix("video/"):
            "re-encode it, e.g. ffmpeg -i IN -c:v libx264 -profile:v main -c:a aac -movflags +faststart OUT.mp4"
        default:
            nil
        }
    }
}
