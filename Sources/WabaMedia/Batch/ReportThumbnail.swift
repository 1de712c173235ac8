import Foundation

/// Small previews of images for reports, as `data:` URIs, made without ever holding a full-size image.
///
/// An image already small in bytes and pixels is embedded as it is, since a browser shows it at
/// thumbnail size and re-encoding it would cost a decode for no smaller file. Anything else is opened
/// with shrink-on-load (a JPEG decodes at 1/2, 1/4 or 1/8 of its size), turned upright and into 8-bit
/// sRGB, flattened onto white and saved as a small JPEG.
enum ReportThumbnail {
    /// Images up to this many bytes, of a type every browser shows, are embedded as they are: no
    /// larger than a thumbnail would be, so a report's size stays bounded by its number of assets.
    static let embedAsIsBytes = 3_000
    /// ... and only up to this many pixels, so a tiny file cannot make the browser decode a huge canvas.
    static let embedAsIsPixels = 1_000_000
    /// Larger images are not decoded for a preview at all (the check refuses most of them anyway).
    static let maxPixels = 50_000_000
    /// Small thumbnails survive a low JPEG quality: 50 keeps a 160 px preview near 3 kB.
    static let quality = 50
    /// JPEG has no alpha: transparent areas are shown on white, as a page shows them.
    static let white = RGBColour.white
    static let browserTypes: Set<MIMEType> = [.jpeg, .png, .gif, .webp]

    /// The preview of the image `report` describes, or nil when it is not a local, intact, readable image.
    static func dataURI(for report: ValidationReport, longEdge: Int) -> String? {
        let inspection = report.inspection
        guard let image = inspection.image, inspection.imageDamage == nil, !inspection.file.contains("://"),
            ImageInfo.loaders[inspection.mime] != nil
        else { return nil }
        let pixels = image.width * image.height
        guard pixels > 0, pixels <= maxPixels else { return nil }
        do {
            if inspection.size <= embedAsIsBytes, pixels <= embedAsIsPixels, browserTypes.contains(inspection.mime),
                image.orientation == 1
            {
                let source = try FileSource(path: inspection.file)
                let bytes = try source.read(at: 0, count: min(source.size, embedAsIsBytes))
                guard bytes.count == inspection.size else { return nil }
                return "data:\(inspection.mime);base64," + Data(bytes).base64EncodedString()
            }
            try Vips.start()
            var thumbnail = try ImageSource.file(FileSource(path: inspection.file)).uprightSRGB8(
                mime: inspection.mime, info: image, longEdge: longEdge)
            if thumbnail.shape.hasAlpha { thumbnail = try thumbnail.flatten(onto: Self.white) }
            let jpeg = try thumbnail.jpeg(quality: quality)
            guard !jpeg.isEmpty else { return nil }
            return "data:image/jpeg;base64," + Data(jpeg).base64EncodedString()
        } catch {
            // A preview is a courtesy: the card still shows the file's name, verdict and findings.
            return nil
        }
    }
}
