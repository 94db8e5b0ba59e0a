// The `glimpse` command: one root command with subcommands per job. Library code throws;
// only this file decides how an error is shown and which exit status it gets.
import ArgumentParser
import Foundation

@main
struct Glimpse: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "glimpse",
        abstract: "Multimodal (vision + sequence) pipelines in one native binary.",
        version: GlimpseVersion.current,
        subcommands: [
            ImageCommand.self, VideoCommand.self, ModelCommand.self, LanguageModelCommand.self,
            DataCommand.self, CaptionCommand.self, LabelCommand.self, VQACommand.self,
            RunCommand.self, PipelinesCommand.self,
        ])

    /// Runs the command; any failure becomes one `error:` line on stderr and exit status 1
    /// (usage errors: 64, as swift-argument-parser chooses). A command that throws an
    /// `ExitCode` has reported itself and exits with it (130/143 after a signal).
    static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let status as ExitCode {
            // A command that has said what happened (a training run stopped by a signal).
            Foundation.exit(status.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            // Glimpse's own errors are printed whole (a few add lines, such as the accepted
            // dataset layouts); the argument parser's only by their first line.
            let message: String
            if let described = (error as? LocalizedError)?.errorDescription {
                message = described
            } else {
                let full = fullMessage(for: error)
                message = full.split(separator: "\n").first.map(String.init) ?? full
            }
            let text =
                message.lowercased().hasPrefix("error: ") ? String(message.dropFirst(7)) : message
            Standard.error("error: \(text)")
            Foundation.exit(code == .failure || code.rawValue >= 128 ? 1 : code.rawValue)
        }
    }
}

/// Writing to the standard streams (Swift 6 rejects the C `stderr` global).
enum Standard {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    /// Writes `line` to standard output at once, past stdio's buffer (which holds a pipe's
    /// output until it fills): for lines that must appear as they are made. Output printed
    /// before it must have been flushed; nothing is printed before the frames it is used for.
    static func output(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    /// Prints a value as one line of JSON with sorted keys.
    static func printJSON<Value: Encodable>(_ value: Value) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

/// The version `glimpse --version` prints.
enum GlimpseVersion {
    static let current = "0.1.0"
}
