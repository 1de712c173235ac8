/// How an image is re-encoded to fit the profile (``ImageFitter``), as far as its header tells
/// before anything is decoded: the fitter's search for the best quality that fits decides the rest.
public struct ImageFitPlan: Sendable, Hashable, CustomStringConvertible {
    /// A width and a height, in pixels.
    public struct Size: Sendable, Hashable, CustomStringConvertible {
        public var width: Int
        public var height: Int

        public var description: String { "\(width)×\(height)" }
    }

    /// What becomes of transparency.
    public enum Transparency: Sendable, Hashable {
        /// Kept as PNG when the transparency matters and the PNG fits; flattened onto the colour otherwise.
        case keepPNGIfItFits(orFlattenOnto: RGBColour)
        /// Flattened onto the colour: the output is a JPEG.
        case flatten(onto: RGBColour)
    }

    /// The input's header, as inspected.
    public var header: ImageInfo
    /// The input's type.
    public var mime: MIMEType
    /// Metadata too large to read safely, removed before any decoder sees the file.
    public var oversizedMetadata: [String]
    /// The size it is resized to, so that its long edge is the profile's; nil when it keeps its size.
    public var resizedTo: Size?
    /// What becomes of its transparency; nil when it has none.
    public var transparency: Transparency?
    /// The byte limit it is fitted under.
    public var budget: Int
    /// The conversions before encoding (type, frames, orientation, depth, colours, metadata), in words.
    var conversions: [String]

    init(header: ImageInfo, mime: MIMEType, rules: ImageRules) {
        self.header = header
        self.mime = mime
        oversizedMetadata = header.oversizedMetadata
        if header.longEdge > rules.maxLongEdge {
            let scale = Double(rules.maxLongEdge) / Double(header.longEdge)
            resizedTo = Size(
                width: max(1, Int((Double(header.width) * scale).rounded())),
                height: max(1, Int((Double(header.height) * scale).rounded())))
        }
        if header.hasAlpha {
            transparency =
                rules.keepPNGForAlpha
                ? .keepPNGIfItFits(orFlattenOnto: rules.background) : .flatten(onto: rules.background)
        }
        budget = rules.maxBytes
        conversions = ImageFitter.conversionSteps(info: header, mime: mime, rules: rules)
    }

    /// What the fit does, in words people read.
    public var steps: [String] {
        var steps = oversizedMetadata.map { "remove the \($0)" } + conversions
        if let resizedTo {
            steps.append("resize \(Size(width: header.width, height: header.height)) → \(resizedTo)")
        }
        switch transparency {
        case .keepPNGIfItFits(let background):
            steps.append("keep PNG if the transparency matters and fits, else flatten onto \(background)")
        case .flatten(let background):
            steps.append("flatten transparency onto \(background)")
        case nil:
            break
        }
        steps.append("fit under \(ByteCount(budget))")
        return steps
    }

    public var description: String { steps.joined(separator: "; ") }
}
