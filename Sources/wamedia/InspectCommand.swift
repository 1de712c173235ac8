import ArgumentParser

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "inspect", abstract: "Not available yet.")

    func run() async throws {
        throw CommandFailure.usage("'wamedia inspect' is not available yet")
    }
}
