// How containers, codecs and H.264 profiles are named in findings and plans.

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
    func mime(forVideo: Bool) -> MIMEType {
        switch self {
        case .mp4, .m4a: forVideo ? .mp4 : .m4a
        case .threeGP: forVideo ? .threeGPP : .threeGPPAudio
        case .quicktime: .quickTime
        case .ogg: forVideo ? .oggVideo : .ogg
        case .webm: forVideo ? .webm : .webmAudio
        case .matroska: forVideo ? .matroska : .matroskaAudio
        case .mp3: .mpegAudio
        case .adts: .aac
        case .amr: .amr
        case .wav: .wav
        case .flac: .flac
        case .avi: forVideo ? .avi : .aviAudio
        case .aiff: .aiff
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
