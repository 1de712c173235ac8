/// How far ``MediaInspector`` goes to prove an image's data is intact.
public enum ImageVerification: String, Sendable, Hashable, CaseIterable, Codable {
    /// The header alone: a cut-off file passes.
    case header
    /// The file's structure (``ImageStructure``): finds cut-off files and, in PNG, corrupt chunks,
    /// at the speed of a memory scan. Types without a structural check are decoded.
    case structure
    /// A decode at reduced size: also finds corrupt compressed data, at the cost of a decode per image.
    case decode
}
