/// The verdict on one file for one media type, with the findings behind it and what preparation
/// does about them.
///
/// The ``MediaValidator`` makes it from an inspection, with its findings; the
/// ``PreparationPlanner`` concludes it: the findings as a transcode leaves them, and the
/// ``plan``. The verdict is derived from the findings, never stored beside them: adding or
/// removing a finding goes through ``adding(_:)`` and ``removing(_:)``, and the verdict follows.
public struct ValidationReport: Sendable, Hashable, Encodable {
    public var inspection: Inspection
    public var mediaType: MediaType
    public internal(set) var findings: [Finding]
    /// The MIME type the file is sent as (a CSV document is sent as `text/plain`).
    public var effectiveMIME: MIMEType
    /// The name the file should carry, when its own name's extension misleads.
    public var suggestedFileName: String?
    /// What preparation does to the file, once the planner has concluded; nil before that.
    public internal(set) var plan: PreparationPlan?

    /// The worst of the findings.
    public var verdict: Verdict { Verdict(findings: findings) }

    /// What `prepare` would do to make a fixable file conform, in words: the plan's, for a
    /// fixable file; none for any other.
    public var plannedSteps: [String] {
        guard verdict == .fixable, let plan else { return [] }
        return plan.plannedSteps
    }

    public init(
        inspection: Inspection, mediaType: MediaType, findings: [Finding], effectiveMIME: MIMEType,
        suggestedFileName: String? = nil
    ) {
        self.inspection = inspection
        self.mediaType = mediaType
        self.findings = findings
        self.effectiveMIME = effectiveMIME
        self.suggestedFileName = suggestedFileName
    }

    /// A rejected report for content that could not be read or named at all: one finding, `code`
    /// (`unreadable` unless told), saying why.
    public static func unreadable(
        _ subject: String, as mediaType: MediaType, error: any Error, code: Finding.Code = .unreadable
    ) -> ValidationReport {
        let reason = WabaMediaError.wrapping(error, about: subject, as: .ioError)
        return unreadable(
            subject, as: mediaType,
            finding: Finding(
                code, .rejected, message: reason.message,
                hint: reason.hint ?? "check that the file exists and is readable"))
    }

    /// A rejected report standing in for something that names nothing checkable.
    public static func unreadable(_ subject: String, as mediaType: MediaType, finding: Finding) -> ValidationReport {
        let inspection = Inspection(file: subject, size: 0, detection: .unknown)
        return ValidationReport(
            inspection: inspection, mediaType: mediaType, findings: [finding], effectiveMIME: inspection.mime)
    }

    /// The report with `finding` added.
    public func adding(_ finding: Finding) -> ValidationReport {
        var report = self
        report.findings.append(finding)
        return report
    }

    /// The report with `more` findings added.
    public func adding(contentsOf more: some Sequence<Finding>) -> ValidationReport {
        var report = self
        report.findings.append(contentsOf: more)
        return report
    }

    /// The report with `more` findings put before the ones it has: what a caller found first.
    public func adding(contentsOf more: some Sequence<Finding>, first: Bool) -> ValidationReport {
        guard first else { return adding(contentsOf: more) }
        var report = self
        report.findings.insert(contentsOf: Array(more), at: 0)
        return report
    }

    /// The report without findings of `code`.
    public func removing(_ code: Finding.Code) -> ValidationReport {
        var report = self
        report.findings.removeAll { $0.code == code }
        return report
    }

    /// The findings that stop a send: rejections.
    public var rejections: [Finding] { findings.filter { $0.severity == .rejected } }

    /// The fixable findings only a transform can fix: a misleading extension is fixed by naming.
    public var findingsNeedingTransform: [Finding] {
        findings.filter { $0.severity == .fixable && $0.blocksSend }
    }

    /// What stops the file from being sent as it is: the platform refuses it, or it must be transformed.
    public var findingsBlockingSend: [Finding] {
        findings.filter(\.blocksSend)
    }

    enum CodingKeys: String, CodingKey {
        case file, size, mime, verdict, findings, detection, image, av
        case mediaType = "media_type"
        case effectiveMIME = "effective_mime"
        case suggestedFileName = "suggested_file_name"
        case plannedSteps = "planned_steps"
        case imageDamage = "image_damage"
    }

    /// One flat object: what scripts read first (`file`, `media_type`, `mime`, `size`, `verdict`,
    /// `findings`) at the top, the inspection's details after.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inspection.file, forKey: .file)
        try container.encode(mediaType, forKey: .mediaType)
        try container.encode(inspection.mime, forKey: .mime)
        try container.encode(inspection.size, forKey: .size)
        try container.encode(verdict, forKey: .verdict)
        try container.encode(findings, forKey: .findings)
        if effectiveMIME != inspection.mime { try container.encode(effectiveMIME, forKey: .effectiveMIME) }
        try container.encodeIfPresent(suggestedFileName, forKey: .suggestedFileName)
        try container.encode(plannedSteps, forKey: .plannedSteps)
        try container.encode(inspection.detection, forKey: .detection)
        try container.encodeIfPresent(inspection.image, forKey: .image)
        try container.encodeIfPresent(inspection.av, forKey: .av)
    }
}
