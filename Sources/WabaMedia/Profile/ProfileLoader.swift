import Foundation
import Yams

extension MediaProfile {
    /// The default profile: WhatsApp Cloud API limits, compiled into the library.
    public static let whatsappCloud: MediaProfile = {
        do {
            return try MediaProfile(yaml: BundledProfiles.sources["whatsapp-cloud"]!, origin: "whatsapp-cloud")
        } catch {
            preconditionFailure("the bundled default profile does not parse: \(error)")
        }
    }()

    /// The names of the profiles compiled into the library.
    public static var bundledNames: [String] { BundledProfiles.sources.keys.sorted() }

    /// Parses a profile from YAML text.
    ///
    /// - Parameter origin: where the text came from, named in error messages.
    /// - Throws: ``WabaMediaError`` with code `invalid-profile`, naming the key at fault.
    public init(yaml: String, origin: String) throws {
        let node: Node?
        do {
            node = try Yams.compose(yaml: yaml)
        } catch {
            throw WabaMediaError(
                .invalidProfile, "profile \(origin) is not valid YAML: \(error)",
                hint: "check the indentation and quoting near the position given")
        }
        guard let root = node?.mapping else {
            throw WabaMediaError(
                .invalidProfile, "profile \(origin) must be a YAML mapping with keys such as 'name' and 'image'")
        }
        let map = ProfileMap(mapping: root, path: "", origin: origin)
        try map.rejectUnknownKeys([
            "name", "description", "caption_max_characters", "image", "video", "audio", "document",
        ])
        let imageMap = try map.map("image")
        try imageMap.rejectUnknownKeys([
            "max_bytes", "formats", "convertible", "max_input_pixels", "max_long_edge",
            "jpeg_quality", "background", "keep_png_for_alpha", "require_rgb", "require_srgb",
        ])
        let qualityMap = try imageMap.map("jpeg_quality")
        try qualityMap.rejectUnknownKeys(["min", "max"])
        let quality = QualityRange(
            min: try qualityMap.int("min", in: 1...100), max: try qualityMap.int("max", in: 1...100))
        guard quality.min <= quality.max else {
            throw map.error(at: "image.jpeg_quality", "min (\(quality.min)) must not be above max (\(quality.max))")
        }
        let backgroundText = try imageMap.string("background")
        guard let background = RGBColour(hex: backgroundText) else {
            throw map.error(at: "image.background", "'\(backgroundText)' is not a colour; write it as #rrggbb")
        }
        let videoMap = try map.map("video")
        try videoMap.rejectUnknownKeys([
            "max_bytes", "formats", "remuxable", "video_codecs", "audio_codecs", "max_audio_streams",
            "h264_warn_profiles", "h264_reject_profiles", "fix_b_frames", "max_animation_seconds",
        ])
        let audioMap = try map.map("audio")
        try audioMap.rejectUnknownKeys([
            "max_bytes", "formats", "ogg_codecs", "ogg_mono_only", "voice_note_max_bytes", "transcode_to",
        ])
        let transcodeTo = try audioMap.optionalString("transcode_to")
        guard let audioTarget = AudioTarget(rawValue: transcodeTo ?? "auto") else {
            throw map.error(
                at: "audio.transcode_to",
                "'\(transcodeTo ?? "")' is not one of \(AudioTarget.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let documentMap = try map.map("document")
        try documentMap.rejectUnknownKeys(["max_bytes", "formats", "text_variants_as_plain"])

        self.init(
            name: try map.string("name"),
            summary: try map.optionalString("description"),
            captionMaxCharacters: try map.int("caption_max_characters", in: 1...65_536),
            image: ImageRules(
                maxBytes: try imageMap.int("max_bytes", in: 1...Int.max),
                formats: try imageMap.formats("formats"),
                convertible: try imageMap.mimeTypes("convertible"),
                maxInputPixels: try imageMap.int("max_input_pixels", in: 1...Int.max),
                maxLongEdge: try imageMap.int("max_long_edge", in: 16...65_500),
                jpegQuality: quality,
                background: background,
                keepPNGForAlpha: try imageMap.bool("keep_png_for_alpha"),
                requireRGB: try imageMap.optionalBool("require_rgb") ?? true,
                requireSRGB: try imageMap.optionalBool("require_srgb") ?? true),
            video: VideoRules(
                maxBytes: try videoMap.int("max_bytes", in: 1...Int.max),
                formats: try videoMap.formats("formats"),
                remuxable: try videoMap.mimeTypes("remuxable"),
                videoCodecs: try videoMap.strings("video_codecs"),
                audioCodecs: try videoMap.strings("audio_codecs"),
                maxAudioStreams: try videoMap.int("max_audio_streams", in: 0...64),
                h264WarnProfiles: try videoMap.strings("h264_warn_profiles"),
                h264RejectProfiles: try videoMap.strings("h264_reject_profiles"),
                fixesBFrames: try videoMap.optionalBool("fix_b_frames") ?? true,
                maxAnimationSeconds: try videoMap.optionalInt(
                    "max_animation_seconds", in: 1...VideoRules.maxAnimationSecondsLimit)
                    ?? VideoRules.defaultMaxAnimationSeconds),
            audio: AudioRules(
                maxBytes: try audioMap.int("max_bytes", in: 1...Int.max),
                formats: try audioMap.formats("formats"),
                oggCodecs: try audioMap.strings("ogg_codecs"),
                voiceNoteMaxBytes: try audioMap.int("voice_note_max_bytes", in: 0...Int.max),
                transcodeTo: audioTarget,
                oggMonoOnly: try audioMap.optionalBool("ogg_mono_only") ?? true),
            document: DocumentRules(
                maxBytes: try documentMap.int("max_bytes", in: 1...Int.max),
                formats: try documentMap.formats("formats"),
                textVariantsAsPlain: try documentMap.bool("text_variants_as_plain")))
    }

    /// Loads a profile by bundled name (`whatsapp-cloud`) or from a YAML file path.
    ///
    /// A bare name is looked up among the bundled profiles first, then as `NAME.yaml` in
    /// each of `searchDirectories` (by default `$WAMEDIA_PROFILES` and `./profiles`).
    public static func load(
        _ nameOrPath: String, searchDirectories: [String]? = nil
    ) throws -> MediaProfile {
        let looksLikePath =
            nameOrPath.contains("/") || nameOrPath.hasSuffix(".yaml") || nameOrPath.hasSuffix(".yml")
        if !looksLikePath {
            if let source = BundledProfiles.sources[nameOrPath] {
                return try MediaProfile(yaml: source, origin: nameOrPath)
            }
            let directories = searchDirectories ?? defaultSearchDirectories()
            for directory in directories {
                for suffix in [".yaml", ".yml"] {
                    let candidate = (directory as NSString).appendingPathComponent(nameOrPath + suffix)
                    if FileManager.default.fileExists(atPath: candidate) {
                        return try load(fromFile: candidate)
                    }
                }
            }
            throw WabaMediaError(
                .profileNotFound,
                "no profile named '\(nameOrPath)': not bundled (\(bundledNames.joined(separator: ", "))) and no \(nameOrPath).yaml in \(directories.joined(separator: ", "))",
                hint: "pass a bundled name or the path of a YAML profile file")
        }
        return try load(fromFile: nameOrPath)
    }

    /// Loads a profile from a YAML file.
    public static func load(fromFile path: String) throws -> MediaProfile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw WabaMediaError(
                .profileNotFound, "cannot read profile file \(path)",
                hint: "check that the file exists and is readable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw WabaMediaError(.invalidProfile, "profile file \(path) is not UTF-8 text")
        }
        return try MediaProfile(yaml: text, origin: path)
    }

    static func defaultSearchDirectories() -> [String] {
        var directories: [String] = []
        if let fromEnvironment = ProcessInfo.processInfo.environment["WAMEDIA_PROFILES"], !fromEnvironment.isEmpty {
            directories.append(contentsOf: fromEnvironment.split(separator: ":").map(String.init))
        }
        directories.append("profiles")
        return directories
    }
}

/// A YAML mapping read with its dotted path, so every error can name the key at fault.
private struct ProfileMap {
    let mapping: Node.Mapping
    let path: String
    let origin: String

    func error(at key: String, _ problem: String) -> WabaMediaError {
        WabaMediaError(
            .invalidProfile, "profile \(origin): '\(key)' \(problem)",
            hint: "compare with profiles/whatsapp-cloud.yaml")
    }

    private func qualified(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    private func required(_ key: String) throws -> Node {
        guard let node = mapping[Node(key)] else {
            throw error(at: qualified(key), "is missing")
        }
        return node
    }

    func rejectUnknownKeys(_ allowed: Set<String>) throws {
        for key in mapping.keys {
            let name = key.string ?? "\(key)"
            if !allowed.contains(name) {
                throw error(
                    at: qualified(name),
                    "is not a known key; expected one of \(allowed.sorted().joined(separator: ", "))")
            }
        }
    }

    func map(_ key: String) throws -> ProfileMap {
        guard let mapping = try required(key).mapping else {
            throw error(at: qualified(key), "must be a mapping")
        }
        return ProfileMap(mapping: mapping, path: qualified(key), origin: origin)
    }

    func string(_ key: String) throws -> String {
        let node = try required(key)
        guard node.scalar != nil, let value = node.string, !value.isEmpty else {
            throw error(at: qualified(key), "must be a non-empty string")
        }
        return value
    }

    func optionalString(_ key: String) throws -> String? {
        guard mapping[Node(key)] != nil else { return nil }
        return try string(key)
    }

    func int(_ key: String, in range: ClosedRange<Int>) throws -> Int {
        let node = try required(key)
        guard let text = node.scalar?.string, let value = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error(at: qualified(key), "must be a whole number, found '\(node.scalar?.string ?? "a collection")'")
        }
        guard range.contains(value) else {
            throw error(at: qualified(key), "is \(value), outside \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard mapping[Node(key)] != nil else { return nil }
        return try int(key, in: range)
    }

    func optionalBool(_ key: String) throws -> Bool? {
        guard mapping[Node(key)] != nil else { return nil }
        return try bool(key)
    }

    func bool(_ key: String) throws -> Bool {
        let node = try required(key)
        guard let value = node.bool else {
            throw error(at: qualified(key), "must be true or false")
        }
        return value
    }

    func strings(_ key: String) throws -> [String] {
        guard let sequence = try required(key).sequence else {
            throw error(at: qualified(key), "must be a list, such as [a, b]")
        }
        return try sequence.enumerated().map { index, node in
            guard let value = node.string, node.scalar != nil, !value.isEmpty else {
                throw error(at: "\(qualified(key))[\(index)]", "must be a non-empty string")
            }
            return value
        }
    }

    func mimeTypes(_ key: String) throws -> [MIMEType] {
        let values = try strings(key)
        for (index, value) in values.enumerated() where !Self.isMIMEType(value) {
            throw error(at: "\(qualified(key))[\(index)]", "'\(value)' is not a MIME type such as image/jpeg")
        }
        return values.map(MIMEType.init(rawValue:))
    }

    func formats(_ key: String) throws -> [AcceptedFormat] {
        guard let sequence = try required(key).sequence, !sequence.isEmpty else {
            throw error(at: qualified(key), "must be a non-empty list of { mime, extension }")
        }
        return try sequence.enumerated().map { index, node in
            guard let entry = node.mapping else {
                throw error(at: "\(qualified(key))[\(index)]", "must be a mapping { mime, extension }")
            }
            let item = ProfileMap(mapping: entry, path: "\(qualified(key))[\(index)]", origin: origin)
            try item.rejectUnknownKeys(["mime", "extension"])
            let mime = try item.string("mime")
            guard Self.isMIMEType(mime) else {
                throw error(at: "\(item.path).mime", "'\(mime)' is not a MIME type such as image/jpeg")
            }
            let fileExtension = try item.string("extension")
            guard fileExtension.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                throw error(
                    at: "\(item.path).extension", "'\(fileExtension)' must be letters and digits, without a dot")
            }
            return AcceptedFormat(mime: MIMEType(rawValue: mime), fileExtension: fileExtension)
        }
    }

    private static func isMIMEType(_ value: String) -> Bool {
        let parts = value.split(separator: "/", omittingEmptySubsequences: false)
        return parts.count == 2 && !parts[0].isEmpty && !parts[1].isEmpty && !value.contains(" ")
    }
}
