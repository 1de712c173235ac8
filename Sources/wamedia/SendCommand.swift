import ArgumentParser

struct SendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "send", abstract: "Not available yet.")

    func run() async throws {
        throw CommandFailure.usage("'wamedia send' is not available yet")
    }
}
