import ArgumentParser

struct PayloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "payload", abstract: "Not available yet.")

    func run() async throws {
        throw CommandFailure.usage("'wamedia payload' is not available yet")
    }
}
