/// The validate stage: judges an ``Inspection`` against a media type and a profile, and says what
/// it finds.
///
/// Pure: it reads nothing and changes nothing, so a report can be made for a remote asset's first
/// bytes as well as for a local file. It only emits findings: whether a transcode fixes what the
/// rules reject, and what preparation does, is the ``PreparationPlanner``'s to conclude
/// (``MediaChecker`` makes the whole report).
public struct MediaValidator: Sendable {
    public var profile: MediaProfile
    /// Location (GPS) metadata is kept in files sent as they are: the `location` finding is then a
    /// warning, not something to fix. Off by default: a location never leaves unless asked for.
    public var keepMetadata: Bool

    public init(profile: MediaProfile = .whatsappCloud, keepMetadata: Bool = false) {
        self.profile = profile
        self.keepMetadata = keepMetadata
    }

    /// Validates `inspection` as `mediaType`, or as the type its MIME suggests when nil.
    public func validate(_ inspection: Inspection, as mediaType: MediaType? = nil, caption: String? = nil)
        -> ValidationReport
    {
        let mediaType = mediaType ?? MediaType(inferredFrom: inspection.mime)
        let effectiveMIME = effectiveMIME(of: inspection.mime, as: mediaType)
        var findings: [Finding] = []
        var suggestedFileName: String?

        if let caption { findings += captionFindings(caption, mediaType: mediaType) }

        guard inspection.size > 0 else {
            findings.append(
                Finding(
                    .empty, .rejected, message: "the file is empty (0 bytes)",
                    hint: "check that the file was fully written or downloaded"))
            return ValidationReport(
                inspection: inspection, mediaType: mediaType, findings: findings, effectiveMIME: effectiveMIME)
        }

        let accepted = profile.format(for: effectiveMIME, as: mediaType) != nil
        let convertible = isConvertible(effectiveMIME, as: mediaType)
        if !accepted && !convertible {
            findings.append(mismatch(inspection, mediaType: mediaType))
        } else if convertible {
            findings.append(conversion(effectiveMIME, mediaType: mediaType))
        }

        let limit = profile.maxBytes(for: mediaType)
        if inspection.size > limit {
            let fixable = mediaType == .image && (accepted || convertible)
            findings.append(
                Finding(
                    .tooLarge, fixable ? .fixable : .rejected,
                    message: "\(ByteCount(inspection.size)) is over the \(ByteCount(limit)) limit for \(mediaType)",
                    hint: fixable
                        ? "prepare re-encodes it to fit under \(ByteCount(limit))"
                        : tooLargeHint(mediaType: mediaType, limit: limit)))
        }

        if mediaType == .image, accepted || convertible {
            findings += imageFindings(inspection)
        }
        if mediaType == .video || mediaType == .audio {
            findings += AVRules.findings(for: inspection, as: mediaType, profile: profile)
            if let av = inspection.av, !av.location.isEmpty, accepted || convertible {
                findings.append(locationFinding(av.location, in: "the \(mediaType == .video ? "video" : "recording")"))
            }
        }
        if accepted || convertible, let (finding, name) = extensionFinding(inspection, effectiveMIME, mediaType) {
            findings.append(finding)
            suggestedFileName = name
        }
        return ValidationReport(
            inspection: inspection, mediaType: mediaType, findings: findings, effectiveMIME: effectiveMIME,
            suggestedFileName: suggestedFileName)
    }

    // MARK: - Types

    /// `text/csv`, `text/x-c` and the like count as `text/plain` for documents when the
    /// profile says so; markup and scripts never do.
    public func effectiveMIME(of mime: MIMEType, as mediaType: MediaType) -> MIMEType {
        guard mediaType == .document, profile.document.textVariantsAsPlain, mime.isText, mime != .plainText
        else { return mime }
        let subtype = mime.subtype
        let markupOrScript =
            subtype.contains("html") || subtype.contains("xml") || subtype.contains("script")
            || ["rtf", "javascript", "x-php", "x-perl", "x-python", "x-ruby", "x-lua", "x-tcl", "x-msdos-batch"]
                .contains(subtype)
        return markupOrScript ? mime : .plainText
    }

    private func isConvertible(_ mime: MIMEType, as mediaType: MediaType) -> Bool {
        switch mediaType {
        case .image: profile.image.convertible.contains(mime)
        case .video: profile.video.remuxable.contains(mime)
        case .audio, .document: false
        }
    }

    private func conversion(_ mime: MIMEType, mediaType: MediaType) -> Finding {
        let name = mime.describedForPeople
        if mediaType == .video {
            return Finding(
                .needsConversion, .fixable,
                message: "\(name) is not accepted as a video; its tracks can be rewritten as MP4",
                hint: "prepare rewrites the container as MP4 without re-encoding, if its codecs are H.264 and AAC")
        }
        return Finding(
            .needsConversion, .fixable,
            message: "\(name) is not accepted as an image message",
            hint: "prepare converts it to JPEG (PNG when transparency matters)")
    }

    private func mismatch(_ inspection: Inspection, mediaType: MediaType) -> Finding {
        let name = inspection.mime.describedForPeople
        let accepted = profile.formats(for: mediaType).map { "\($0.mime.shortName) (.\($0.fileExtension))" }
        let otherTypes = MediaType.allCases.filter { other in
            other != mediaType
                && (profile.format(for: effectiveMIME(of: inspection.mime, as: other), as: other) != nil
                    || isConvertible(inspection.mime, as: other))
        }
        let message: String
        if inspection.mime == .octetStream {
            message = "the content's type could not be recognised, so it cannot be sent as \(mediaType)"
        } else {
            message = "the content is \(name), which cannot be sent as \(mediaType)"
        }
        var hint = "\(mediaType) accepts \(accepted.joined(separator: ", "))"
        if let other = otherTypes.first {
            hint = "send it with --type \(other), or convert it: " + hint
        } else if let mediaHint = inspection.mime.conversionHint(to: mediaType) {
            hint = mediaHint + "; " + hint
        }
        return Finding(.mimeMismatch, .rejected, message: message, hint: hint)
    }

    private func tooLargeHint(mediaType: MediaType, limit: Int) -> String {
        switch mediaType {
        case .video:
            "re-encode it smaller, e.g. ffmpeg -i IN -c:v libx264 -profile:v main -crf 28 -c:a aac -b:a 96k -movflags +faststart OUT.mp4, or send a link to it"
        case .audio:
            "re-encode it at a lower bitrate, e.g. ffmpeg -i IN -c:a aac -b:a 64k OUT.m4a, or split it"
        case .document:
            "compress or split it, or send a link to it instead"
        case .image:
            "convert it to JPEG or PNG first"
        }
    }

    // MARK: - Captions

    private func captionFindings(_ caption: String, mediaType: MediaType) -> [Finding] {
        var findings: [Finding] = []
        // UTF-16 units are the most a server can count a caption as; counting fewer could let one through that fails.
        let length = caption.utf16.count
        if length > profile.captionMaxCharacters {
            findings.append(
                Finding(
                    .captionTooLong, .rejected,
                    message: "the caption is \(length) characters, over the limit of \(profile.captionMaxCharacters)",
                    hint: "shorten it by \(length - profile.captionMaxCharacters) characters"))
        }
        if mediaType == .audio && !caption.isEmpty {
            findings.append(
                Finding(
                    .captionIgnored, .warning, message: "WhatsApp shows no caption under audio messages",
                    hint: "send the text as a separate message"))
        }
        return findings
    }

    // MARK: - Images

    private func imageFindings(_ inspection: Inspection) -> [Finding] {
        let rules = profile.image
        // A bomb is named as such even when its data is cut short too: it is refused from the header alone.
        if let image = inspection.image, image.pixelCount > rules.maxInputPixels {
            return [
                Finding(
                    .tooManyPixels, .rejected,
                    message:
                        "\(image.width)×\(image.height) is \(Megapixels(image.pixelCount)), over the \(Megapixels(rules.maxInputPixels)) the profile allows decoding",
                    hint: "downscale it before sending; images this large are refused to protect memory")
            ]
        }
        if let damage = inspection.imageDamage {
            return [
                Finding(
                    .unreadable, .rejected, message: "the image is damaged: \(damage)",
                    hint: "export or download it again")
            ]
        }
        guard let image = inspection.image else {
            // A remote asset's first bytes may hold too little of the header to read.
            return []
        }
        var findings: [Finding] = []
        if image.bitsPerSample != 8 {
            let widening = image.bitsPerSample < 8
            findings.append(
                Finding(
                    .notEightBit, .fixable,
                    message: "the image has \(image.bitsPerSample)-bit samples; WhatsApp needs 8-bit",
                    hint: widening
                        ? "prepare converts it to 8-bit (a palette expanded to RGB or RGBA), kept as PNG when that fits"
                        : "prepare converts it to 8-bit sRGB"))
        }
        if !image.colourSpace.isRGBOrGrey {
            findings.append(
                Finding(
                    .colourSpace, .fixable,
                    message: "the image is \(image.colourSpace.rawValue.uppercased()); WhatsApp needs RGB",
                    hint: "prepare converts it to sRGB using its colour profile"))
        }
        if image.isGreyscale {
            findings.append(colourModelFinding(image, mime: inspection.mime))
        }
        if let colourProfile = image.colourProfile, colourProfile.isForeignRGB, !image.isGreyscale {
            findings.append(colourProfileFinding(colourProfile))
        }
        if image.isAnimated {
            let problem = image.animationProblem.map { " (\($0))" } ?? ""
            let message =
                image.pages > 1
                ? "the image is animated, with \(image.framesDescription)\(problem); only the first can be sent"
                : "the PNG has animation chunks\(problem); only its first frame can be sent, as a still PNG"
            findings.append(
                Finding(
                    .animated, .fixable, message: message,
                    hint: "prepare keeps the first frame; send the animation as an MP4 video instead"))
        }
        if image.longEdge > rules.maxLongEdge {
            findings.append(
                Finding(
                    .dimensions, .warning,
                    message:
                        "\(image.width)×\(image.height) is larger than the \(rules.maxLongEdge) px WhatsApp clients show",
                    hint:
                        "it is sent as is when it fits; prepare resizes it to \(rules.maxLongEdge) px when it must shrink anyway"
                ))
        }
        if !image.oversizedMetadata.isEmpty {
            findings.append(
                Finding(
                    .oversizedMetadata, .fixable,
                    message:
                        "the image carries metadata too large to read safely, possibly a decompression bomb: "
                        + image.oversizedMetadata.joined(separator: ", "),
                    hint: "prepare and send drop that metadata and keep every other byte (it is never inflated whole)"))
        }
        if !image.location.isEmpty {
            findings.append(locationFinding(image.location, in: "the image"))
        }
        if image.hasEXIF || image.hasXMP {
            // Only JPEG and PNG are looked into for a location; other types are re-encoded anyway.
            let scanned = inspection.mime == .jpeg || inspection.mime == .png
            let details =
                !scanned
                ? "possibly GPS location and camera details"
                : image.location.isEmpty ? "camera details, no location" : "camera details besides the location"
            findings.append(
                Finding(
                    .metadata, .warning,
                    message: "the image carries EXIF/XMP metadata (\(details))",
                    hint:
                        "images that conform are sent without their location but otherwise untouched; "
                        + "'wamedia prepare --strip-metadata' re-saves it without any metadata"
                ))
        }
        return findings
    }

    /// Greyscale against Meta's "Images must be 8-bit, RGB or RGBA".
    private func colourModelFinding(_ image: ImageInfo, mime: MIMEType) -> Finding {
        let model = image.hasAlpha ? "greyscale with alpha" : "greyscale"
        let rule = "Meta's rule: \"Images must be 8-bit, RGB or RGBA\""
        guard profile.image.requireRGB else {
            return Finding(
                .colourModel, .warning, message: "the image is \(model); \(rule)",
                hint: "sent as grey because the profile's image.require_rgb is false; some receivers may refuse it")
        }
        let output = image.hasAlpha ? "RGBA" : "RGB"
        let format = mime == .png ? "a lossless PNG" : mime == .jpeg ? "a JPEG" : "JPEG (PNG when alpha matters)"
        return Finding(
            .colourModel, .fixable, message: "the image is \(model); \(rule)",
            hint:
                "prepare converts it to sRGB \(output) as \(format); image.require_rgb: false in a custom profile sends it as grey"
        )
    }

    /// An ICC profile other than sRGB: viewers that ignore profiles show the colours wrongly.
    private func colourProfileFinding(_ colourProfile: ColourProfile) -> Finding {
        let message =
            "the image's colours are in \(colourProfile.describedForPeople), not sRGB; viewers that ignore "
            + "colour profiles show them washed out or wrong"
        guard profile.image.requireSRGB else {
            return Finding(
                .colourProfile, .warning, message: message,
                hint: "sent as it is because the profile's image.require_srgb is false")
        }
        return Finding(
            .colourProfile, .fixable, message: message,
            hint:
                "prepare converts its colours to sRGB through the profile, in the same format; "
                + "image.require_srgb: false in a custom profile sends it as it is")
    }

    /// Where the content records where it was made: removed before sending unless metadata is kept.
    private func locationFinding(_ sources: [String], in subject: String) -> Finding {
        let what = sources.joined(separator: ", ")
        if keepMetadata {
            return Finding(
                .location, .warning, message: "\(subject) carries a location (\(what)), kept as asked",
                hint: "without --keep-metadata the location is removed before sending")
        }
        return Finding(
            .location, .fixable,
            message: "\(subject) carries a location (\(what)) that tells where it was made",
            hint:
                "prepare and send remove \(what) and keep everything else as it is; --keep-metadata keeps it")
    }

    // MARK: - Names

    /// Extensions that name the same type as the canonical one.
    private static let extensionAliases: [String: Set<String>] = [
        "jpg": ["jpeg", "jpe", "jfif"], "3gp": ["3gpp"], "txt": ["text"], "mp3": ["mpga"],
    ]

    private func isCanonicalExtension(_ fileExtension: String) -> Bool {
        MediaType.allCases.contains { type in profile.formats(for: type).contains { $0.fileExtension == fileExtension }
        }
    }

    private func extensionFinding(_ inspection: Inspection, _ mime: MIMEType, _ mediaType: MediaType) -> (
        Finding, String
    )? {
        let name = inspection.fileName
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex,
            let canonical = profile.format(for: mime, as: mediaType)?.fileExtension
        else { return nil }
        let stem = name[..<dot]
        let given = name[name.index(after: dot)...].lowercased()
        if given == canonical || Self.extensionAliases[canonical, default: []].contains(given) { return nil }
        // Plain-text documents keep .csv, .log, .md and the like; only a misleading binary extension counts.
        if mime == .plainText, !isCanonicalExtension(given) { return nil }
        let suggested = "\(stem).\(canonical)"
        let weight: Finding.Severity = mediaType == .document ? .fixable : .warning
        return (
            Finding(
                .extensionMismatch, weight,
                message: "the name says .\(given) but the content is \(mime.describedForPeople)",
                hint:
                    "it is sent as \(suggested)\(mediaType == .document ? ", so the recipient sees the right icon" : "")"
            ),
            suggested
        )
    }
}
