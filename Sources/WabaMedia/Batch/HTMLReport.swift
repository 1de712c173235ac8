public import Foundation

/// A batch check as one self-contained HTML page: a summary, then one card per asset (a
/// thumbnail, a video's poster frame or an icon, the name, the verdict as a badge, an audio file's
/// duration and level, the findings with their hints and what `prepare` would do), rejected assets
/// first, filtered by verdict in the page with pure CSS.
///
/// Nothing in the page is fetched: styles, icons, thumbnails and poster frames (small JPEGs as
/// `data:` URIs) are inside it, and it has no script. Every value (names, paths, messages, hints,
/// even the thumbnails' `data:` URIs) is escaped by ``HTMLEscaping`` on its way into
/// ``Templates``, and the page's policy allows no script, no form, and no style but its own sheet.
///
/// Cards are made one asset at a time and kept by ``HTMLReportWriter`` in temporary files until the
/// counts for the summary are known, so memory stays flat whatever the number of assets.
public struct HTMLReport: Sendable {
    public var title: String
    /// The limits the assets were checked against, for the estimate of the bytes after `prepare`.
    public var profile: MediaProfile
    /// The long edge of thumbnails, in pixels.
    public var thumbnailEdge: Int
    /// The ffmpeg that makes videos' poster frames and measures audio levels (``MediaPreview``);
    /// ``FFmpegChoice/none`` leaves them out (each such card then says so).
    public var ffmpeg: FFmpegChoice

    public init(
        title: String = "wamedia check", profile: MediaProfile, thumbnailEdge: Int = 160,
        ffmpeg: FFmpegChoice = .installed
    ) {
        self.title = title
        self.profile = profile
        self.thumbnailEdge = thumbnailEdge
        self.ffmpeg = ffmpeg
    }

    /// One asset's card, ready to be placed in the page.
    public struct Card: Sendable {
        public var verdict: Verdict
        public var html: String
        /// The asset's size, and the estimate of its size once prepared (0 when it cannot be sent).
        public var bytesBefore: Int
        public var bytesAfter: Int
    }

    /// The preview of a local video or audio file (``MediaPreview``): an ffmpeg run, awaited
    /// without holding a thread. nil for anything else, and for files given by URL.
    public func preview(for result: BatchResult) async -> MediaPreview? {
        await previews(for: [result]).first ?? nil
    }

    /// The previews of `results`, in their order, all of one media type: one ffmpeg run for them
    /// all (``MediaPreview/make(_:mediaType:ffmpeg:)``). nil for files given by URL and for media
    /// types without a preview.
    public func previews(for results: [BatchResult]) async -> [MediaPreview?] {
        let local = results.indices.filter { !results[$0].report.inspection.file.contains("://") }
        guard let mediaType = local.first.map({ results[$0].report.mediaType }) else {
            return results.map { _ in nil }
        }
        let made = await MediaPreview.make(
            local.map {
                (
                    path: results[$0].report.inspection.file,
                    durationSeconds: results[$0].report.inspection.av?.durationSeconds
                )
            }, mediaType: mediaType, ffmpeg: ffmpeg)
        var previews = [MediaPreview?](repeating: nil, count: results.count)
        for (index, preview) in zip(local, made) { previews[index] = preview }
        return previews
    }

    /// The card for one asset, with its ``preview(for:)`` when it has one. Makes its thumbnail (a
    /// decode at reduced size for most images): the costly part of a report, safe to call from
    /// several threads at once.
    public func card(for result: BatchResult, preview: MediaPreview? = nil) -> Card {
        let report = result.report
        let inspection = report.inspection
        var values: [String: Any] = [
            "verdict": report.verdict.rawValue,
            "name": inspection.fileName.isEmpty ? inspection.file : inspection.fileName,
            "path": inspection.file,
            "mediaType": report.mediaType.rawValue,
            "mime": inspection.mime.rawValue,
            "size": ByteCount(inspection.size).description,
            "findings": report.findings.map {
                ["severity": $0.severity.rawValue, "code": $0.code.rawValue, "message": $0.message, "hint": $0.hint]
            },
            "hasFindings": !report.findings.isEmpty,
            "steps": report.plannedSteps,
            "hasSteps": !report.plannedSteps.isEmpty,
        ]
        if result.origin != inspection.file { values["origin"] = result.origin }
        if let image = inspection.image { values["dimensions"] = "\(image.width)×\(image.height)" }
        if let name = report.suggestedFileName { values["suggestedName"] = name }
        if let first = result.duplicateOf { values["duplicateOf"] = first }
        values.merge(preview?.templateValues ?? [:]) { _, new in new }
        if let thumbnail = ReportThumbnail.dataURI(for: report, longEdge: thumbnailEdge) {
            values["thumbnail"] = thumbnail
        } else if values["poster"] == nil {
            values["icon"] = Self.icon(for: report)
        }
        return Card(
            verdict: report.verdict, html: Templates.library.render("card", values), bytesBefore: inspection.size,
            bytesAfter: estimatedSizeAfterPrepare(report))
    }

    /// What an asset weighs once `prepare` ran, as an estimate that needs no transformation: `ok`
    /// assets are sent as they are; fixable images are re-encoded within the profile's byte budget
    /// (counted at the smaller of their size and that budget); fixable audio and video are rewritten
    /// without re-encoding (their size); rejected assets are not sent (0).
    public func estimatedSizeAfterPrepare(_ report: ValidationReport) -> Int {
        switch report.verdict {
        case .ok: report.inspection.size
        case .rejected: 0
        case .fixable:
            report.mediaType == .image
                ? min(report.inspection.size, profile.maxBytes(for: .image)) : report.inspection.size
        }
    }

    /// The page up to the first card: styles, icons, the summary and the filter.
    public func opening(summary: BatchSummary, bytesBefore: Int, bytesAfter: Int) -> String {
        let common = summary.findings.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.prefix(8)
        let values: [String: Any] = [
            "title": title,
            "total": summary.total,
            "ok": summary.count(.ok), "fixable": summary.count(.fixable), "rejected": summary.count(.rejected),
            "findings": common.map { ["code": $0.key, "count": $0.value] },
            "hasFindings": !common.isEmpty,
            "duplicates": summary.duplicates > 0 ? summary.duplicates : false,
            "bytesBefore": ByteCount(bytesBefore).description,
            "bytesAfter": ByteCount(bytesAfter).description,
            "policy": Templates.policy,
            "style": TrustedHTML(Templates.style),
            "icons": TrustedHTML(Templates.icons),
        ]
        return Templates.library.render("opening", values)
    }

    /// The heading of each verdict's group of cards.
    public func groupHeading(_ verdict: Verdict, count: Int) -> String {
        Templates.library.render("group", ["verdict": verdict.rawValue, "count": count])
    }

    public var closing: String { "</main>\n</body>\n</html>\n" }

    /// Which icon stands for an asset without a thumbnail.
    static func icon(for report: ValidationReport) -> String {
        if report.inspection.file.contains("://") { return "link" }
        if report.inspection.image != nil || report.mediaType == .image { return "image" }
        switch report.mediaType {
        case .audio: return "audio"
        case .video: return "video"
        case .image: return "image"
        case .document: return "document"
        }
    }
}
