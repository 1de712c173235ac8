/// Everything the detect and probe stages learned about one file, before any judgement.
public struct Inspection: Sendable, Hashable, Codable {
    /// Where the content came from: a path, a URL, or a name given with in-memory bytes.
    public var file: String
    public var size: Int
    public var detection: Detection
    /// The image header, for images libvips can read.
    public var image: ImageInfo?
    /// Why the image could not be read or decoded, when it looked like an image but was not intact.
    public var imageDamage: String?
    /// Tracks and codecs, for audio and video containers.
    public var av: AVInfo?

    /// The detected MIME type, in WhatsApp's vocabulary.
    public var mime: MIMEType { detection.mime }

    /// The last path component of ``file`` (without a URL's query or fragment).
    public var fileName: String {
        var name = Substring(file)
        if let cut = name.firstIndex(where: { $0 == "?" || $0 == "#" }), file.contains("://") { name = name[..<cut] }
        return String(name.split(separator: "/").last ?? "")
    }

    public init(
        file: String, size: Int, detection: Detection, image: ImageInfo? = nil, imageDamage: String? = nil,
        av: AVInfo? = nil
    ) {
        self.file = file
        self.size = size
        self.detection = detection
        self.image = image
        self.imageDamage = imageDamage
        self.av = av
    }

    enum CodingKeys: String, CodingKey {
        case file, size, detection, image, av
        case imageDamage = "image_damage"
    }
}
