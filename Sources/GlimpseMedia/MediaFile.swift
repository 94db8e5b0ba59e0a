// File access for the media module, with file errors reported as media errors.
import GlimpseSupport

enum MediaFile {
    static func read(_ path: String) throws(MediaError) -> [UInt8] {
        do {
            return try AtomicFile.read(path)
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
