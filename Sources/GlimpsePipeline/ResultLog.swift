// A batch run's output: one JSON line per input, `{"input", "ok": true, "result"}` or
// `{"input", "ok": false, "error"}`. Each line goes to the file in one write(2) on a file
// opened for appending, so a run killed at any moment leaves whole lines and at most one torn
// last line; resuming cuts the torn line off and skips the inputs already there, which gives
// every input exactly once.
import Foundation
import GlimpseSupport

/// Where a run's result lines go: standard output, or a file appended to.
public final class ResultLog {
    /// The inputs the file already holds (empty unless resuming).
    public private(set) var completed: Set<String> = []
    private let path: String?
    private let descriptor: Int32

    /// Lines to standard output.
    public init() {
        path = nil
        descriptor = STDOUT_FILENO
    }

    /// Lines appended to `path` (created if missing). With `resume`, a torn last line is cut
    /// off and the inputs present are recorded in ``completed``; a line that is not a result
    /// line before the end is an error naming the file and line.
    public init(appendingTo path: String, resume: Bool) throws {
        self.path = path
        if resume, FileManager.default.fileExists(atPath: path) {
            completed = try Self.recover(path)
        }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            throw FileError(path: path, reason: String(cString: strerror(errno)))
        }
        self.descriptor = descriptor
    }

    deinit {
        if path != nil {
            fsync(descriptor)
            close(descriptor)
        }
    }

    /// Writes the line of a result: `result` is its JSON.
    public func append(input: String, result: Data) throws {
        var line = Data("{\"input\":".utf8)
        line.append(try Self.jsonString(input))
        line.append(Data(",\"ok\":true,\"result\":".utf8))
        line.append(result)
        line.append(Data("}\n".utf8))
        try write(line)
    }

    /// Writes the line of an input that failed.
    public func append(input: String, error: String) throws {
        var line = Data("{\"input\":".utf8)
        line.append(try Self.jsonString(input))
        line.append(Data(",\"ok\":false,\"error\":".utf8))
        line.append(try Self.jsonString(error))
        line.append(Data("}\n".utf8))
        try write(line)
    }

    /// Flushes the file to disk (at the end of a run).
    public func sync() {
        if path != nil { fsync(descriptor) }
    }

    private func write(_ line: Data) throws {
        try line.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            guard var base = buffer.baseAddress else { return }
            var left = buffer.count
            while left > 0 {
                let written = Glibc.write(descriptor, base, left)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileError(
                        path: path ?? "standard output", reason: String(cString: strerror(errno)))
                }
                left -= written
                base += written
            }
        }
    }

    private static func jsonString(_ text: String) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return try encoder.encode(text)
    }

    /// Cuts a torn last line off `path` and returns the inputs of its lines.
    static func recover(_ path: String) throws -> Set<String> {
        var bytes = try InputFile.read(path, limit: RunInputs.maxListBytes)
        if let last = bytes.last, last != 0x0A {
            let keep = (bytes.lastIndex(of: 0x0A)).map { $0 + 1 } ?? 0
            guard truncate(path, off_t(keep)) == 0 else {
                throw FileError(path: path, reason: String(cString: strerror(errno)))
            }
            bytes.removeSubrange(keep...)
        }
        var inputs: Set<String> = []
        var number = 0
        for line in bytes.split(separator: 0x0A) {
            number += 1
            guard
                let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let input = object["input"] as? String
            else {
                throw PipelineError.invalidRun(
                    "\(path): line \(number) is not a result line (\"input\" missing); "
                        + "resume into a results file of this run only")
            }
            inputs.insert(input)
        }
        return inputs
    }
}
