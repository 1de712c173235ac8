extension ImageFitter {
    /// What `prepare` would do to an inspected image, in words people read, so `check` can say it
    /// without transforming anything. An image that conforms yields `["keep unchanged"]`; one that
    /// cannot be prepared yields the reason, starting with "refuse".
    /// - Parameter keepMetadata: the location stays (``ImageFitter/Options/keepMetadata``).
    public static func plan(for inspection: Inspection, profile: MediaProfile, keepMetadata: Bool = false)
        -> [String]
    {
        let rules = profile.image
        guard let image = inspection.image else {
            return ["refuse: \(inspection.imageDamage ?? "not a readable image")"]
        }
        if let damage = inspection.imageDamage { return ["refuse: \(damage)"] }
        guard image.pixelCount <= rules.maxInputPixels else {
            return [
                "refuse: \(image.width)×\(image.height) is \(Megapixels(image.pixelCount)), over the limit of "
                    + Megapixels(rules.maxInputPixels).description
            ]
        }
        let fitter = ImageFitter(rules: rules, options: .init(stripMetadata: false, keepMetadata: keepMetadata))
        let oversized = image.oversizedMetadata.map { "remove the \($0)" }
        if fitter.conforms(image, mime: inspection.mime, size: inspection.size) {
            let location = keepMetadata ? [] : image.location.map { "remove the location (\($0))" }
            let removals = oversized + location
            return removals.isEmpty ? ["keep unchanged"] : removals + ["keep everything else unchanged"]
        }
        var steps = oversized + conversionSteps(info: image, mime: inspection.mime, rules: rules)
        if image.longEdge > rules.maxLongEdge {
            let scale = Double(rules.maxLongEdge) / Double(image.longEdge)
            let width = max(1, Int((Double(image.width) * scale).rounded()))
            let height = max(1, Int((Double(image.height) * scale).rounded()))
            steps.append("resize \(image.width)×\(image.height) → \(width)×\(height)")
        }
        if image.hasAlpha {
            steps.append(
                rules.keepPNGForAlpha
                    ? "keep PNG if the transparency matters and fits, else flatten onto \(rules.background)"
                    : "flatten transparency onto \(rules.background)")
        }
        steps.append("fit under \(ByteCount(rules.maxBytes))")
        return steps
    }

    /// The conversions an image needs before encoding, for the plan and the run's steps.
    static func conversionSteps(info: ImageInfo, mime: String, rules: ImageRules) -> [String] {
        var steps: [String] = []
        let output = info.hasAlpha && rules.keepPNGForAlpha ? "JPEG or PNG" : "JPEG"
        if !rules.formats.contains(where: { $0.mime == mime }) {
            steps.append("convert \(formatName(mime)) to \(output)")
        }
        if info.pages > 1 { steps.append("keep the first of \(info.framesDescription)") }
        if info.orientation != 1 { steps.append("rotate upright (EXIF orientation \(info.orientation))") }
        if info.bitsPerSample != 8 { steps.append("convert \(info.bitsPerSample)-bit to 8-bit") }
        if !info.colourSpace.isRGBOrGrey { steps.append("convert \(info.colourSpace.rawValue.uppercased()) to sRGB") }
        if info.hasICCProfile { steps.append("convert colours to sRGB") }
        var metadata: [String] = []
        if info.hasEXIF { metadata.append("EXIF") }
        if info.hasXMP { metadata.append("XMP") }
        if !metadata.isEmpty { steps.append("strip metadata (\(metadata.joined(separator: ", ")))") }
        return steps
    }

    static func formatName(_ mime: String) -> String {
        let subtype = mime.split(separator: "/").last.map(String.init) ?? mime
        return subtype.replacingOccurrences(of: "x-", with: "").uppercased()
    }

}
