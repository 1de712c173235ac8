import Foundation

/// The small fields of a message, as a user gives them.
public struct MessageFields: Sendable, Hashable {
    public var channelID: String?
    public var contactID: String?
    public var threadID: String?
    /// The caption.
    public var content: String?
    /// The user's own `file_name`, used as is (sanitised).
    public var fileName: String?
    public var saveMessage: Bool

    public init(
        channelID: String? = nil, contactID: String? = nil, threadID: String? = nil, content: String? = nil,
        fileName: String? = nil, saveMessage: Bool = true
    ) {
        self.channelID = channelID
        self.contactID = contactID
        self.threadID = threadID
        self.content = content
        self.fileName = fileName
        self.saveMessage = saveMessage
    }
}

/// Media made to conform by the transform stage, in a file of its own.
public struct TransformedMedia: Sendable, Hashable, Codable {
    public var path: String
    public var mime: String
    /// What was done, in words (`resized to 4096 px`, `JPEG q82`).
    public var steps: [String]

    public init(path: String, mime: String, steps: [String] = []) {
        self.path = path
        self.mime = mime
        self.steps = steps
    }
}

/// A file that cannot be sent: the report, and the findings that stop it.
public struct MediaRejected: Error, Sendable, CustomStringConvertible {
    public var report: ValidationReport
    public var blocking: [Finding]
    public var message: String

    public var description: String { message }
}

/// A request ready to go: what was checked, how it was named, and the body to send.
public struct PreparedSend: Sendable {
    public var request: SendMediaRequest
    /// The validation of the input (nil for a URL, which is not fetched).
    public var report: ValidationReport?
    /// The validation of the transformed file, when there was one.
    public var transformedReport: ValidationReport?
    public var fileName: InferredFileName
    public var transformed: TransformedMedia?
    public var payload: SendMediaPayload
}

/// Detect → validate → transform → name → lay out the body: everything before the network.
public struct SendPreparer: Sendable {
    /// Makes a fixable file conform; returns nil when it has nothing to do.
    public typealias Transform = @Sendable (_ path: String, _ report: ValidationReport) throws -> TransformedMedia?

    public var profile: MediaProfile
    public var checker: MediaChecker
    public var namer: FileNamer
    public var transform: Transform?

    public init(profile: MediaProfile = .whatsappCloud, detector: MIMEDetector? = nil, transform: Transform? = nil)
        throws
    {
        self.profile = profile
        // One file about to be sent: a full decode costs little and catches damage the structure hides.
        self.checker = try MediaChecker(profile: profile, detector: detector, imageVerification: .decode)
        self.namer = FileNamer(profile: profile)
        self.transform = transform
    }

    /// Whether `input` is sent as a URL rather than as a file's bytes.
    public static func isURL(_ input: String) -> Bool {
        let lower = input.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// Prepares `input` (a file path or an http(s) URL) as `mediaType` (inferred from a file's content when nil).
    ///
    /// - Throws: ``WabaMediaError`` `invalid-argument` for wrong fields (before any I/O), or when the
    ///   file cannot be read; ``MediaRejected`` when the file cannot be sent.
    public func prepare(_ input: String, as mediaType: MediaType?, fields: MessageFields) throws -> PreparedSend {
        if Self.isURL(input) {
            guard let mediaType else {
                throw WabaMediaError(
                    .invalidArgument, "the media type of a URL cannot be detected without fetching it",
                    hint: "give --type image|video|audio|document")
            }
            // Fields first, so a wrong command line fails before anything else happens.
            try request(fields, mediaType, .url(input), fileName: fields.fileName).validate(profile: profile)
            let name = namer.infer(
                userFileName: fields.fileName, url: input, mime: nil, mediaType: mediaType,
                contentDigest: { FileNamer.shortDigest(of: Array(input.utf8)) })
            let request = request(fields, mediaType, .url(input), fileName: name.name)
            return PreparedSend(
                request: request, report: nil, transformedReport: nil, fileName: name, transformed: nil,
                payload: try SendMediaPayload(request, profile: profile))
        }
        if input.contains("://") {
            throw WabaMediaError(
                .invalidArgument, "\(input) is neither a local file nor an http(s) URL",
                hint: "the platform fetches only public http(s) URLs")
        }
        try request(fields, mediaType ?? .document, .file(path: input), fileName: fields.fileName)
            .validate(profile: profile)

        let report = checker.check(path: input, as: mediaType, caption: fields.content)
        let type = report.mediaType
        var blocking = report.findings.filter { $0.severity == .rejected }
        if !blocking.isEmpty { throw rejected(report, blocking, input) }

        var transformed: TransformedMedia?
        var transformedReport: ValidationReport?
        let needsTransform = report.findings.filter(Self.needsTransform)
        if !needsTransform.isEmpty {
            guard let transform else {
                throw MediaRejected(
                    report: report, blocking: needsTransform,
                    message:
                        "\(input) must be transformed before it can be sent as \(type) (\(needsTransform.map(\.code.rawValue).joined(separator: ", "))), and this build has no transform for it"
                )
            }
            if let output = try transform(input, report) {
                let check = checker.check(path: output.path, as: type, caption: fields.content)
                blocking = check.findings.filter { $0.severity == .rejected || Self.needsTransform($0) }
                if !blocking.isEmpty { throw rejected(check, blocking, input) }
                transformed = output
                transformedReport = check
            } else {
                throw MediaRejected(
                    report: report, blocking: needsTransform,
                    message:
                        "\(input) must be transformed before it can be sent as \(type), and the transform did nothing")
            }
        }

        let sentPath = transformed?.path ?? input
        let mime = transformed?.mime ?? report.effectiveMIME
        let name = try namer.infer(
            userFileName: fields.fileName, inputPath: input, mime: mime, mediaType: type,
            contentDigest: { try FileNamer.shortDigest(of: FileSource(path: sentPath)) })
        let request = request(fields, type, .file(path: sentPath), fileName: name.name)
        return PreparedSend(
            request: request, report: report, transformedReport: transformedReport, fileName: name,
            transformed: transformed, payload: try SendMediaPayload(request, profile: profile))
    }

    /// A fixable finding that only the transform stage can fix; a misleading extension is fixed by naming.
    static func needsTransform(_ finding: Finding) -> Bool {
        finding.severity == .fixable && finding.code != .extensionMismatch
    }

    private func request(_ fields: MessageFields, _ type: MediaType, _ data: MediaData, fileName: String?)
        -> SendMediaRequest
    {
        SendMediaRequest(
            channelID: fields.channelID, contactID: fields.contactID, mediaType: type, mediaData: data,
            content: fields.content, fileName: fileName, threadID: fields.threadID, saveMessage: fields.saveMessage)
    }

    private func rejected(_ report: ValidationReport, _ blocking: [Finding], _ input: String) -> MediaRejected {
        let reasons = blocking.map { "\($0.code): \($0.message)" }.joined(separator: "; ")
        return MediaRejected(
            report: report, blocking: blocking, message: "\(input) cannot be sent as \(report.mediaType): \(reasons)")
    }
}
