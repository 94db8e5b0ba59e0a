// File access for the media module, with file errors reported as media errors. Inputs are
// read through InputFile: regular files only, never blocking, and never more than a bound.
import GlimpseSupport

enum MediaFile {
    /// The whole regular file at `path`, refused before reading when over `limit` bytes.
    static func read(_ path: String, limit: Int) throws(MediaError) -> [UInt8] {
        do {
            return try InputFile.read(path, limit: limit)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
    }

    /// At most the first `count` bytes of the regular file at `path`.
    static func readPrefix(_ path: String, count: Int) throws(MediaError) -> [UInt8] {
        do {
            return try InputFile.readPrefix(path, count: count)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
    }

    /// The size of the regular file at `path`, which must be readable.
    static func size(of path: String) throws(MediaError) -> Int {
        do {
            return try InputFile.size(of: path)
        } catch {
            throw .unreadable(path: path, reason: error.reason)
        }
    }

    static func write(_ bytes: [UInt8], to path: String) throws(MediaError) {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw .unwritable(path: path, reason: error.reason)
        }
    }
}
