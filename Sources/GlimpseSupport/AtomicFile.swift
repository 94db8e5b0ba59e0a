// Writing outputs so that a reader never sees a partial file: temp file, fsync, rename.
// Shared by every module that writes files (images, videos, checkpoints, reports).
import Foundation

/// A file that could not be read or written, with the reason from the system.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    public var path: String
    public var reason: String

    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }

    public var description: String { "\(path): \(reason)" }
    public var errorDescription: String? { description }
}

/// Atomic writes with errors that name the file (reads: ``InputFile``).
public enum AtomicFile {
    /// Writes `bytes` to `path` atomically: a temporary file in the same directory is written,
    /// flushed to disk and renamed over `path`, so `path` holds either the old or the new bytes.
    public static func write<Bytes: ContiguousBytes>(_ bytes: Bytes, to path: String)
        throws(FileError)
    {
        let temporary = temporaryPath(for: path)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw FileError(path: path, reason: String(cString: strerror(errno)))
        }
        var failure: String?
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil && fsync(fd) != 0 { failure = String(cString: strerror(errno)) }
        close(fd)
        if failure == nil { failure = commit(temporary, to: path) }
        if let failure {
            unlink(temporary)
            throw FileError(path: path, reason: failure)
        }
    }

    /// Syncs a finished temporary file and renames it to `path` (for writers such as FFmpeg's
    /// muxer that produce the temporary file themselves). Returns an error text or nil.
    public static func commit(_ temporary: String, to path: String) -> String? {
        let fd = open(temporary, O_RDONLY | O_CLOEXEC)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
        guard rename(temporary, path) == 0 else { return String(cString: strerror(errno)) }
        // Make the rename itself durable.
        let directory = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
        return nil
    }

    /// Removes the temporary files (`temporaryPath(for:)`'s names) in `directory` that a
    /// process no longer running left behind, as a killed run does; those of live processes
    /// are kept. Returns the names removed.
    @discardableResult
    public static func removeStaleTemporaries(in directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        var removed: [String] = []
        for name in names where name.hasPrefix(".") && name.hasSuffix(".tmp") {
            let parts = name.dropLast(4).split(separator: ".")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]), pid > 0,
                UInt32(parts[parts.count - 1]) != nil
            else { continue }
            // kill(pid, 0) fails with ESRCH only when no such process exists.
            guard kill(pid, 0) != 0 && errno == ESRCH else { continue }
            if unlink(directory + "/" + name) == 0 { removed.append(name) }
        }
        return removed.sorted()
    }

    /// A unique sibling path for a temporary file that becomes `path` when complete.
    public static func temporaryPath(for path: String) -> String {
        let url = URL(fileURLWithPath: path)
        let name = ".\(url.lastPathComponent).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        return url.deletingLastPathComponent().appendingPathComponent(name).path
    }
}
