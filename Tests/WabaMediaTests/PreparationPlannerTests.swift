import Foundation
import TestSupport
import Testing

@testable import WabaMedia

/// The report on the file at `path`, concluded by the planner as `check` concludes it.
private func checked(_ path: String, as type: MediaType?, profile: MediaProfile = .whatsappCloud) throws
    -> ValidationReport
{
    let inspector = MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: .header))
    return try MediaChecker(profile: profile).report(on: try inspector.inspect(path: path), as: type)
}

@Suite("One plan: what check says and prepare does")
struct PreparationPlannerTests {
    @Test("the plan says what prepare would do")
    func plans() throws {
        let fixtures = try FitterFixtures.get()
        let heic = try checked(fixtures.path("photo.heic"), as: .image, profile: profile(maxLongEdge: 800))
        let steps = try #require(heic.plan).steps
        #expect(steps.contains("convert HEIC to JPEG"))
        #expect(steps.contains("resize 1600×1200 → 800×600"))
        #expect(steps.last == "fit under 5.0 MB")
        #expect(heic.plannedSteps == steps)
        #expect(try checked(fixtures.path("clean.jpg"), as: .image).plan?.steps == ["keep unchanged"])
        let bomb = try checked(fixtures.path("bomb.jpg"), as: .image)
        #expect(bomb.plan?.steps.first?.hasPrefix("refuse") == true)
        guard case .refuse(.rejected(let findings)) = bomb.plan else {
            Issue.record("a bomb is not refused: \(String(describing: bomb.plan))")
            return
        }
        #expect(findings.map(\.code) == [.tooManyPixels])
    }

    @Test("a rotated photo with a location is planned as prepare runs it: its location scrubbed, nothing re-encoded")
    func scrubbedNotFitted() async throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("gps-rotated.jpg")
        let preparer = try MediaPreparer(executor: .tests)
        let report = try await preparer.check(try FileSource(path: path), as: .image, caption: nil, fileName: nil)
        #expect(report.inspection.image?.orientation == 6)
        #expect(report.plan == .removeMetadata(.init(oversized: [], location: ["EXIF GPS in the APP1 segment"])))
        #expect(
            report.plannedSteps == [
                "remove the location (EXIF GPS in the APP1 segment)", "keep everything else unchanged",
            ])
        let action = try await preparer.withPreparedMedia(at: path, as: .image) { (media: PreparedMedia) async in
            media.action
        }
        #expect(action == .removedMetadata)
    }

    @Test("stripping metadata plans a fit, and the report says so")
    func strippingPlansAFit() async throws {
        let fixtures = try ImageMetadataFixtures.get()
        let path = fixtures.path("gps.jpg")
        let preparer = try MediaPreparer(options: .init(stripMetadata: true), executor: .tests)
        let report = try await preparer.check(try FileSource(path: path), as: .image, caption: nil, fileName: nil)
        guard case .fitImage(let fit) = report.plan else {
            Issue.record("not a fit: \(String(describing: report.plan))")
            return
        }
        #expect(report.plannedSteps == fit.steps)
        #expect(fit.steps.contains { $0.hasPrefix("strip metadata (EXIF") }, "\(fit.steps)")
        let action = try await preparer.withPreparedMedia(at: path, as: .image) { (media: PreparedMedia) async in
            media.action
        }
        #expect(action == .fittedImage)
    }

    @Test("a document named after another type is kept under its content's name, with nothing to announce")
    func keptDocument() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("invoice.jpg").path
        try Data("%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n".utf8).write(to: URL(fileURLWithPath: path))
        let report = try checked(path, as: .document)
        #expect(report.verdict == .fixable)
        #expect(report.plan == .keep(.init(renamedTo: "pdf")))
        #expect(report.plan?.steps == ["named .pdf after its content"])
        #expect(report.plannedSteps.isEmpty)
    }
}

@Suite("The validator finds, the planner concludes")
struct PlannerConclusionTests {
    @Test("audio WhatsApp refuses is rejected by the rules, and fixable once the planner has an ffmpeg to transcode it")
    func transcodeIsThePlannersConclusion() throws {
        let inspector = MediaInspector(detector: try MIMEDetector(), options: .init(imageVerification: .header))
        let inspection = try inspector.inspect(path: try Corpus.get().path("tone.wav"))
        let found = MediaValidator().validate(inspection, as: .audio)
        #expect(found.findings.first { $0.code == .mimeMismatch }?.severity == .rejected)
        #expect(found.plan == nil && found.plannedSteps.isEmpty)

        let everyEncoder = FFmpegCapabilities(FFmpeg(path: "/bin/false", encoders: EncoderName.all))
        let fixable = PreparationPlanner(ffmpeg: everyEncoder).conclude(found)
        #expect(fixable.verdict == .fixable)
        let mismatch = try #require(fixable.findings.first { $0.code == .mimeMismatch })
        #expect(mismatch.severity == .fixable && mismatch.hint.hasPrefix("prepare and send transcode it: "))
        let transcode = try #require(fixable.transcodePlan)
        #expect(fixable.plannedSteps == transcode.steps)
        #expect(transcode.steps.last == "drop the location and device metadata")

        let withoutFFmpeg = PreparationPlanner(ffmpeg: .none).conclude(found)
        #expect(withoutFFmpeg.verdict == .rejected)
        #expect(withoutFFmpeg.findings.first { $0.code == .mimeMismatch }?.severity == .rejected)
        let missing = try #require(withoutFFmpeg.findings.first { $0.code == .ffmpegMissing })
        #expect(missing.message.hasSuffix("and ffmpeg is not installed"), "\(missing.message)")
        #expect(withoutFFmpeg.plan == .refuse(.rejected(withoutFFmpeg.rejections)))

        let noEncoders = FFmpegCapabilities(FFmpeg(path: "/bin/false", encoders: []))
        let lacking = PreparationPlanner(ffmpeg: noEncoders).conclude(found)
        let named = try #require(lacking.findings.first { $0.code == .ffmpegMissing })
        #expect(named.message.contains("this ffmpeg has no "), "\(named.message)")
    }
}
