import Foundation
public import WabaMedia

/// A campaign's manifest: the rows of `check --manifest` (`media`, `media_type`, `caption`,
/// `file_name`) plus each message's recipient (`contact_id` with `channel_id`, or `thread_id`) and an
/// optional `save_message`.
///
/// Read row by row (``rows()``), never whole. A row that cannot be sent as written (no recipient, an
/// unknown media type, a caption over the limit, a URL without a media type) becomes a ``CampaignRow``
/// with a ``CampaignRow/rejection`` naming its line, and is never sent.
public struct CampaignManifest: Sendable {
    public var source: ManifestReader.Source
    /// The channel of rows that name a contact but no `channel_id` (`--channel`).
    public var defaultChannel: String?
    /// The limits rows are checked against (the caption's length).
    public var profile: MediaProfile

    /// The recipient columns, read besides the asset's.
    public static let recipientColumns: Set<String> = ["contact_id", "channel_id", "thread_id", "save_message"]

    public init(path: String, format: ManifestFormat? = nil, defaultChannel: String? = nil, profile: MediaProfile) {
        var source = ManifestReader.Source(path: path, format: format)
        source.extraColumns = Self.recipientColumns
        self.source = source
        self.defaultChannel = defaultChannel
        self.profile = profile
    }

    /// The manifest's identity: its path and a hash of its bytes (read once, in blocks).
    public func identity() throws -> ManifestIdentity {
        ManifestIdentity(path: source.path, fingerprint: try ContentDigest.sha256(ofFileAt: source.path))
    }

    /// The rows, in order, read as they are iterated.
    ///
    /// - Throws: ``WabaMediaError`` when the manifest cannot be opened, or its header has no `media`.
    public func rows() throws -> Rows {
        Rows(reader: try ManifestReader(source), manifest: self)
    }

    /// The rows of a manifest, read as they are iterated.
    public struct Rows: Sequence, IteratorProtocol {
        let reader: ManifestReader
        let manifest: CampaignManifest

        public mutating func next() -> CampaignRow? {
            reader.next().map(manifest.row)
        }
    }

    /// One entry as a row of the campaign: a message to send, or the reason it cannot be.
    func row(_ entry: BatchEntry) -> CampaignRow {
        // Every entry of a manifest names its line.
        let line = entry.line ?? 0
        switch entry {
        case .invalid(let invalid):
            return CampaignRow(
                row: line, media: invalid.subject,
                rejection: RowError(kind: .invalidRow, message: Self.withHint(invalid.finding)))
        case .asset(let asset):
            let columns = asset.columns
            var row = CampaignRow(
                row: line, channelID: columns["thread_id"] == nil ? columns["channel_id"] ?? defaultChannel : nil,
                contactID: columns["thread_id"] == nil ? columns["contact_id"] : nil, threadID: columns["thread_id"],
                media: asset.location.description, mediaType: asset.mediaType, caption: asset.caption,
                fileName: asset.fileName)
            do {
                row.saveMessage = try Self.flag(columns["save_message"])
                try check(row, asset: asset)
            } catch let error as WabaMediaError {
                let hint = error.hint.map { " (\($0))" } ?? ""
                row.rejection = RowError(kind: .invalidRow, message: "\(asset.origin): \(error.message)\(hint)")
            } catch {
                row.rejection = RowError(kind: .invalidRow, message: "\(asset.origin): \(error)")
            }
            return row
        }
    }

    /// What can be checked of a row without reading its media: the recipient, the caption, the URL.
    private func check(_ row: CampaignRow, asset: BatchAsset) throws {
        let data: MediaData
        switch asset.location {
        case .url(let url):
            guard asset.mediaType != nil else {
                throw WabaMediaError(
                    .invalidArgument, "the media type of a URL cannot be detected without fetching it",
                    hint: "give media_type (image, video, audio or document) in the row")
            }
            data = .url(url)
        case .file(let path):
            data = .file(path: path)
        }
        if row.threadID == nil && (row.contactID == nil || row.channelID == nil) {
            let missing = row.contactID == nil ? "contact_id" : "channel_id"
            throw WabaMediaError(
                .invalidArgument, "the row has no \(missing) and no thread_id",
                hint: "give contact_id with channel_id (or --channel for every row), or thread_id")
        }
        try row.fields.request(asset.mediaType ?? .document, data, fileName: row.fileName).validate(profile: profile)
    }

    private static func flag(_ text: String?) throws -> Bool {
        guard let text else { return true }
        switch text.trimmingCharacters(in: .whitespaces).lowercased() {
        case "", "true", "1", "yes": return true
        case "false", "0", "no": return false
        default:
            throw WabaMediaError(
                .invalidArgument, "save_message '\(text)' is not true or false",
                hint: "write true or false, or leave it empty")
        }
    }

    private static func withHint(_ finding: Finding) -> String {
        finding.hint.isEmpty ? finding.message : "\(finding.message) (\(finding.hint))"
    }
}
