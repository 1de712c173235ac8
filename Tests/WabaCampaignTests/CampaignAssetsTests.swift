import Foundation
import TestSupport
import Testing
import WabaMedia

@testable import WabaCampaign

@Suite("A campaign's assets")
struct CampaignAssetsTests {
    @Test("an asset is sent from the descriptor its preparation handed over: the input's own, or the file it wrote")
    func sendsFromThePreparedFile() async throws {
        let folder = try CampaignFolder(assets: ["invoice.pdf", "sticker.webp"])
        let journal = try SQLiteJournal(path: folder.path("j.journal"))
        defer { try? journal.close() }
        let assets = CampaignAssets(
            preparer: try MediaPreparer(profile: .whatsappCloud, executor: .tests), journal: journal, reuseURLs: true)

        // A document sent as it is goes from the input's own descriptor, not from a copy.
        let invoice = try await assets.prepared(path: folder.path("invoice.pdf"), as: nil).get()
        #expect(invoice.media.path == folder.path("invoice.pdf"))
        #expect(
            invoice.key
                == AssetKey(
                    digest: try ContentDigest.sha256(ofFileAt: folder.path("invoice.pdf")), mediaType: .document))
        #expect(invoice.fileName == "invoice.pdf")

        // A WebP the preparation converts: the JPEG it wrote, still readable once its folder is gone,
        // and nowhere else on disk.
        let sticker = try await assets.prepared(path: folder.path("sticker.webp"), as: nil).get()
        #expect(!FileManager.default.fileExists(atPath: sticker.media.path), "a copy or the preparation's file is left")
        let bytes = try sticker.media.read(at: 0, count: sticker.media.size)
        #expect(bytes.starts(with: [0xFF, 0xD8, 0xFF]))
        #expect(sticker.key == AssetKey(digest: ContentDigest.sha256(of: bytes), mediaType: .image))
        #expect(sticker.fileName == "sticker.jpg")

        // Asked for again, by another path with the same content: the same preparation, the same descriptor.
        try FileManager.default.copyItem(atPath: folder.path("sticker.webp"), toPath: folder.path("again.webp"))
        let again = try await assets.prepared(path: folder.path("again.webp"), as: nil).get()
        #expect(again.media === sticker.media)
    }
}
