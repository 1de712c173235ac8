@testable import WabaMedia

/// The report `check` makes on `inspection`: the validator's findings, concluded by the planner
/// with `ffmpeg` (none unless given).
func concluded(
    _ inspection: Inspection, as type: MediaType?, profile: MediaProfile = .whatsappCloud, keepMetadata: Bool = false,
    ffmpeg: FFmpegCapabilities = .none
) -> ValidationReport {
    PreparationPlanner(profile: profile, options: .init(keepMetadata: keepMetadata), ffmpeg: ffmpeg)
        .conclude(MediaValidator(profile: profile, keepMetadata: keepMetadata).validate(inspection, as: type))
}
