/// The profile's audio and video rules (containers, codecs, streams, voice notes) turned into
/// findings. Files whose codecs break the rules are rejected (whether a transcode fixes them is the
/// ``PreparationPlanner``'s to say); container problems a rewrite of the boxes fixes are `fixable`;
/// each hint gives the command that fixes it.
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
        let allowedVideo = Set(rules.videoCodecs.map { $0.lowercased() })
        let allowedAudio = Set(rules.audioCodecs.map { $0.lowercased() })
        let badVideo = av.videoTracks.filter { !allowedVideo.contains($0.codec) }
        let badAudio = av.audioTracks.filter { !allowedAudio.contains($0.codec) }
        var findings = codecFindings(badVideo: badVideo, badAudio: badAudio, rules: rules, commands: commands)
        let codecsAllowed = badVideo.isEmpty && badAudio.isEmpty
        if let container = videoContainerFinding(av, codecsAllowed: codecsAllowed, rules: rules, commands: commands) {
            findings.append(container)
        }
        if let streams = audioStreamsFinding(av, rules: rules, commands: commands) { findings.append(streams) }
        findings += h264Findings(av, rules: rules, commands: commands)
        if av.faststart == false && !av.fragmented {
            findings.append(notFaststart(rewritable: av.boxesAreRewritable, commands: commands))
        }
        if av.container == .mp4, av.boxesAreRewritable, ContainerRewriter.isM4VBrand(av) {
            findings.append(m4vBrand(av.brand ?? "M4V ", commands: commands))
        }
        return findings
    }

    /// An iTunes video (`M4V ` brand): the same boxes as MP4, but libmagic and strict receivers
    /// call it `video/x-m4v`, which WhatsApp does not list.
    static func m4vBrand(_ brand: String, commands: FixCommands) -> Finding {
        Finding(
            .needsConversion, .fixable,
            message: "the file calls itself an iTunes video (brand '\(brand)'): libmagic and strict receivers "
                + "take it for video/x-m4v, not the video/mp4 WhatsApp takes",
            hint: "prepare and send write an MP4 brand (isom) without re-encoding; by hand: \(commands.remuxVideo)")
    }

    /// Video and audio tracks in codecs WhatsApp does not take.
    private static func codecFindings(
        badVideo: [AVTrack], badAudio: [AVTrack], rules: VideoRules, commands: FixCommands
    ) -> [Finding] {
        var findings: [Finding] = []
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
        return findings
    }

    /// A container WhatsApp does not take for video, when the codecs could stay.
    private static func videoContainerFinding(
        _ av: AVInfo, codecsAllowed: Bool, rules: VideoRules, commands: FixCommands
    ) -> Finding? {
        let containerMIME = av.container.mime(forVideo: true)
        guard !rules.formats.contains(where: { $0.mime == containerMIME }), codecsAllowed else { return nil }
        guard rules.remuxable.contains(containerMIME) && av.container.isISOBaseMedia else {
            return Finding(
                .container, .rejected,
                message: "a \(av.container.displayName) file: WhatsApp takes video in MP4 or 3GP only",
                hint: "rewrite it as MP4 (the codecs can stay): \(commands.remuxVideo)")
        }
        // The validator reports the remux itself (`needs-conversion`, fixable); what only the
        // tracks tell is a movie that cannot be rewritten after all: an undamaged ISO file whose
        // boxes cannot be rewritten is a fragmented one.
        guard av.problems.isEmpty, !av.boxesAreRewritable else { return nil }
        return Finding(
            .container, .rejected,
            message: "a \(av.container.displayName) movie that cannot be rewritten as MP4 here: "
                + "fragmented MP4 files (moof) are not rewritten",
            hint: "rewrite it as MP4: \(commands.remuxVideo)")
    }

    /// More audio tracks than WhatsApp takes in a video.
    private static func audioStreamsFinding(_ av: AVInfo, rules: VideoRules, commands: FixCommands) -> Finding? {
        guard av.audioTracks.count > rules.maxAudioStreams else { return nil }
        let fixable = av.boxesAreRewritable && rules.maxAudioStreams >= 1 && av.container.isISOBaseMedia
        return Finding(
            .tooManyAudioStreams, fixable ? .fixable : .rejected,
            message:
                "\(av.audioTracks.count) audio tracks: WhatsApp takes at most \(rules.maxAudioStreams)",
            hint: fixable
                ? "prepare and send keep the first audio track (--audio-track N picks another, from 0); "
                    + "by hand: \(commands.keepFirstAudio)"
                : (rules.maxAudioStreams == 0
                    ? "remove the audio: \(commands.dropAudio)"
                    : "keep one audio track: \(commands.keepFirstAudio)"))
    }

    /// Meta's words on H.264, quoted by the findings that apply them.
    static let metaH264Rule =
        "Meta: \"H.264 'High' profile and B-frames are not supported by Android WhatsApp clients\""

    /// H.264 profiles and B-frames some phones cannot play. High and B-frames break Meta's rule: they
    /// are rejected here (a transcode to Main without B-frames makes them fixable) unless the profile
    /// relaxes it (`high` in `h264_warn_profiles`, `fix_b_frames: false`), when they are warnings.
    private static func h264Findings(_ av: AVInfo, rules: VideoRules, commands: FixCommands) -> [Finding] {
        var findings: [Finding] = []
        let rejectProfiles = Set(rules.h264RejectProfiles.map { $0.lowercased() })
        let warnProfiles = Set(rules.h264WarnProfiles.map { $0.lowercased() })
        for track in av.videoTracks where track.codec == "h264" {
            if let profile = track.h264Profile {
                let name = profile.h264ProfileDisplayName
                if rejectProfiles.contains(profile) {
                    findings.append(
                        Finding(
                            .h264Profile, .rejected,
                            message: profile == "high"
                                ? "H.264 High profile: \(metaH264Rule); use Main without B-frames, or Baseline"
                                : "H.264 \(name) profile: phones cannot decode it",
                            hint: "re-encode it in Main profile, 8-bit 4:2:0: \(commands.convertVideo)"
                                + (profile == "high"
                                    ? " (a custom profile with high in video.h264_warn_profiles sends it as it is)"
                                    : "")))
                } else if warnProfiles.contains(profile) {
                    findings.append(
                        Finding(
                            .h264Profile, .warning,
                            message: "H.264 \(name) profile: some Android clients fail to play it"
                                + (profile == "high" ? " (\(metaH264Rule))" : ""),
                            hint: "for every phone, re-encode it in Main profile: \(commands.convertVideo)"))
                }
            }
            if track.hasBFrames == true {
                findings.append(
                    rules.fixesBFrames
                        ? Finding(
                            .bFrames, .rejected,
                            message: "the H.264 video uses B-frames: \(metaH264Rule); use Main without B-frames",
                            hint: "re-encode it without B-frames: \(commands.convertVideo) (a custom profile with "
                                + "video.fix_b_frames: false sends it as it is)")
                        : Finding(
                            .bFrames, .warning,
                            message: "the H.264 video uses B-frames, which some Android clients fail to play "
                                + "(\(metaH264Rule))",
                            hint: "for every phone, re-encode it without B-frames: \(commands.convertVideo)"))
            }
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

    /// Opus in OGG with more than one channel: against Meta's "mono input only" (rejected, and a
    /// downmix makes it fixable) unless the profile's `ogg_mono_only` is false (a warning).
    static func monoOnly(channels: Int, rules: AudioRules, commands: FixCommands) -> Finding {
        let rule = "Meta: OGG is \"OPUS codecs only; base audio/ogg not supported; mono input only\""
        return rules.oggMonoOnly
            ? Finding(
                .voiceNoteChannels, .rejected,
                message: "Opus in OGG with \(channels) channels: \(rule)",
                hint: "downmix it to mono: \(commands.voiceNote) (a custom profile with audio.ogg_mono_only: false "
                    + "sends it as it is)")
            : Finding(
                .voiceNoteChannels, .warning,
                message: "a voice note with \(channels) channels: voice notes should be mono (\(rule))",
                hint: "make it mono: \(commands.voiceNote)")
    }

    /// Shorter than this, audio is refused: a few milliseconds of sound (a 110-byte WAV holds 2 ms)
    /// encode to an Ogg with headers and no audio packet.
    static let shortestAudioSeconds = 0.05

    static func audioFindings(
        _ av: AVInfo, inspection: Inspection, profile: MediaProfile, commands: FixCommands
    )
        -> [Finding]
    {
        let rules = profile.audio
        var findings: [Finding] = []
        if let seconds = av.durationSeconds, seconds < shortestAudioSeconds {
            findings.append(
                Finding(
                    .tooShort, .rejected,
                    message:
                        "the audio plays \(Seconds(seconds)), too short to hear; converted, it may hold no audio at all",
                    hint: "record or export it again"))
        }
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
                    findings.append(monoOnly(channels: channels, rules: rules, commands: commands))
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
            if av.audioTracks.count > 1 {
                let fixable = av.boxesAreRewritable
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
                findings.append(notFaststart(rewritable: av.boxesAreRewritable, commands: commands))
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
