// Locating the repository's fixtures/ and running reference tools (ffmpeg, djpeg) in tests.
import Foundation
import Synchronization

/// Paths inside the repository, found from this source file's location.
public enum Fixtures {
    /// The repository root (the folder holding Package.swift).
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(
                atPath: url.appendingPathComponent("Package.swift").path)
            {
                return url
            }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// `fixtures/<relative>` as a path.
    public static func path(_ relative: String) -> String {
        root.appendingPathComponent("fixtures").appendingPathComponent(relative).path
    }

    /// Files in `fixtures/<folder>` with the extension, sorted by name.
    public static func files(in folder: String, withExtension ext: String) -> [String] {
        let directory = path(folder)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix("." + ext) }.sorted().map { directory + "/" + $0 }
    }

    /// A fresh empty temporary directory, inside this test process's scratch directory.
    public static func temporaryDirectory() -> String {
        let url = scratch.appendingPathComponent(UUID().uuidString)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// `glimpse-tests-<pid>` in the system's temporary directory, made on first use (replacing
    /// one a dead process of the same pid left) and removed when the process exits, so that test
    /// runs leave nothing behind.
    private static let scratch: URL = {
        let url = scratchURL()
        try? FileManager.default.removeItem(at: url)
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(at: scratchURL()) }
        return url
    }()

    private static func scratchURL() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("glimpse-tests-\(getpid())")
    }
}

/// The result of running an external program.
public struct ProcessResult {
    public var status: Int32
    public var stdout: Data
    public var stderr: String
    /// Whether the process was killed for running past its time limit.
    public var timedOut = false

    public var text: String { String(decoding: stdout, as: UTF8.self) }
}

/// Runs `executable` (looked up on PATH) with `arguments` and collects its output. With a
/// `timeout`, the process is killed (SIGKILL) when it runs longer, and the result says so, so
/// that a test of something that must end quickly fails instead of hanging.
public func runProcess(
    _ executable: String, _ arguments: [String], timeout: TimeInterval? = nil,
    standardInput: String? = nil
) throws -> ProcessResult {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    if let standardInput {
        guard let input = FileHandle(forReadingAtPath: standardInput) else {
            throw CocoaError(.fileReadNoSuchFile, userInfo: [NSFilePathErrorKey: standardInput])
        }
        process.standardInput = input
    } else {
        process.standardInput = FileHandle.nullDevice
    }
    try process.run()
    let killed = Mutex(false)
    if let timeout {
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) {
            killed.withLock {
                // Only a child that has not been reaped yet: its pid cannot have been reused.
                if process.isRunning {
                    kill(pid, SIGKILL)
                    $0 = true
                }
            }
        }
    }
    // Read both pipes concurrently so neither fills up and blocks the child.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
        errData = err.fileHandleForReading.readDataToEndOfFile()
        group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    process.waitUntilExit()
    return ProcessResult(
        status: process.terminationStatus, stdout: outData,
        stderr: String(decoding: errData, as: UTF8.self), timedOut: killed.withLock { $0 })
}

/// Decodes `path` with the ffmpeg CLI to raw interleaved samples (`-pix_fmt rgb24`, `rgba`,
/// `rgb48be`…), the reference our decoders are checked against.
public func ffmpegRaw(_ path: String, pixelFormat: String, extra: [String] = []) throws -> [UInt8] {
    let result = try runProcess(
        "ffmpeg",
        ["-v", "error", "-nostdin", "-i", path] + extra + [
            "-f", "rawvideo", "-pix_fmt", pixelFormat, "-",
        ])
    guard result.status == 0 else {
        throw NSError(
            domain: "ffmpeg", code: Int(result.status),
            userInfo: [NSLocalizedDescriptionKey: "ffmpeg failed on \(path): \(result.stderr)"])
    }
    return [UInt8](result.stdout)
}
