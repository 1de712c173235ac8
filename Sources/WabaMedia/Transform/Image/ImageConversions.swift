extension ImageFitter {
    /// The conversions an image needs before encoding, in words: what the plan says
    /// (``ImageFitPlan``) and what a run reports it did.
    static func conversionSteps(info: ImageInfo, mime: MIMEType, rules: ImageRules) -> [String] {
        var steps: [String] = []
        let output = info.hasAlpha && rules.keepPNGForAlpha ? "JPEG or PNG" : "JPEG"
        if !rules.formats.contains(where: { $0.mime == mime }) {
            steps.append("convert \(formatName(mime)) to \(output)")
        }
        if info.pages > 1 {
            steps.append("keep the first of \(info.framesDescription)")
        } else if info.hasAnimationControl {
            steps.append("keep the first frame as a still PNG")
        }
        if info.orientation != 1 { steps.append("rotate upright (EXIF orientation \(info.orientation))") }
        if info.bitsPerSample != 8 { steps.append("convert \(info.bitsPerSample)-bit to 8-bit") }
        if !info.colourSpace.isRGBOrGrey { steps.append("convert \(info.colourSpace.rawValue.uppercased()) to sRGB") }
        if info.isGreyscale && rules.requireRGB {
            steps.append("convert greyscale to sRGB \(info.hasAlpha ? "RGBA" : "RGB")")
        }
        if let colourProfile = info.colourProfile, !colourProfile.isSRGB {
            steps.append("convert colours from \(colourProfile.describedForPeople) to sRGB")
        } else if info.hasICCProfile {
            steps.append("convert colours to sRGB")
        }
        var metadata: [String] = []
        if info.hasEXIF { metadata.append("EXIF") }
        if info.hasXMP { metadata.append("XMP") }
        if !metadata.isEmpty { steps.append("strip metadata (\(metadata.joined(separator: ", ")))") }
        return steps
    }

    /// `image/x-portable-pixmap` → `PORTABLE-PIXMAP`.
    static func formatName(_ mime: MIMEType) -> String {
        mime.subtype.replacingOccurrences(of: "x-", with: "").uppercased()
    }
}

extension ImageInfo {
    /// One grey band, with or without alpha: not the "RGB or RGBA" Meta's page asks for.
    var isGreyscale: Bool { bands <= 2 && colourSpace.isRGBOrGrey }

    /// Tagged with an RGB profile that is not sRGB (Display P3, Adobe RGB, ...).
    var hasForeignColourProfile: Bool { colourProfile?.isForeignRGB == true && !isGreyscale }
}
