import ArgumentParser

struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "check", abstract: "Not available yet.")

    func run() async throws {
        throw CommandFailure.usage("'wamedia check' is not available yet")
    }
}
