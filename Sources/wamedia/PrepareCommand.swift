import ArgumentParser

struct PrepareCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "prepare", abstract: "Not available yet.")

    func run() async throws {
        throw CommandFailure.usage("'wamedia prepare' is not available yet")
    }
}
