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

    /// The output's name: the stem, a suffix that keeps it from being the input's own name, the extension.
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
        "ffmpeg -i \(input) -map 0:v:0 -map 0:a:0? -c copy -movflags +faststart \(output("-remuxed", "mp4"))"
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
    var convertAudio: String { "ffmpeg -i \(input) -vn -c:a aac -b:a 128k \(output("-aac", "m4a"))" }
    var voiceNote: String {
        "ffmpeg -i \(input) -vn -c:a libopus -ac 1 -ar 16000 -b:a 24k -application voip -fflags +bitexact "
            + output("-opus", "ogg")
    }
    var smallVoiceNote: String {
        "ffmpeg -i \(input) -vn -c:a libopus -ac 1 -ar 16000 -b:a 12k -application voip -fflags +bitexact "
            + output("-small", "ogg")
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
