// Standard input as bytes, shared by whoever reads it: a command can look at the first bytes
// (to tell a video stream piped from `ffmpeg` from a list of paths) and whatever reads next —
// the stream's decoder or a line reader — still gets them.
import Foundation
import Glibc

/// The process's standard input, read through one buffer.
///
/// ```swift
/// let head = StandardInput.shared.peek(upTo: 4096)
/// if StandardInput.looksLikeText(head) { while let line = StandardInput.shared.readLine() … }
/// else { let reader = try VideoReader(standardInput: options) }
/// ```
public final class StandardInput: @unchecked Sendable {
    public static let shared = StandardInput(descriptor: 0)

    private let descriptor: Int32
    private let lock = NSLock()
    /// Bytes read but not yet handed out.
    private var pending: [UInt8] = []
    private var ended = false

    /// Reads `descriptor` (a test may give a pipe's).
    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next bytes, up to `count` (fewer only at the end), without consuming them.
    public func peek(upTo count: Int) -> [UInt8] {
        lock.lock()
        defer { lock.unlock() }
        while pending.count < count && fill(count - pending.count) > 0 {}
        return Array(pending.prefix(count))
    }

    /// Copies up to `buffer.count` bytes into `buffer`: the count, 0 at the end, or −errno.
    public func read(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        lock.lock()
        defer { lock.unlock() }
        if pending.isEmpty {
            let got = fill(max(buffer.count, 1))
            if got <= 0 { return got }
        }
        let count = min(buffer.count, pending.count)
        pending.withUnsafeBytes {
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[0..<count]))
        }
        pending.removeFirst(count)
        return count
    }

    /// The next line without its newline (a `\r` before it dropped too), nil at the end.
    public func readLine() -> String? {
        lock.lock()
        defer { lock.unlock() }
        var searched = 0
        while true {
            if let newline = pending[searched...].firstIndex(of: 0x0A) {
                var line = pending[..<newline]
                if line.last == 0x0D { line = line.dropLast() }
                let text = String(decoding: line, as: UTF8.self)
                pending.removeFirst(newline + 1)
                return text
            }
            searched = pending.count
            if fill(1 << 16) <= 0 {
                guard !pending.isEmpty else { return nil }
                let text = String(decoding: pending, as: UTF8.self)
                pending.removeAll()
                return text
            }
        }
    }

    /// Whether `head` (the first bytes of an input) reads as text — valid UTF-8 with no control
    /// characters but tab, newline and carriage return — as a list of paths does and no video
    /// container does (MP4, Matroska, MPEG-TS, NUT, AVI and FLV all put NUL or other control
    /// bytes in their first packets).
    public static func looksLikeText(_ head: [UInt8]) -> Bool {
        // A UTF-8 sequence cut off by the end of `head` is not a reason to call it binary.
        var end = head.count
        var continuation = 0
        while continuation < 3 && end - continuation > 0
            && head[end - continuation - 1] & 0xC0 == 0x80
        {
            continuation += 1
        }
        let lead = end - continuation - 1
        if lead >= 0 && head[lead] >= 0xC0 {
            let length = head[lead] >= 0xF0 ? 4 : head[lead] >= 0xE0 ? 3 : 2
            if continuation + 1 < length { end = lead }
        }
        guard String(validating: head[..<end], as: UTF8.self) != nil else { return false }
        return !head.contains { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D || $0 == 0x7F }
    }

    /// Reads up to `count` more bytes into `pending`: how many, 0 at the end, or −errno.
    private func fill(_ count: Int) -> Int {
        guard !ended else { return 0 }
        var chunk = [UInt8](repeating: 0, count: count)
        while true {
            let got = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, count) }
            if got > 0 {
                pending += chunk[0..<got]
                return got
            }
            if got == 0 {
                ended = true
                return 0
            }
            if errno == EINTR { continue }
            return -Int(errno)
        }
    }
}
