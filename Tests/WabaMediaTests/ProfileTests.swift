import Foundation
import TestSupport
import Testing

@testable import WabaMedia

@Suite("Profiles")
struct ProfileTests {
    @Test("each bundled profile is byte for byte its file in profiles/", arguments: MediaProfile.bundledNames)
    func bundledMatchesFile(name: String) throws {
        let file = try String(contentsOf: profilesURL.appendingPathComponent("\(name).yaml"), encoding: .utf8)
        #expect(BundledProfiles.sources[name] == file, "run scripts/embed-profiles.sh after editing profiles/")
    }

    @Test("every YAML file in profiles/ is bundled and parses")
    func everyFileIsBundled() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: profilesURL.path).filter {
            $0.hasSuffix(".yaml")
        }
        #expect(!files.isEmpty)
        for file in files {
            let name = String(file.dropLast(".yaml".count))
            #expect(MediaProfile.bundledNames.contains(name))
            let profile = try MediaProfile.load(fromFile: profilesURL.appendingPathComponent(file).path)
            #expect(profile.name == name)
        }
    }

    @Test("the default encodes WhatsApp's limits")
    func defaultLimits() {
        let profile = MediaProfile.whatsappCloud
        #expect(profile.maxBytes(for: .image) == 5_000_000)
        #expect(profile.maxBytes(for: .video) == 16_000_000)
        #expect(profile.maxBytes(for: .audio) == 16_000_000)
        #expect(profile.maxBytes(for: .document) == 100_000_000)
        #expect(profile.captionMaxCharacters == 1024)
        #expect(profile.formats(for: .image).map(\.mime) == ["image/jpeg", "image/png"])
        #expect(profile.formats(for: .document).count == 8)
        #expect(profile.audio.oggCodecs == ["opus"])
        #expect(profile.canonicalExtension(for: "audio/mp4") == "m4a")
    }

    @Test("a profile is found by bundled name, by path, and as NAME.yaml in a search directory")
    func resolution() throws {
        #expect(try MediaProfile.load("whatsapp-conservative").image.maxBytes == 1_000_000)
        let path = profilesURL.appendingPathComponent("whatsapp-cloud.yaml").path
        #expect(try MediaProfile.load(path) == .whatsappCloud)

        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let custom = try modified { $0.replacingOccurrences(of: "name: whatsapp-cloud", with: "name: house") }
        try custom.write(to: directory.appendingPathComponent("house.yaml"), atomically: true, encoding: .utf8)
        #expect(try MediaProfile.load("house", searchDirectories: [directory.path]).name == "house")
    }

    @Test("an unknown profile name lists what exists")
    func unknownName() {
        #expect {
            try MediaProfile.load("nope", searchDirectories: [])
        } throws: { error in
            let error = error as? WabaMediaError
            return error?.code == .profileNotFound && error?.message.contains("whatsapp-cloud") == true
        }
    }

    @Test(
        "a bad profile is an error naming the key at fault",
        arguments: [
            ("max_bytes: 5000000\n  formats", "max_bytes: lots\n  formats", "image.max_bytes"),
            ("caption_max_characters: 1024", "caption_max_characters: 1024\ncolour: blue", "colour"),
            ("jpeg_quality: { min: 50, max: 90 }", "jpeg_quality: { min: 91, max: 90 }", "image.jpeg_quality"),
            ("  voice_note_max_bytes: 512000\n", "", "audio.voice_note_max_bytes"),
            ("{ mime: image/png, extension: png }", "{ mime: png, extension: png }", "image.formats[1].mime"),
            ("background: \"#ffffff\"", "background: white", "image.background"),
            ("keep_png_for_alpha: true", "keep_png_for_alpha: maybe", "image.keep_png_for_alpha"),
        ])
    func badProfiles(original: String, replacement: String, key: String) throws {
        let yaml = try modified { $0.replacingOccurrences(of: original, with: replacement) }
        #expect {
            try MediaProfile(yaml: yaml, origin: "test.yaml")
        } throws: { error in
            guard let error = error as? WabaMediaError else { return false }
            return error.code == .invalidProfile && error.message.contains("'\(key)'")
                && error.message.contains("test.yaml")
        }
    }

    @Test("text that is not YAML is an invalid-profile error")
    func notYAML() {
        #expect(throws: WabaMediaError.self) { try MediaProfile(yaml: "image: [unclosed", origin: "broken.yaml") }
        #expect(throws: WabaMediaError.self) { try MediaProfile(yaml: "- just\n- a list\n", origin: "list.yaml") }
    }

    private func modified(_ change: (String) -> String) throws -> String {
        let original = BundledProfiles.sources["whatsapp-cloud"]!
        let result = change(original)
        guard result != original else { throw FixtureError("the test's replacement did not apply") }
        return result
    }
}
