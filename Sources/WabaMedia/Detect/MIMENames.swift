/// People's names for MIME types, for messages.
extension MIMEType {
    private static let names: [MIMEType: String] = [
        .jpeg: "JPEG", .png: "PNG", .webp: "WebP", .gif: "GIF",
        .heic: "HEIC", .heif: "HEIF", .avif: "AVIF", .tiff: "TIFF",
        .bmp: "BMP", .svg: "SVG", .portablePixmap: "PPM",
        .portableGreymap: "PGM", .portableBitmap: "PBM", .portableFloatmap: "PFM",
        .jpeg2000: "JPEG 2000", .jpeg2000Codestream: "JPEG 2000 codestream",
        .photoshop: "Photoshop (PSD)", .targa: "TGA", .icon: "ICO",
        .microsoftIcon: "ICO", .pcx: "PCX",
        .mp4: "MP4 video", .threeGPP: "3GP video", .quickTime: "QuickTime (.mov) video",
        .webm: "WebM video", .matroska: "Matroska video", .avi: "AVI video",
        .aac: "AAC audio", .amr: "AMR audio", .mpegAudio: "MP3 audio", .m4a: "M4A audio",
        .ogg: "OGG audio", .wav: "WAV audio", .flac: "FLAC audio",
        .aiff: "AIFF audio",
        .pdf: "a PDF", .plainText: "plain text", .html: "HTML",
        .word: "a Word document", .excel: "an Excel spreadsheet",
        .powerPoint: "a PowerPoint presentation",
        .wordOpenXML: "a Word document",
        .excelOpenXML: "an Excel spreadsheet",
        .powerPointOpenXML: "a PowerPoint presentation",
        .zip: "a ZIP archive",
    ]

    /// "a PDF (application/pdf)", or the MIME type itself.
    var describedForPeople: String {
        guard let name = Self.names[self] else { return rawValue }
        return "\(name) (\(rawValue))"
    }

    /// "JPEG", or the MIME type itself.
    var shortName: String {
        guard let name = Self.names[self] else { return rawValue }
        return name.hasPrefix("a ")
            ? String(name.dropFirst(2)) : name.hasPrefix("an ") ? String(name.dropFirst(3)) : name
    }

    /// Image types only ImageMagick decodes: refused, never converted.
    static let imageMagickOnly: Set<MIMEType> = [.photoshop, .targa, .icon, .microsoftIcon, .pcx]

    /// How to convert a file of this type into something `mediaType` accepts, when a common tool can.
    func conversionHint(to mediaType: MediaType) -> String? {
        switch (self, mediaType) {
        case (.wav, .audio), (.flac, .audio), (.aiff, .audio):
            "convert it, e.g. ffmpeg -i IN -c:a aac -b:a 128k OUT.m4a (or -c:a libopus OUT.ogg for a voice note)"
        case (_, .image) where Self.imageMagickOnly.contains(self):
            "only ImageMagick reads \(shortName), and wamedia keeps that loader off for files from untrusted "
                + "senders; export it as PNG or JPEG first (e.g. convert 'IN[0]' OUT.png)"
        case (_, .video) where isVideo:
            "re-encode it, e.g. ffmpeg -i IN -c:v libx264 -profile:v main -c:a aac -movflags +faststart OUT.mp4"
        default:
            nil
        }
    }
}
