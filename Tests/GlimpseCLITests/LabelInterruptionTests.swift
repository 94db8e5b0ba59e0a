// Ctrl-C during `glimpse label VIDEO`: labelling stops between frames, the frames labelled so
// far stay printed, the error names the video and the last labelled time, no segments are
// printed as if the video were whole, `--annotate` leaves no video behind, and the exit status
// is 130.
import Foundation
import TestSupport
import XCTest

final class LabelInterruptionTests: XCTestCase {
    func testSIGINTStopsBetweenFramesAndReportsWhatWasLabelled() throws {
        let folder = Fixtures.temporaryDirectory()
        let video = folder + "/long.mp4"
        let made = try runProcess(
            "ffmpeg",
            [
                "-nostdin", "-v", "error", "-f", "lavfi", "-i",
                "testsrc2=duration=600:size=64x64:rate=10", "-c:v", "libx264", "-preset",
                "ultrafast", "-pix_fmt", "yuv420p", video,
            ])
        XCTAssertEqual(made.status, 0, made.stderr)
        let annotated = folder + "/annotated.mp4"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: glimpseExecutable)
        process.arguments = ["label", video, "--fps", "10", "--annotate", annotated]
        let (output, errors) = (Pipe(), Pipe())
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        var received = Data()
        let deadline = Date().addingTimeInterval(120)
        func lines() -> [Substring] {
            String(decoding: received, as: UTF8.self).split(separator: "\n")
        }
        while lines().count < 5 && Date() < deadline && process.isRunning {
            received += output.fileHandleForReading.availableData
        }
        XCTAssertTrue(process.isRunning, "6000 frames are not labelled before the signal")
        kill(process.processIdentifier, SIGINT)
        received += output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(
            decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, stderr)
        let printed = lines()
        XCTAssertGreaterThanOrEqual(printed.count, 5)
        XCTAssertLessThan(printed.count, 6000, "stopped before the end")
        XCTAssertFalse(printed.contains("segments:"), "no segments of a video cut short")
        // The error names the video and the time of the last frame printed.
        let last = try XCTUnwrap(printed.last?.split(separator: " ").first.flatMap { Double($0) })
        XCTAssertTrue(
            stderr.contains("\(video): stopped " + String(format: "(labelled up to %.3f s)", last)),
            stderr)
        let left = try FileManager.default.contentsOfDirectory(atPath: folder)
        XCTAssertEqual(left, ["long.mp4"], "no annotated video, whole or partial")
    }
}
