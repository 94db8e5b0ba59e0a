// `glimpse model inspect`: what a safetensors file holds, read from its header alone.
import ArgumentParser
import Foundation
import GlimpseTensor

struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model", abstract: "Inspect model weights and checkpoints.",
        subcommands: [Inspect.self])

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List a safetensors file's tensors (name, dtype, shape) and metadata.",
            discussion: """
                Reads and validates the header only, so it is fast on large files. Text output: \
                a summary line, one `name  dtype  [shape]` line per tensor sorted by name, then \
                the metadata. For a checkpoint directory, inspect its model.safetensors or \
                optimizer.safetensors.
                """)

        @Argument(help: "The .safetensors file.")
        var file: String
        @Flag(
            help:
                "Print one JSON object: path, tensors [{name, dtype, shape}], metadata, parameter_count."
        )
        var json = false

        func run() throws {
            let header = try Safetensors.readHeader(path: file)
            if json {
                try Standard.printJSON(
                    Report(
                        path: file,
                        tensors: header.tensors.map {
                            .init(name: $0.name, dtype: $0.dtype.rawValue, shape: $0.shape)
                        },
                        metadata: header.metadata, parameterCount: header.parameterCount))
                return
            }
            print(
                "\(file): \(counted(header.tensors.count, "tensor")),"
                    + " \(counted(header.parameterCount, "parameter"))")
            let nameWidth = header.tensors.map(\.name.count).max() ?? 0
            let dtypeWidth = header.tensors.map(\.dtype.rawValue.count).max() ?? 0
            for tensor in header.tensors {
                let shape = "[" + tensor.shape.map(String.init).joined(separator: ", ") + "]"
                print(
                    padded(tensor.name, nameWidth) + "  "
                        + padded(tensor.dtype.rawValue, dtypeWidth)
                        + "  " + shape)
            }
            if !header.metadata.isEmpty {
                print("metadata:")
                for key in header.metadata.keys.sorted() {
                    // One line per entry: line breaks in a value are shown as \n.
                    print("  \(escaped(key)): \(escaped(header.metadata[key]!))")
                }
            }
        }

        private func counted(_ count: Int, _ noun: String) -> String {
            "\(count) \(noun)\(count == 1 ? "" : "s")"
        }

        private func padded(_ text: String, _ width: Int) -> String {
            text + String(repeating: " ", count: max(0, width - text.count))
        }

        private func escaped(_ text: String) -> String {
            text.replacingOccurrences(of: "\n", with: "\\n")
                .replacingOccurrences(of: "\r", with: "\\r")
        }
    }

    /// `--json` output.
    struct Report: Encodable {
        struct Entry: Encodable {
            var name: String
            var dtype: String
            var shape: [Int]
        }
        var path: String
        var tensors: [Entry]
        var metadata: [String: String]
        var parameterCount: Int

        enum CodingKeys: String, CodingKey {
            case path, tensors, metadata
            case parameterCount = "parameter_count"
        }
    }
}
