@testable import WabaMedia

/// The report `check` gives on the image at `path`, planned with `profile`.
func imageReport(_ path: String, profile: MediaProfile = .whatsappCloud) throws -> ValidationReport {
    let inspection = try MediaInspector(detector: try MIMEDetector()).inspect(path: path)
    return concluded(inspection, as: .image, profile: profile)
}

/// The image at `path` fitted as `send` fits it: a conforming file passes through.
func fittedAsSent(_ path: String, profile: MediaProfile = .whatsappCloud) throws -> FittedImage {
    try ImageFitter(profile: profile, options: .init(passThroughConforming: true)).fit(path: path)
}
