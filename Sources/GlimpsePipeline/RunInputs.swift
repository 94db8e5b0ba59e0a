// A batch run's inputs: files, folders (optionally recursive), glob patterns, list files
// (`@list.txt`) and `-` (paths on standard input), or the rows of JSONL files; and the
// deterministic shard of them one process takes.
import Foundation
import GlimpseMedia
import GlimpseSupport

/// `--shard I/N`: the I-th (from 0) of N disjoint parts that together are the whole input.
/// An input belongs to the shard its identity's FNV-1a hash falls in, so the split does not
/// depend on the order or number of the other inputs, and several machines listing the same
/// folder agree.
public struct Shard: Equatable, Sendable {
    public var index: Int
    public var count: Int

    /// Parses `I/N` with 0 ≤ I < N.
    public init(_ text: String) throws(PipelineError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]),
            count >= 1, count <= 1_000_000, (0..<count).contains(index)
        else {
            throw .invalidRun(
                "--shard must be I/N with 0 ≤ I < N (such as 0/4 … 3/4), got \(text)")
        }
        self.index = index
        self.count = count
    }

    /// Whether the input named `id` is in this shard.
    public func contains(_ id: String) -> Bool {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in id.utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3
        }
        return Int(hash % UInt64(count)) == index
    }
}

/// Turning command-line arguments into a run's items.
public enum RunInputs {
    /// The largest list file or JSONL input read.
    public static let maxListBytes = 1 << 30

    /// The paths named by `arguments`: a file as given; a folder's files with one of
    /// `extensions` (sorted; with `recursive`, those of its subfolders too); a glob pattern's
    /// matches; `@FILE` the lines of FILE; `-` the lines of `standardInput`. Repeats are
    /// dropped. Throws for a missing list file or when nothing is found.
    public static func paths(
        _ arguments: [String], extensions: Set<String>, recursive: Bool = false,
        standardInput: () -> String? = { StandardInput.shared.readLine() }
    ) throws -> [String] {
        var paths: [String] = []
        var seen: Set<String> = []
        func add(_ path: String) {
            if seen.insert(path).inserted { paths.append(path) }
        }
        for argument in arguments {
            if argument == "-" {
                while let line = standardInput() {
                    let path = line.trimmingCharacters(in: .whitespaces)
                    if !path.isEmpty { add(path) }
                }
            } else if argument.hasPrefix("@") && argument.count > 1 {
                let list = String(argument.dropFirst())
                let bytes = try InputFile.read(list, limit: maxListBytes)
                for line in String(decoding: bytes, as: UTF8.self).split(
                    whereSeparator: \.isNewline)
                {
                    let path = line.trimmingCharacters(in: .whitespaces)
                    if !path.isEmpty && !path.hasPrefix("#") { add(path) }
                }
            } else if isDirectory(argument) {
                for path in try files(in: argument, extensions: extensions, recursive: recursive) {
                    add(path)
                }
            } else if argument.contains(where: { "*?[".contains($0) }) {
                for path in glob(argument)
                where extensions.contains(URL(fileURLWithPath: path).pathExtension.lowercased()) {
                    add(path)
                }
            } else {
                add(argument)
            }
        }
        guard !paths.isEmpty else {
            throw PipelineError.invalidRun(
                "no input files found in " + arguments.joined(separator: " "))
        }
        return paths
    }

    /// The items of a run over `paths`: each path, or for `.rows` each non-blank line of each
    /// file (`file:line`; an unreadable file is one failed item).
    public static func items(_ paths: [String], kind: PipelineInputKind) -> [PipelineItem] {
        guard kind == .rows else { return paths.map { PipelineItem(id: $0, value: $0) } }
        var items: [PipelineItem] = []
        for path in paths {
            do {
                let bytes = try InputFile.read(path, limit: maxListBytes)
                var number = 0
                for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
                    number += 1
                    let text = String(decoding: line, as: UTF8.self)
                    if text.allSatisfy(\.isWhitespace) { continue }
                    let row = TextRow(file: path, line: number, text: text)
                    items.append(PipelineItem(id: row.id, value: row))
                }
            } catch {
                items.append(PipelineItem(id: path, error: error))
            }
        }
        return items
    }

    /// Whether `argument` names many inputs however many it finds: a folder, a glob pattern,
    /// a list file or standard input.
    public static func isPattern(_ argument: String) -> Bool {
        argument == "-" || argument.hasPrefix("@") || isDirectory(argument)
            || argument.contains(where: { "*?[".contains($0) })
    }

    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
            && isDirectory.boolValue
    }

    static func files(in folder: String, extensions: Set<String>, recursive: Bool) throws
        -> [String]
    {
        var result: [String] = []
        let names = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        for name in names where !name.hasPrefix(".") {
            let path = folder.hasSuffix("/") ? folder + name : folder + "/" + name
            if isDirectory(path) {
                if recursive {
                    result += try files(in: path, extensions: extensions, recursive: true)
                }
            } else if extensions.contains(URL(fileURLWithPath: name).pathExtension.lowercased()) {
                result.append(path)
            }
        }
        return result
    }

    static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }.sorted()
    }
}
