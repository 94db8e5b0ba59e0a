// Creating output directories with the system's reason on failure (Foundation's
// `createDirectory` reports `NSCocoaErrorDomain error 512`, which tells a user nothing).
import Foundation

/// Directories that outputs are written into.
public enum Directory {
    /// `mkdir -p path`: creates `path` and its missing parents. Throws naming the first
    /// component that cannot be made, with the system's reason (or `exists and is not a
    /// directory`).
    public static func create(_ path: String) throws(FileError) {
        var current = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            current += "/" + component
            if mkdir(current, 0o755) == 0 { continue }
            let code = errno
            var isDirectory: ObjCBool = false
            if code == EEXIST,
                FileManager.default.fileExists(atPath: current, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                continue
            }
            let reason =
                code == EEXIST ? "exists and is not a directory" : String(cString: strerror(code))
            throw FileError(path: current, reason: reason)
        }
    }
}
