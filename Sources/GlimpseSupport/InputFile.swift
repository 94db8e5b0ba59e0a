// Reading untrusted input files in bounded time and memory: only regular files are read (a
// FIFO, a device such as /dev/zero, a directory or a socket is refused before any byte is
// read, and opening never blocks), and every read has a byte limit fixed before it starts.
import Foundation

/// Checked, bounded reads of input files. Every module that reads a user's file (media, model
/// directories, datasets) goes through here, so hostile paths fail the same way everywhere.
public enum InputFile {
    /// The size in bytes of the regular file at `path`, after checking that it is one and
    /// that it can be opened for reading.
    ///
    /// Throws a ``FileError`` whose reason says what the path is instead: `no such file`,
    /// `is a directory`, `is a FIFO (named pipe), not a regular file`, `is a character device,
    /// not a regular file`, `permission denied`…  Never blocks, even on a FIFO with no writer.
    public static func size(of path: String) throws(FileError) -> Int {
        let fd = try open(path)
        defer { close(fd) }
        return try regularSize(fd, path: path)
    }

    /// Reads the whole regular file at `path`, refusing it before reading when it is larger
    /// than `limit` bytes (`file is N bytes, more than the limit of L bytes`).
    public static func read(_ path: String, limit: Int) throws(FileError) -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        let size = try regularSize(fd, path: path)
        guard size <= limit else {
            throw FileError(
                path: path, reason: "file is \(size) bytes, more than the limit of \(limit) bytes")
        }
        // A file that grows while being read is cut at its size when opened.
        return try readUpTo(size, from: fd, path: path)
    }

    /// Reads at most the first `count` bytes of the regular file at `path` (fewer when the file
    /// is shorter): enough for a format's header without reading the rest.
    public static func readPrefix(_ path: String, count: Int) throws(FileError) -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        let size = try regularSize(fd, path: path)
        return try readUpTo(min(size, max(count, 0)), from: fd, path: path)
    }

    /// Opens without blocking (O_NONBLOCK: a FIFO with no writer opens at once and is then
    /// refused by `regularSize`); regular files ignore the flag.
    private static func open(_ path: String) throws(FileError) -> Int32 {
        let fd = Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else {
            throw FileError(path: path, reason: describe(errno: errno))
        }
        return fd
    }

    private static func regularSize(_ fd: Int32, path: String) throws(FileError) -> Int {
        var status = stat()
        guard fstat(fd, &status) == 0 else {
            throw FileError(path: path, reason: describe(errno: errno))
        }
        let type = status.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw FileError(path: path, reason: describe(fileType: type))
        }
        return Int(status.st_size)
    }

    private static func readUpTo(_ count: Int, from fd: Int32, path: String) throws(FileError)
        -> [UInt8]
    {
        var failure: Int32 = 0
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = 0
            guard let base = buffer.baseAddress else { return }
            while initialized < count {
                let got = Glibc.read(fd, base + initialized, count - initialized)
                if got < 0 && errno == EINTR { continue }
                if got < 0 { failure = errno }
                if got <= 0 { return }
                initialized += got
            }
        }
        guard failure == 0 else { throw FileError(path: path, reason: describe(errno: failure)) }
        return bytes
    }

    private static func describe(errno code: Int32) -> String {
        switch code {
        case ENOENT: "no such file"
        case EACCES, EPERM: "permission denied"
        case EISDIR: "is a directory"
        case ENOTDIR: "a component of the path is not a directory"
        case ELOOP: "too many levels of symbolic links"
        case ENXIO: "is a socket or a device without a driver, not a regular file"
        default: String(cString: strerror(code))
        }
    }

    private static func describe(fileType: mode_t) -> String {
        switch fileType {
        case S_IFDIR: "is a directory"
        case S_IFIFO: "is a FIFO (named pipe), not a regular file"
        case S_IFCHR: "is a character device, not a regular file"
        case S_IFBLK: "is a block device, not a regular file"
        case S_IFSOCK: "is a socket, not a regular file"
        default: "is not a regular file"
        }
    }
}
