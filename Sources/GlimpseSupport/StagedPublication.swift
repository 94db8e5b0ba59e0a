// Publishing a set of files into a directory as a unit, so that a process killed at any moment
// leaves either the old set or the new one, never a mix (a redo log on the file system):
//
//   1. the files are written into DIR/.staged/ (each atomically, flushed to disk);
//   2. DIR/.staged/COMPLETE is written last: from here on the new set is the published one;
//   3. each file is renamed from .staged/ into DIR, then .staged/ is removed.
//
// `recover` (run before a directory is read or written again) finishes step 3 when COMPLETE
// exists and otherwise discards the unfinished .staged/: the old set in DIR is then whole.
import Foundation

/// Publishes files into a directory as one unit; see the file comment.
public enum StagedPublication {
    /// The staging directory's name inside the target directory.
    public static let stagingName = ".staged"
    static let markerName = "COMPLETE"

    /// Calls `write` with an empty staging directory, then publishes every file it wrote
    /// there into `directory` as a unit. Returns the names published.
    @discardableResult
    public static func publish(
        into directory: String, write: (_ staging: String) throws -> Void
    ) throws -> [String] {
        try recover(directory)
        let staging = directory + "/" + stagingName
        try Directory.create(staging)
        try write(staging)
        let names = try contents(of: staging).filter { !$0.hasPrefix(".") }
        try AtomicFile.write(
            Data(names.joined(separator: "\n").utf8), to: staging + "/" + markerName)
        try moveIn(names, from: staging, to: directory)
        return names
    }

    /// Brings `directory` back to one whole set after an interrupted ``publish(into:write:)``:
    /// rolls a completed staging forward, discards an incomplete one. Does nothing when there
    /// is no staging directory.
    public static func recover(_ directory: String) throws(FileError) {
        let staging = directory + "/" + stagingName
        guard FileManager.default.fileExists(atPath: staging) else { return }
        if let marker = FileManager.default.contents(atPath: staging + "/" + markerName) {
            let names = String(decoding: marker, as: UTF8.self).split(separator: "\n").map(
                String.init)
            let remaining = Set(try contents(of: staging))
            try moveIn(names.filter(remaining.contains), from: staging, to: directory)
        } else {
            do {
                try FileManager.default.removeItem(atPath: staging)
            } catch {
                throw FileError(path: staging, reason: "cannot remove an unfinished save")
            }
        }
    }

    /// Whether `directory` holds a save that ``recover(_:)`` has yet to finish or discard.
    public static func isInterrupted(_ directory: String) -> Bool {
        FileManager.default.fileExists(atPath: directory + "/" + stagingName)
    }

    private static func contents(of directory: String) throws(FileError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw FileError(path: directory, reason: "cannot list it")
        }
    }

    private static func moveIn(_ names: [String], from staging: String, to directory: String)
        throws(FileError)
    {
        for name in names where rename(staging + "/" + name, directory + "/" + name) != 0 {
            throw FileError(
                path: directory + "/" + name, reason: String(cString: strerror(errno)))
        }
        syncDirectory(directory)
        // The set is whole in `directory`: the log can go.
        unlink(staging + "/" + markerName)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: staging)) ?? [] {
            unlink(staging + "/" + name)
        }
        rmdir(staging)
        syncDirectory(directory)
    }

    private static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY)
        if fd >= 0 {
            fsync(fd)
            close(fd)
        }
    }
}
