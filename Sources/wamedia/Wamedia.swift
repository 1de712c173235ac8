import ArgumentParser
import Foundation
import WabaMedia

@main
struct Wamedia: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wamedia",
        abstract: "Prepare media for WhatsApp's send-media API, check it, and send it.",
        discussion: """
            Exit status: 0 when everything is fine, 1 when a file is rejected or a send failed, \
            2 for a usage error. Results go to standard output; messages and progress to standard error.
            """,
        version: "0.1.0",
        subcommands: [
            InspectCommand.self, CheckCommand.self, PrepareCommand.self, PayloadCommand.self,
            SendCommand.self, SandboxCommand.self, ServeCommand.self,
        ]
    )

    /// Runs the command line with the project's exit codes: argument errors are 2, not 64.
    static func main() async {
        do {
            // File names are bytes: arguments are read from them, so a non-UTF-8 name still opens.
            var command = try parseAsRoot(Array(FileSystemPath.commandLineArguments().dropFirst()))
            // ffmpeg's encoder lookup then runs beside the rest of the start-up, not after it.
            if command is any ChecksMedia { FFmpeg.findInBackground() }
            if var asyncCommand = command as? any AsyncParsableCommand {
                let signals = command is any StopsOnTermination ? [SIGINT] : Interrupt.stopping
                try await Interrupt.cancelling(on: signals) { try await asyncCommand.run() }
            } else {
                try command.run()
            }
            finish(ExitStatus.success)
        } catch  where Interrupt.happened {
            // Whatever the interrupted work threw, it was asked to stop: its files are removed.
            Interrupt.exitAfterStopping()
        } catch let failure as CommandFailure {
            if !failure.message.isEmpty { Terminal.error(failure.message) }
            finish(failure.exitCode)
        } catch let error as WabaMediaError {
            Terminal.error(error.message, hint: error.hint)
            let usage: Set<WabaMediaError.Code> = [.profileNotFound, .invalidProfile, .invalidArgument]
            finish(usage.contains(error.code) ? ExitStatus.usage : ExitStatus.failure)
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
                Foundation.exit(0)
            }
            // Argument errors quote what was typed, which may hold control characters.
            let message = fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false)
                .map { TerminalText.escaped(String($0)) }.joined(separator: "\n")
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            finish(code == .validationFailure ? ExitStatus.usage : ExitStatus.failure)
        }
    }

    /// Ends the process with `status`, or with SIGTERM's or SIGHUP's when one stopped the command.
    private static func finish(_ status: Int32) -> Never {
        Foundation.exit(Interrupt.terminationStatus ?? status)
    }
}

/// A command that checks files, so waits for ffmpeg's encoder list to judge a video. Commands that
/// prepare do not start the lookup here: ``MediaPreparer`` asks for it when a file may need a
/// transcode (its first transcode does not wait for it), so preparing an image never runs ffmpeg.
/// (`SendableMetatype`: no isolated conformance, so asking a command for it keeps it sendable.)
protocol ChecksMedia: SendableMetatype {}
