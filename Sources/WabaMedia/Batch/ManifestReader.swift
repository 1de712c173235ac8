import Foundation

/// Reads a manifest row by row, never whole.
///
/// Columns (CSV header) or keys (JSON Lines): `media` (a path, relative to the manifest's folder, or an
/// `http(s)` URL), and optionally `media_type`, `caption`, `file_name`. Other columns are ignored.
/// A row that cannot be read is yielded as ``BatchEntry/invalid(_:)`` naming its line and what is wrong.
public final class ManifestReader: Sequence, IteratorProtocol {
    public struct Source: Sendable, Hashable {
        public var path: String
        public var format: ManifestFormat?
        public var limits: Limits
        /// More columns (keys) to read besides the asset's, by their lower-case names: they end up in
        /// ``BatchAsset/columns`` (the recipients of a campaign sent from it, say). JSON strings, numbers and booleans
        /// are read as text.
        public var extraColumns: Set<String>

        /// - Parameter format: nil to go by the file's extension.
        public init(
            path: String, format: ManifestFormat? = nil, limits: Limits = Limits(), extraColumns: Set<String> = []
        ) {
            self.path = path
            self.format = format
            self.limits = limits
            self.extraColumns = extraColumns
        }
    }

    /// How much of a manifest is read. A manifest is text a person or a script wrote; what is far
    /// beyond these (`/dev/zero`, a video named `.csv`, an endless pipe) is refused, never buffered
    /// or read forever.
    public struct Limits: Sendable, Hashable {
        /// The longest line (or quoted CSV row spanning lines); a longer one is a finding for its row.
        public var maxLineBytes: Int
        /// The most bytes read from one manifest; past it, reading stops with a finding.
        public var maxBytes: Int

        public static let defaultMaxLineBytes = 1 << 20
        public static let defaultMaxBytes = 256 << 20

        public init(maxLineBytes: Int = defaultMaxLineBytes, maxBytes: Int = defaultMaxBytes) {
            self.maxLineBytes = Swift.max(1, maxLineBytes)
            self.maxBytes = Swift.max(1, maxBytes)
        }
    }

    public let path: String
    public let format: ManifestFormat
    private let folder: String
    private let displayName: String
    private let lines: LineReader
    private var columns: [String: Int] = [:]
    /// The header's column names as written, for messages.
    private var columnNames: [String] = []
    private var columnCount = 0
    private let limits: Limits
    private let extraColumns: Set<String>
    /// Whether the size limit was reported, after which nothing more is yielded.
    private var reportedLimit = false

    /// Opens the manifest and, for CSV, reads its header.
    /// - Throws: ``WabaMediaError`` when it cannot be opened, its format is unknown, or the header has no `media`.
    public init(_ source: Source) throws {
        guard let format = source.format ?? ManifestFormat(path: source.path) else {
            throw WabaMediaError(
                .invalidArgument, "cannot tell the format of the manifest \(source.path) from its extension",
                hint: "name it .csv or .jsonl, or give --manifest-format csv|jsonl")
        }
        self.path = source.path
        self.format = format
        self.displayName = source.path
        self.folder = URL(fileURLWithPath: source.path).deletingLastPathComponent().path
        self.limits = source.limits
        self.extraColumns = source.extraColumns
        self.lines = try LineReader(path: source.path, limits: source.limits)
        if format == .csv { try readHeader() }
    }

    private func readHeader() throws {
        while let (lineNumber, record) = nextCSVRecord() {
            let fields: [String]
            switch record {
            case .success(let parsed): fields = parsed
            case .failure(let problem):
                throw WabaMediaError(
                    .invalidArgument, "\(displayName):\(lineNumber): the header cannot be read: \(problem.message)",
                    hint: "the first line must name the columns, e.g. media,media_type,caption,file_name")
            }
            guard !lines.overSize else { throw sizeError() }
            if fields.count == 1 && fields[0].trimmingCharacters(in: .whitespaces).isEmpty { continue }
            columnCount = fields.count
            columnNames = fields
            for (index, name) in fields.enumerated() {
                let key = Self.canonicalKey(name)
                if columns[key] == nil { columns[key] = index }
            }
            guard columns["media"] != nil else {
                throw WabaMediaError(
                    .invalidArgument,
                    "\(displayName): the header has no 'media' column (it has: \(fields.joined(separator: ", ")))",
                    hint: "the first line must name the columns, e.g. media,media_type,caption,file_name")
            }
            return
        }
        if lines.overSize { throw sizeError() }
        throw WabaMediaError(
            .invalidArgument, "\(displayName) is empty: it has no header row",
            hint: "the first line must name the columns, e.g. media,media_type,caption,file_name")
    }

    private func sizeError() -> WabaMediaError {
        WabaMediaError(
            .invalidArgument,
            "\(displayName) is over \(limits.maxBytes) bytes before its header ends: it is not a manifest",
            hint: "give a .csv or .jsonl file; raise the limit with --manifest-max-bytes if it really is one")
    }

    static func canonicalKey(_ name: String) -> String {
        let key = name.trimmingCharacters(in: .whitespaces).lowercased()
        switch key {
        case "type", "mediatype", "media-type": return "media_type"
        case "filename", "file-name", "name": return "file_name"
        case "url", "path", "file": return "media"
        default: return key
        }
    }

    public func next() -> BatchEntry? {
        guard !reportedLimit else { return nil }
        let entry =
            switch format {
            case .csv: nextCSVEntry()
            case .jsonl: nextJSONEntry()
            }
        if entry == nil, lines.overSize {
            // Never a silent end: the rest of the manifest is not checked, and the run says so.
            reportedLimit = true
            var limit = InvalidInput(
                origin: origin(lines.lineNumber + 1), subject: displayName,
                finding: Finding(
                    .manifestLimit, .rejected,
                    message:
                        "\(displayName): reading stopped after \(limits.maxBytes) bytes (\(lines.lineNumber) lines); the rest is not checked",
                    hint: "split the manifest, or raise the limit with --manifest-max-bytes"))
            limit.line = lines.lineNumber + 1
            return .invalid(limit)
        }
        return entry
    }

    // MARK: - CSV

    private func nextCSVEntry() -> BatchEntry? {
        while let (lineNumber, record) = nextCSVRecord() {
            switch record {
            case .failure(let problem):
                return invalid(lineNumber, subject: problem.subject, problem.message, hint: problem.hint)
            case .success(let fields):
                if fields.allSatisfy({ $0.trimmingCharacters(in: .whitespaces).isEmpty }) { continue }
                guard fields.count == columnCount else {
                    return invalid(
                        lineNumber, subject: fields.joined(separator: ","),
                        "the row has \(fields.count) field\(fields.count == 1 ? "" : "s") but the header has \(columnCount)",
                        hint: "quote fields that contain commas, e.g. \"a, b\"; double quotes inside quotes")
                }
                func field(_ key: String) -> String? {
                    guard let index = columns[key] else { return nil }
                    let value = fields[index]
                    return value.isEmpty ? nil : value
                }
                var extras: [String: String] = [:]
                for key in extraColumns { extras[key] = field(key) }
                return entry(
                    line: lineNumber, media: field("media"), mediaType: field("media_type"), caption: field("caption"),
                    fileName: field("file_name"), extras: extras)
            }
        }
        return nil
    }

    private struct RowProblem: Error {
        var message: String
        var subject: String
        var hint: String?
    }

    private func tooLong(_ start: [UInt8]) -> RowProblem {
        RowProblem(
            message:
                "the line is longer than \(limits.maxLineBytes) bytes (a binary file, or raise --manifest-max-line-bytes)",
            subject: String(decoding: start.prefix(200), as: UTF8.self) + " …")
    }

    /// The next CSV record, which may span several lines when a quoted field holds a line break.
    private func nextCSVRecord() -> (Int, Result<[String], RowProblem>)? {
        guard let (firstLine, first) = lines.next() else { return nil }
        if lines.lastLineWasCut { return (firstLine, .failure(tooLong(first))) }
        var fields: [String] = []
        var field: [UInt8] = []
        var inQuotes = false
        var afterQuote = false
        var line = first
        var consumed = 0
        while true {
            var index = 0
            while index < line.count {
                let byte = line[index]
                index += 1
                if inQuotes {
                    if byte == UInt8(ascii: "\"") {
                        if index < line.count && line[index] == UInt8(ascii: "\"") {
                            field.append(byte)
                            index += 1
                        } else {
                            inQuotes = false
                            afterQuote = true
                        }
                    } else {
                        field.append(byte)
                    }
                } else if byte == UInt8(ascii: ",") {
                    guard let text = String(validating: field, as: UTF8.self) else {
                        return (firstLine, .failure(notUTF8(field, column: fields.count, row: first)))
                    }
                    fields.append(text)
                    field.removeAll(keepingCapacity: true)
                    afterQuote = false
                } else if afterQuote {
                    if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") { continue }
                    return (
                        firstLine,
                        .failure(
                            RowProblem(
                                message:
                                    "unexpected '\(Character(Unicode.Scalar(byte)))' after a closing quote (column \(fields.count + 1))",
                                subject: String(decoding: first, as: UTF8.self)))
                    )
                } else if byte == UInt8(ascii: "\"") && field.allSatisfy({ $0 == UInt8(ascii: " ") }) {
                    field.removeAll()
                    inQuotes = true
                } else {
                    field.append(byte)
                }
            }
            guard inQuotes else { break }
            consumed += line.count + 1
            guard consumed < limits.maxLineBytes, let (_, more) = lines.next(), !lines.lastLineWasCut else {
                return (
                    firstLine,
                    .failure(
                        RowProblem(
                            message: "a quoted field opened on this line is never closed",
                            subject: String(decoding: first.prefix(200), as: UTF8.self)))
                )
            }
            field.append(UInt8(ascii: "\n"))
            line = more
        }
        guard let text = String(validating: field, as: UTF8.self) else {
            return (firstLine, .failure(notUTF8(field, column: fields.count, row: first)))
        }
        fields.append(text)
        return (firstLine, .success(fields))
    }

    /// The problem of a field that is not UTF-8, naming its column (by the header's name once it is
    /// read) and its first bad byte. A value is never sent with its bytes replaced by U+FFFD: a caption
    /// would go out changed and nobody told.
    private func notUTF8(_ field: [UInt8], column index: Int, row: [UInt8]) -> RowProblem {
        let column = index < columnNames.count ? "'\(columnNames[index])'" : "\(index + 1)"
        return RowProblem(
            message:
                "the value in column \(column) is not valid UTF-8 (\(UTF8Check.firstInvalidByte(in: field)))",
            subject: String(decoding: row.prefix(200), as: UTF8.self),
            hint: "save the manifest as UTF-8 (most spreadsheet programs offer \"CSV UTF-8\")")
    }

    // MARK: - JSON Lines

    private func nextJSONEntry() -> BatchEntry? {
        while let (lineNumber, line) = lines.next() {
            if lines.lastLineWasCut {
                let problem = tooLong(line)
                return invalid(lineNumber, subject: problem.subject, problem.message)
            }
            let trimmed = line.drop { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") }
            if trimmed.isEmpty { continue }
            let text = String(decoding: line.prefix(200), as: UTF8.self)
            if String(validating: line, as: UTF8.self) == nil {
                return invalid(
                    lineNumber, subject: text,
                    "the line is not valid UTF-8 (\(UTF8Check.firstInvalidByte(in: line)))\(Self.keysNotUTF8(line))",
                    hint: "write the manifest as UTF-8 (JSON text is UTF-8)")
            }
            let object: Any
            do {
                object = try JSONSerialization.jsonObject(with: Data(line), options: [.fragmentsAllowed])
            } catch {
                return invalid(
                    lineNumber, subject: text, "the line is not valid JSON",
                    hint: "write one JSON object per line, e.g. {\"media\": \"photo.jpg\", \"media_type\": \"image\"}")
            }
            guard let dictionary = object as? [String: Any] else {
                return invalid(
                    lineNumber, subject: text, "the line is JSON but not an object",
                    hint: "write one JSON object per line, e.g. {\"media\": \"photo.jpg\", \"media_type\": \"image\"}")
            }
            var values: [String: String] = [:]
            var extras: [String: String] = [:]
            for (key, value) in dictionary {
                let canonical = Self.canonicalKey(key)
                if extraColumns.contains(canonical) {
                    switch value {
                    case let string as String where !string.isEmpty: extras[canonical] = string
                    // A boolean reads as "true"/"false" or "1"/"0", depending on the platform.
                    case let number as NSNumber: extras[canonical] = number.stringValue
                    case is String, is NSNull: continue
                    default:
                        return invalid(
                            lineNumber, subject: text, "'\(key)' must be a string, not \(Self.describeJSON(value))",
                            hint: "quote the value")
                    }
                    continue
                }
                guard ["media", "media_type", "caption", "file_name"].contains(canonical) else { continue }
                switch value {
                case let string as String: values[canonical] = string
                case is NSNull: continue
                default:
                    return invalid(
                        lineNumber, subject: text, "'\(key)' must be a string, not \(Self.describeJSON(value))",
                        hint: "quote the value")
                }
            }
            return entry(
                line: lineNumber, media: values["media"].flatMap { $0.isEmpty ? nil : $0 },
                mediaType: values["media_type"].flatMap { $0.isEmpty ? nil : $0 },
                caption: values["caption"], fileName: values["file_name"].flatMap { $0.isEmpty ? nil : $0 },
                extras: extras)
        }
        return nil
    }

    /// The keys of a JSON line that is not UTF-8 whose values hold the bad bytes, as
    /// `: in 'caption'`, or nothing when they cannot be told (the line is not JSON even so).
    private static func keysNotUTF8(_ line: [UInt8]) -> String {
        let lossy = Data(String(decoding: line, as: UTF8.self).utf8)
        guard
            let object = try? JSONSerialization.jsonObject(with: lossy, options: [.fragmentsAllowed])
                as? [String: Any]
        else { return "" }
        let keys = object.compactMap { key, value in
            (value as? String)?.contains("\u{FFFD}") == true || key.contains("\u{FFFD}") ? key : nil
        }.sorted()
        guard !keys.isEmpty else { return "" }
        return ": in " + keys.map { "'\($0)'" }.joined(separator: ", ")
    }

    private static func describeJSON(_ value: Any) -> String {
        switch value {
        case is NSNumber: "a number or boolean"
        case is [Any]: "an array"
        case is [String: Any]: "an object"
        default: "\(type(of: value))"
        }
    }

    // MARK: - Rows to assets

    private func entry(
        line: Int, media: String?, mediaType: String?, caption: String?, fileName: String?,
        extras: [String: String]
    ) -> BatchEntry {
        guard let media = media?.trimmingCharacters(in: .whitespaces), !media.isEmpty else {
            return invalid(
                line, subject: "", "the row has no media", hint: "give a path or an https URL in the 'media' column")
        }
        var type: MediaType?
        if let mediaType = mediaType?.trimmingCharacters(in: .whitespaces), !mediaType.isEmpty {
            guard let parsed = MediaType(rawValue: mediaType.lowercased()) else {
                return invalid(
                    line, subject: media,
                    "media_type '\(mediaType)' is not one of \(MediaType.allCases.map(\.rawValue).joined(separator: ", "))",
                    hint: "use image, video, audio or document, or leave it empty to infer it from the content")
            }
            type = parsed
        }
        let location: AssetLocation
        if AssetLocation.isURL(media) {
            location = .url(media)
        } else if media.range(of: "^[A-Za-z][A-Za-z0-9+.-]*://", options: .regularExpression) != nil {
            return invalid(
                line, subject: media, "'\(media)' is neither a path nor an http(s) URL",
                hint: "give a local path (relative to the manifest's folder) or an https URL")
        } else if media.hasPrefix("/") {
            location = .file(media)
        } else {
            location = .file(folder == "/" ? "/" + media : folder + "/" + media)
        }
        var asset = BatchAsset(
            location: location, mediaType: type, caption: caption, fileName: fileName, origin: origin(line))
        asset.line = line
        asset.columns = extras
        return .asset(asset)
    }

    private func invalid(_ line: Int, subject: String, _ message: String, hint: String? = nil) -> BatchEntry {
        var invalid = InvalidInput(
            origin: origin(line), subject: subject,
            finding: Finding(
                .manifestRow, .rejected, message: "\(origin(line)): \(message)",
                hint: hint ?? "fix the row; the other rows are checked as usual"))
        invalid.line = line
        return .invalid(invalid)
    }

    /// Where line `line` of the manifest is, for people: `messages.csv:12`.
    private func origin(_ line: Int) -> String { "\(displayName):\(line)" }
}
