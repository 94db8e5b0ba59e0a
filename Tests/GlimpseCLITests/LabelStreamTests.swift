// `glimpse label` on one video through pipelines/label-frames.json: a stream piped into `-` is
// labelled as it arrives (the first lines come out while the rest is still being written) with
// the labels the file gets; piped text is a list of paths instead; a video that breaks part-way
// prints what it labelled and an error naming it, and no segments passed off as complete.
import Foundation
import TestSupport
import XCTest

final class LabelStreamTests: XCTestCase {
    let video = Fixtures.path("activities/videos/000002.mp4")

    /// The fixture clip as MPEG-TS (a container read front to back), through the ffmpeg CLI.
    func transportStream() throws -> String {
        let path = Fixtures.temporaryDirectory() + "/clip.ts"
        let result = try runProcess(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", video, "-c", "copy", "-f", "mpegts", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return path
    }

    /// The per-frame labels of a table's lines (time, label, confidence).
    func frameLabels(_ table: String) -> [String] {
        table.split(separator: "\n").prefix { $0 != "segments:" }.map {
            String($0.split(separator: " ", omittingEmptySubsequences: true)[1])
        }
    }

    func testAStreamPipedInIsLabelledAsItArrivesWithTheFilesLabels() throws {
        let file = try runGlimpse(["label", video])
        XCTAssertEqual(file.status, 0, file.stderr)
        let expected = frameLabels(file.text)
        XCTAssertGreaterThan(expected.count, 40)

        let bytes = try Data(contentsOf: URL(fileURLWithPath: try transportStream()))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: glimpseExecutable)
        process.arguments = ["label", "-"]
        let (input, output, errors) = (Pipe(), Pipe(), Pipe())
        process.standardInput = input
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        input.fileHandleForWriting.write(bytes.prefix(bytes.count * 3 / 4))
        // Lines arrive before the stream is whole (the rest is not written yet).
        var received = Data()
        let deadline = Date().addingTimeInterval(120)
        while String(decoding: received, as: UTF8.self).split(separator: "\n").count < 5
            && Date() < deadline
        {
            received += output.fileHandleForReading.availableData
        }
        XCTAssertGreaterThanOrEqual(
            String(decoding: received, as: UTF8.self).split(separator: "\n").count, 5,
            "frames are labelled as the stream arrives")
        XCTAssertTrue(process.isRunning, "still waiting for the rest of the stream")
        input.fileHandleForWriting.write(bytes.suffix(from: bytes.count * 3 / 4))
        try input.fileHandleForWriting.close()
        received += output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let stderr = String(
            decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        XCTAssertEqual(process.terminationStatus, 0, stderr)
        let table = String(decoding: received, as: UTF8.self)
        XCTAssertEqual(frameLabels(table), expected)
        XCTAssertTrue(table.contains("\nsegments:\n"), table)

        // The JSON of a stream names it "-".
        let json = try runGlimpse(
            ["label", "-", "--format", "json"], standardInput: try transportStream())
        XCTAssertEqual(json.status, 0, json.stderr)
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        XCTAssertEqual(object["video"] as? String, "-")
        XCTAssertEqual((object["frames"] as? [Any])?.count, expected.count)
    }

    func testPipedTextIsAListOfPaths() throws {
        let list = Fixtures.temporaryDirectory() + "/list.txt"
        let second = Fixtures.path("activities/videos/000003.mp4")
        try "\(video)\n\(second)\n".write(toFile: list, atomically: true, encoding: .utf8)
        let result = try runGlimpse(["label", "-"], standardInput: list)
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = try result.text.split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(lines.map { $0["video"] as? String }, [video, second])
        XCTAssertEqual(lines.map { $0["ok"] as? Bool }, [true, true])
    }

    func testAVideoThatBreaksPartWayIsReportedAsPartial() throws {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: try transportStream()))
        let broken = Fixtures.temporaryDirectory() + "/broken.ts"
        var damaged = bytes
        // Garbage over the middle third: packets the demuxer and decoder cannot use.
        for index in (bytes.count / 3)..<(2 * bytes.count / 3) { damaged[index] = 0x5A }
        try damaged.write(to: URL(fileURLWithPath: broken))
        for (arguments, input, name) in [
            (["label", broken], nil, "broken.ts"), (["label", "-"], broken, "standard input"),
        ] {
            let result = try runGlimpse(arguments, standardInput: input)
            XCTAssertEqual(result.status, 1, "\(arguments) \(result.stderr)")
            XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr)
            XCTAssertTrue(result.stderr.contains(name), result.stderr)
            XCTAssertTrue(result.stderr.contains("labelled up to"), result.stderr)
            XCTAssertGreaterThan(frameLabels(result.text).count, 3, "what decoded is shown")
            XCTAssertFalse(result.text.contains("segments:"), "no partial result as a whole")
        }
    }
}
