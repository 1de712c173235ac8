// Compiled into every fuzz target by scripts/fuzz-probes.sh.

/// WabaMediaError carries the check of the file it stopped, whose inspection, plan and findings pull
/// in the whole pipeline (detection, libvips, the planner); the parsers never throw one with a report.
public struct ValidationReport: Sendable, Hashable {
    public struct Inspection: Sendable, Hashable {
        public var file: String
    }

    public var inspection: Inspection
    public var mediaType: MediaType
}
