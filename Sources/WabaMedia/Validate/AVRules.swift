/// The profile's audio and video rules (containers, codecs, streams, voice notes) turned into
/// findings. Files whose codecs break the rules are rejected (nothing here transcodes); container
/// problems the ``ContainerRewriter`` fixes are `fixable`; each hint gives the command that fixes it.
enum AVRules {
    static func findings(for inspection: Inspection, as mediaType: MediaType, profile: MediaProfile)
        -> [Finding]
    {
        guard let av = inspection.av, mediaType == .video || mediaType == .audio else { return [] }
        let commands = FixCommands(fileName: inspection.fileName)
        var findings: [Finding] = []
        if !av.problems.isEmpty {
            findings.append(
                Finding(
                    .malformedContainer, .rejected,
                    message: "the \(av.container.displayName) file is damaged: "
                        + av.problems.prefix(3).joined(separator: "; "),
                    hint: "export or download it again; if it still plays, re-encoding may rescue it: "
                        + (mediaType == .video ? commands.convertVideo : commands.convertAudio)))
        }
        if let unread = av.trackListUnread {
            findings.append(
                Finding(
                    .tooManyTracks, .rejected,
                    message: "the \(av.container.displayName) file's tracks cannot all be read: \(unread)",
                    hint: "keep only the tracks to send, e.g. \(commands.remuxVideo)"))
        }
        switch mediaType {
        case .video:
            findings += videoFindings(
                av, inspection: inspection, rules: profile.video, commands: commands)
        case .audio:
            findings += audioFindings(av, inspection: inspection, profile: profile, commands: commands)
        default: break
        }
        return findings
    }

    // MARK: - Video

    static func videoFindings(
        _ av: AVInfo, inspection: Inspection, rules: VideoRules, commands: FixCommands
    )
        -> [Finding]
    {
        var findings: [Finding] = []
        let allowedVideo = Set(rules.videoCodecs.map { $0.lowercased() })
        let allowedAudio = Set(rules.audioCodecs.map { $0.lowercased() })
        let badVideo = av.videoTracks.filter { !allowedVideo.contains($0.codec) }
        let badAudio = av.audioTracks.filter { !allowedAudio.contains($0.codec) }
        let plan = ContainerRewriter.plan(for: av)
        let rewritable = plan.obstacle == nil

        for track in badVideo {
            findings.append(
                Finding(
                    .videoCodec, .rejected,
                    message: "the video is \(track.codecDescription), which WhatsApp does not play "
                        + "(allowed: \(rules.videoCodecs.joined(separator: ", ")))",
                    hint: "re-encode it to H.264: \(commands.convertVideo)"))
        }
        for track in badAudio {
            findings.append(
                Finding(
                    .audioCodec, .rejected,
                    message: "the video's audio is \(track.codecDescription), which WhatsApp does not accept "
                        + "(allowed: \(rules.audioCodecs.joined(separator: ", ")))",
                    hint: "re-encode the audio to AAC: "
                        + (badVideo.isEmpty ? commands.convertVideoAudioOnly : commands.convertVideo)))
        }

        let containerMIME = av.container.mime(forVideo: true)
        let accepted = rules.formats.contains { $0.mime == containerMIME }
        if !accepted {
            if rules.remuxable.contains(containerMIME) && av.container.isISOBaseMedia {
                // The validator reports the remux itself (`needs-conversion`, fixable); what only the
                // tracks tell is a movie that cannot be rewritten after all.
                if badVideo.isEmpty && badAudio.isEmpty && !rewritable && av.problems.isEmpty {
                    findings.append(
                        Finding(
                            .container, .rejected,
                            message: "a \(av.container.displayName) movie that cannot be rewritten as MP4 here: "
                                + (plan.obstacle?.description ?? "unsupported layout"),
                            hint: "rewrite it as MP4: \(commands.remuxVideo)"))
                }
            } else if badVideo.isEmpty && badAudio.isEmpty {
                findings.append(
                    Finding(
                        .container, .rejected,
                        message: "a \(av.container.displayName) file: WhatsApp takes video in MP4 or 3GP only",
                        hint: "rewrite it as MP4 (the codecs can stay): \(commands.remuxVideo)"))
            }
        }

        if av.audioTracks.count > rules.maxAudioStreams {
            let fixable = rewritable && rules.maxAudioStreams >= 1 && av.container.isISOBaseMedia
            findings.append(
                Finding(
                    .tooManyAudioStreams, fixable ? .fixable : .rejected,
                    message:
                        "\(av.audioTracks.count) audio tracks: WhatsApp takes at most \(rules.maxAudioStreams)",
                    hint: fixable
                        ? "prepare and send keep the first audio track (--audio-track N picks another, from 0); "
                            + "by hand: \(commands.keepFirstAudio)"
                        : (rules.maxAudioStreams == 0
                            ? "remove the audio: \(commands.dropAudio)"
                            : "keep one audio track: \(commands.keepFirstAudio)")))
        }

        let rejectProfiles = Set(rules.h264RejectProfiles.map { $0.lowercased() })
        let warnProfiles = Set(rules.h264WarnProfiles.map { $0.lowercased() })
        for track in av.videoTracks where track.codec == "h264" {
            if let profile = track.h264Profile {
                if rejectProfiles.contains(profile) {
                    findings.append(
                        Finding(
                            .h264Profile, .rejected,
                            message: "H.264 \(profile.h264ProfileDisplayName) profile: phones cannot decode it",
                            hint: "re-encode it in Main profile, 8-bit 4:2:0: \(commands.convertVideo)"))
                } else if warnProfiles.contains(profile) {
                    findings.append(
                        Finding(
                            .h264Profile, .warning,
                            message: "H.264 \(profile.h264ProfileDisplayName) profile: some Android clients fail "
                                + "to play it",
                            hint: "for every phone, re-encode it in Main profile: \(commands.convertVideo)"))
                }
            }
            if track.hasBFrames == true {
                findings.append(
                    Finding(
                        .bFrames, .warning,
                        message: "the H.264 video uses B-frames, which some Android clients fail to play",
                        hint: "for every phone, re-encode it without B-frames: \(commands.convertVideo)"))
            }
        }

        if av.faststart == false && !av.fragmented {
            findings.append(notFaststart(rewritable: rewritable, commands: commands))
        }
        return findings
    }

    static func notFaststart(rewritable: Bool, commands: FixCommands) -> Finding {
        Finding(
            .notFaststart, rewritable ? .fixable : .warning,
            message:
                "the index ('moov') comes after the media data: playback cannot start until the whole "
                + "file is downloaded, and URL-sent files may fail",
            hint: rewritable
                ? "prepare and send move it to the front; by hand: \(commands.faststart)"
                : "move it to the front: \(commands.faststart)")
    }

    // MARK: - Audio

    static func audioFindings(
        _ av: AVInfo, inspection: Inspection, profile: MediaProfile, commands: FixCommands
    )
        -> [Finding]
    {
        let rules = profile.audio
        var findings: [Finding] = []
        let containerMIME = av.container.mime(forVideo: false)
        if !rules.formats.contains(where: { $0.mime == containerMIME }) {
            findings.append(
                Finding(
                    .container, .rejected,
                    message: "\(av.container.displayName) audio is not accepted: WhatsApp takes "
                        + rules.formats.map { $0.fileExtension.uppercased() }.joined(separator: ", ")
                        + " (OGG with Opus only)",
                    hint: "convert it: \(commands.convertAudio), or as a voice note: \(commands.voiceNote)"))
            return findings
        }
        switch av.container {
        case .ogg:
            let allowed = Set(rules.oggCodecs.map { $0.lowercased() })
            for track in av.audioTracks where !allowed.contains(track.codec) {
                findings.append(
                    Finding(
                        .audioCodec, .rejected,
                        message: "OGG with \(track.codecDescription) audio: WhatsApp takes OGG with "
                            + rules.oggCodecs.map { $0.h264ProfileDisplayName }.joined(separator: ", ") + " only",
                        hint: "re-encode it to Opus: \(commands.voiceNote)"))
            }
            if av.audioTracks.contains(where: { $0.codec == "opus" }) {
                if let channels = av.audioTracks.first(where: { $0.codec == "opus" })?.channels,
                    channels > 1
                {
                    findings.append(
                        Finding(
                            .voiceNoteChannels, .warning,
                            message: "a voice note with \(channels) channels: voice notes should be mono",
                            hint: "make it mono: \(commands.voiceNote)"))
                }
                if inspection.size > rules.voiceNoteMaxBytes {
                    findings.append(
                        Finding(
                            .voiceNoteSize, .warning,
                            message: "a \(inspection.size)-byte voice note: only voice notes up to "
                                + "\(rules.voiceNoteMaxBytes) bytes show a play button",
                            hint: "shorten it or lower the bitrate: \(commands.smallVoiceNote)"))
                }
            }
        case .mp4, .m4a, .quicktime, .threeGP:
            let allowed = Set(profile.video.audioCodecs.map { $0.lowercased() })
            for track in av.audioTracks where !allowed.contains(track.codec) {
                findings.append(
                    Finding(
                        .audioCodec, .rejected,
                        message: "M4A with \(track.codecDescription) audio: WhatsApp takes AAC in M4A",
                        hint: "re-encode it to AAC: \(commands.convertAudio)"))
            }
            let plan = ContainerRewriter.plan(for: av)
            if av.audioTracks.count > 1 {
                let fixable = plan.obstacle == nil
                findings.append(
                    Finding(
                        .tooManyAudioStreams, fixable ? .fixable : .rejected,
                        message: "\(av.audioTracks.count) audio tracks: WhatsApp takes one",
                        hint: fixable
                            ? "prepare and send keep the first (--audio-track N picks another, from 0); by hand: "
                                + commands.keepFirstAudioOnly
                            : "keep one: \(commands.keepFirstAudioOnly)"))
            }
            if av.faststart == false && !av.fragmented {
                findings.append(notFaststart(rewritable: plan.obstacle == nil, commands: commands))
            }
        case .mp3:
            for track in av.audioTracks where track.codec != "mp3" {
                findings.append(
                    Finding(
                        .audioCodec, .rejected,
                        message:
                            "MPEG audio \(track.codecDescription), not MP3: WhatsApp takes MP3 (layer III)",
                        hint: "re-encode it: \(commands.convertAudio)"))
            }
        default:
            break
        }
        return findings
    }
}

/// The `ffmpeg` command lines that fix a file, spelled out with its name.
struct FixCommands {
    let input: String
    let stem: String

    init(fileName: String) {
        let name = fileName.isEmpty ? "input" : fileName
        input = shellQuoted(name)
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            stem = String(name[..<dot])
        } else {
            stem = name
        }
    }

    private func output(_ suffix: String, _ fileExtension: String) -> String {
        shellQuoted("\(stem)\(suffix).\(fileExtension)")
    }

    var convertVideo: String {
        "ffmpeg -i \(input) -c:v libx264 -profile:v main -bf 0 -pix_fmt yuv420p -c:a aac -movflags +faststart "
            + output("-h264", "mp4")
    }
    var convertVideoAudioOnly: String {
        "ffmpeg -i \(input) -c:v copy -c:a aac -movflags +faststart \(output("-aac", "mp4"))"
    }
    var remuxVideo: String {
        "ffmpeg -i \(input) -map 0:v:0 -map 0:a:0? -c copy -movflags +faststart \(output("", "mp4"))"
    }
    var faststart: String {
        "ffmpeg -i \(input) -map 0 -c copy -movflags +faststart \(output("-faststart", "mp4"))"
    }
    var keepFirstAudio: String {
        "ffmpeg -i \(input) -map 0:v -map 0:a:0 -c copy -movflags +faststart \(output("-one-audio", "mp4"))"
    }
    var keepFirstAudioOnly: String {
        "ffmpeg -i \(input) -map 0:a:0 -c copy -movflags +faststart \(output("-one-audio", "m4a"))"
    }
    var dropAudio: String {
        "ffmpeg -i \(input) -map 0:v -c copy -an -movflags +faststart \(output("-no-audio", "mp4"))"
    }
    var convertAudio: String { "ffmpeg -i \(input) -vn -c:a aac -b:a 128k \(output("", "m4a"))" }
    var voiceNote: String {
        "ffmpeg -i \(input) -vn -c:a libopus -ac 1 -b:a 32k \(output("-opus", "ogg"))"
    }
    var smallVoiceNote: String {
        "ffmpeg -i \(input) -vn -c:a libopus -ac 1 -b:a 16k \(output("-small", "ogg"))"
    }
}

/// `name` as one shell word.
func shellQuoted(_ name: String) -> String {
    let safe = name.allSatisfy { $0.isLetter || $0.isNumber || "._-/+=:,@".contains($0) }
    if safe && !name.isEmpty && !name.hasPrefix("-") { return name }
    let prefix = name.hasPrefix("-") ? "./" : ""
    return "'" + prefix
        + name.split(separator: "'", omittingEmptySubsequences: false).joined(separator: "'\\''") + "'"
}

extension AVInfo.Container {
    var displayName: String {
        switch self {
        case .mp4: "MP4"
        case .threeGP: "3GP"
        case .quicktime: "QuickTime"
        case .m4a: "M4A"
        case .ogg: "OGG"
        case .mp3: "MP3"
        case .adts: "AAC (ADTS)"
        case .amr: "AMR"
        case .webm: "WebM"
        case .matroska: "Matroska"
        case .wav: "WAV"
        case .flac: "FLAC"
        case .avi: "AVI"
        case .aiff: "AIFF"
        }
    }

    /// The MIME type of the container itself, for matching against a profile's formats.
    func mime(forVideo: Bool) -> String {
        switch self {
        case .mp4, .m4a: forVideo ? "video/mp4" : "audio/mp4"
        case .threeGP: forVideo ? "video/3gpp" : "audio/3gpp"
        case .quicktime: "video/quicktime"
        case .ogg: forVideo ? "video/ogg" : "audio/ogg"
        case .webm: forVideo ? "video/webm" : "audio/webm"
        case .matroska: forVideo ? "video/x-matroska" : "audio/x-matroska"
        case .mp3: "audio/mpeg"
        case .adts: "audio/aac"
        case .amr: "audio/amr"
        case .wav: "audio/wav"
        case .flac: "audio/flac"
        case .avi: forVideo ? "video/x-msvideo" : "audio/x-msvideo"
        case .aiff: "audio/aiff"
        }
    }
}

extension AVTrack {
    /// The codec in words, with the container's tag when it says more (`HEVC (hvc1)`).
    var codecDescription: String {
        let names: [String: String] = [
            "h264": "H.264", "hevc": "HEVC (H.265)", "vp8": "VP8", "vp9": "VP9", "av1": "AV1",
            "mpeg4": "MPEG-4 Part 2",
            "h263": "H.263", "prores": "ProRes", "aac": "AAC", "opus": "Opus", "vorbis": "Vorbis",
            "mp3": "MP3",
            "flac": "FLAC", "alac": "ALAC", "ac3": "AC-3", "eac3": "E-AC-3", "amr_nb": "AMR-NB",
            "amr_wb": "AMR-WB",
            "speex": "Speex",
        ]
        let name = names[codec] ?? codec
        if let codecTag, codecTag.lowercased() != codec, !codecTag.isEmpty {
            return "\(name) (\(codecTag))"
        }
        return name
    }
}

extension String {
    var h264ProfileDisplayName: String {
        switch self {
        case "high10": "High 10"
        case "high422": "High 4:2:2"
        case "high444": "High 4:4:4"
        case "constrained-baseline": "Constrained Baseline"
        default: prefix(1).uppercased() + dropFirst()
        }
    }
}
