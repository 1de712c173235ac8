import ArgumentParser
import Foundation
import WabaMedia

struct PayloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "payload",
        abstract: "Write the exact JSON body 'send' would post (standard output by default).",
        discussion: """
            Runs the same stages as 'send' (detect, validate, transform, name, encode) and writes the body \
            as a stream, so a 100 MB document never sits in memory. A rejected file is not written: \
            exit status 1 with the findings.
            """)

    @OptionGroup var message: MessageOptions
    @OptionGroup var profileOptions: ProfileOptions

    @Option(name: .shortAndLong, help: "Write the body to this file instead of standard output.")
    var output: String?

    func validate() throws {
        if message.input == nil { throw ValidationError("give the file to encode, or a public http(s) URL") }
    }

    func run() async throws {
        try await message.withPreparedMessage(profile: try profileOptions.load(), format: .table) { prepared in
            let payload = prepared.payload
            guard let output else {
                var reader = payload.makeReader()
                while let chunk = try reader.next() { try FileHandle.standardOutput.write(contentsOf: chunk) }
                return
            }
            let inputs = [prepared.media?.input, prepared.media?.media].compactMap { $0 }
            let file = try OutputFile(replacing: output, notOverwriting: inputs)
            try file.withDescriptor { descriptor in
                var reader = payload.makeReader()
                while let chunk = try reader.next() { try OutputFile.writeAll(descriptor, chunk, path: output) }
            }
            try file.commit()
            Terminal.note("wrote \(output) (\(payload.contentLength) bytes, file_name \(prepared.fileName.name))")
        }
    }
}
