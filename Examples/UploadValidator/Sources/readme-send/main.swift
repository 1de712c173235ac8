// README.md's sending example, as it stands there, against the sandbox started here on
// loopback. Run from a folder holding campaign/hero.heic, as scripts/check-consumer.sh does.
import Logging
import WabaSandbox

let logger = Logger(label: "readme-send")
let sandbox = try SandboxServer(configuration: SandboxConfiguration(host: "127.0.0.1"))
let baseURL = try await sandbox.start()
let apiKey = SandboxConfiguration.defaultAPIKey
let contactID = "c1d2e3f4-a5b6-7890-cdef-123456789012"

// --- README.md, "The library" ---
import WabaClient
import WabaMedia

let client = try SendMediaClient(configuration: .init(baseURL: baseURL, apiKey: apiKey), logger: logger)
let fields = MessageFields(channelID: "chn_abc123", contactID: contactID, content: "New season")
let result = try await BlockingExecutor.withExecutor(threads: 2) { executor in
    let preparer = try MediaPreparer(profile: .whatsappCloud, executor: executor)
    return try await preparer.withPreparedMessage("campaign/hero.heic", as: .image, fields: fields) { message in
        try await client.send(message.payload)    // streamed from the file that was checked
    }
}
print(result.messageID, result.providerID, result.mediaURL)
try await client.shutdown()                   // explicit, as AsyncHTTPClient wants
// --- end of the README's example ---

// The sandbox received one image, a JPEG converted from the HEIC.
let receipts = sandbox.receipts
await sandbox.stop()
struct UnexpectedResult: Error, CustomStringConvertible { var description: String }
guard receipts.count == 1, let receipt = receipts.first, receipt.status == 200,
    receipt.detectedMIME == .jpeg, receipt.messageID == result.messageID
else {
    throw UnexpectedResult(description: "the sandbox received \(receipts)")
}
print("readme-send: sent \(receipt.fileName ?? "?") (\(receipt.mediaBytes ?? 0) bytes) as \(result.messageID)")
