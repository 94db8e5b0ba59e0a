// A pause inside saves, for tests that kill a process in the middle of writing a checkpoint or
// a model: `GLIMPSE_TEST_PAUSE_IN=publish:0.5` (or `checkpoint:0.5`) makes every save of that
// kind print `paused in publish` on standard error and sleep half a second at its most fragile
// point. Unset (always, outside tests), it costs one environment lookup per save.
import Foundation

/// Test hook; see the file comment.
public enum SaveHook {
    /// Pauses when `GLIMPSE_TEST_PAUSE_IN` names `point`.
    public static func pause(at point: String) {
        guard let value = ProcessInfo.processInfo.environment["GLIMPSE_TEST_PAUSE_IN"] else {
            return
        }
        let parts = value.split(separator: ":")
        guard parts.count == 2, parts[0] == point, let seconds = Double(parts[1]),
            seconds > 0 && seconds < 60
        else { return }
        FileHandle.standardError.write(Data("paused in \(point)\n".utf8))
        Thread.sleep(forTimeInterval: seconds)
    }
}
