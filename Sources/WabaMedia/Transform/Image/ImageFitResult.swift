/// What ``ImageFitter`` did to one image.
public struct ImageFitResult: Sendable, Hashable, Codable {
    /// Where the output was written, when it went to a file.
    public var output: String?
    public var inputBytes: Int
    public var outputBytes: Int
    public var inputMIME: MIMEType
    public var outputMIME: MIMEType
    public var inputWidth: Int
    public var inputHeight: Int
    public var outputWidth: Int
    public var outputHeight: Int
    /// The JPEG quality written; nil for PNG output and for untouched input.
    public var quality: Int?
    /// The input already conformed and was kept byte for byte.
    public var passedThrough: Bool
    /// How many full-size encodes the byte-budget search needed.
    public var encodes: Int
    /// What was done, in words people read ("convert HEIC to JPEG", "resize 8000×6000 → 4096×3072").
    public var steps: [String]

    public init(
        output: String? = nil, inputBytes: Int, outputBytes: Int, inputMIME: MIMEType, outputMIME: MIMEType,
        inputWidth: Int, inputHeight: Int, outputWidth: Int, outputHeight: Int, quality: Int?,
        passedThrough: Bool, encodes: Int, steps: [String]
    ) {
        self.output = output
        self.inputBytes = inputBytes
        self.outputBytes = outputBytes
        self.inputMIME = inputMIME
        self.outputMIME = outputMIME
        self.inputWidth = inputWidth
        self.inputHeight = inputHeight
        self.outputWidth = outputWidth
        self.outputHeight = outputHeight
        self.quality = quality
        self.passedThrough = passedThrough
        self.encodes = encodes
        self.steps = steps
    }

    enum CodingKeys: String, CodingKey {
        case output, quality, encodes, steps
        case inputBytes = "input_bytes"
        case outputBytes = "output_bytes"
        case inputMIME = "input_mime"
        case outputMIME = "output_mime"
        case inputWidth = "input_width"
        case inputHeight = "input_height"
        case outputWidth = "output_width"
        case outputHeight = "output_height"
        case passedThrough = "passed_through"
    }
}
