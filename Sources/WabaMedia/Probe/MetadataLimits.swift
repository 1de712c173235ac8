/// How large a metadata block may be before it is treated as a decompression bomb and dropped.
///
/// Compressed blocks (PNG `zTXt`, `iCCP`, compressed `iTXt`) are judged by what they inflate to,
/// found with a hard bound and never allocated whole: Pillow's limits, 1 MiB for one chunk and
/// 64 MiB for all of a file's text together, past which it refuses the file. Uncompressed blocks
/// (EXIF, plain text, JPEG APP segments, whose payloads are never compressed) may take 1 MB.
public enum MetadataLimits {
    /// The most a compressed PNG metadata chunk (`zTXt`, compressed `iTXt`, `iCCP`) may inflate to.
    public static let maxInflatedBytes = 1024 * 1024
    /// The most a PNG's compressed metadata chunks may inflate to together; chunks after that are
    /// oversized without being inflated.
    public static let maxInflatedTotalBytes = 64 * maxInflatedBytes
    /// The most an uncompressed metadata block may hold: a PNG `tEXt`, `iTXt` or `eXIf` chunk, or
    /// all the JPEG APP segments of one kind (EXIF, XMP, ICC profile, ...) together.
    public static let maxDeclaredBytes = 1_000_000

    static func isOversized(jpegSegmentsOf total: Int) -> Bool { total > maxDeclaredBytes }
}
