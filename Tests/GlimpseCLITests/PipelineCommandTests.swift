// `glimpse run` and `glimpse pipelines`: batch runs over folders with good and corrupt files,
// runs killed by SIGKILL at random moments and resumed (no missing, duplicate or torn lines),
// shards that concatenate to the whole run, bad pipeline files refused before any input is read.
import Foundation
import TestSupport
import XCTest

final class PipelineCommandTests: XCTestCase {
    /// A folder of `count` scene images (copies of the fixtures under new names) and two
    /// corrupt files.
    func imageFolder(count: Int) throws -> (folder: String, corrupt: [String]) {
        let folder = Fixtures.temporaryDirectory() + "/images"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let sources = Fixtures.files(in: "scenes/images", withExtension: "png")
        for index in 0..<count {
            try FileManager.default.copyItem(
                atPath: sources[index % sources.count],
                toPath: folder + String(format: "/%04d.png", index))
        }
        let corrupt = [folder + "/broken.png", folder + "/truncated.jpg"]
        try Data("not an image".utf8).write(to: URL(fileURLWithPath: corrupt[0]))
        let jpeg = try Data(
            contentsOf: URL(fileURLWithPath: Fixtures.path("jpeg/baseline_420.jpg")))
        try jpeg.prefix(jpeg.count / 3).write(to: URL(fileURLWithPath: corrupt[1]))
        return (folder, corrupt)
    }

    /// The lines of a results file, failing on any line that is not a whole result line.
    func resultLines(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertTrue(text.isEmpty || text.hasSuffix("\n"), "torn last line")
        return try text.split(separator: "\n").map { line in
            let object = try XCTUnwrap(
                try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                String(line))
            XCTAssertNotNil(object["input"] as? String, String(line))
            XCTAssertNotNil(object["ok"] as? Bool, String(line))
            return object
        }
    }

    func testAFolderWithGoodAndCorruptFilesGivesOneLinePerFile() throws {
        let (folder, corrupt) = try imageFolder(count: 5)
        let out = Fixtures.temporaryDirectory() + "/out.jsonl"
        let result = try runGlimpse(["run", "caption", folder, "--out", out, "--batch", "2"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("2 of 7 inputs failed"), result.stderr)
        let lines = try resultLines(out)
        XCTAssertEqual(lines.count, 7)
        let failed = lines.filter { $0["ok"] as? Bool == false }
        XCTAssertEqual(Set(failed.compactMap { $0["input"] as? String }), Set(corrupt))
        for line in failed {
            let input = try XCTUnwrap(line["input"] as? String)
            XCTAssertTrue((line["error"] as? String)?.hasPrefix(input) ?? false, "\(line)")
        }
        // The results equal glimpse caption's on each file.
        let direct = try runGlimpse(["caption", folder + "/0001.png", "--json"])
        let expected = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: direct.stdout) as? [String: Any])
        let line = try XCTUnwrap(lines.first { $0["input"] as? String == folder + "/0001.png" })
        let result1 = try XCTUnwrap(line["result"] as? [String: Any])
        XCTAssertEqual(result1["caption"] as? String, expected["caption"] as? String)
    }

    func testKilledAtRandomMomentsAndResumedGivesEachInputExactlyOnce() throws {
        let (folder, _) = try imageFolder(count: 150)
        let out = Fixtures.temporaryDirectory() + "/out.jsonl"
        let arguments = ["run", "caption", folder, "--out", out, "--resume", "--batch", "4"]
        var random = SystemRandomNumberGenerator()
        var kills = 0
        for _ in 0..<5 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: glimpseExecutable)
            process.arguments = arguments
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: Double.random(in: 0.3...1.2, using: &random))
            if process.isRunning {
                kill(process.processIdentifier, SIGKILL)
                kills += 1
            }
            process.waitUntilExit()
            _ = try resultLines(out)
        }
        XCTAssertGreaterThanOrEqual(kills, 2, "the run finished before it could be killed")
        let finished = try runGlimpse(arguments)
        // 1 when the corrupt files were among this run's inputs, 0 when an earlier one had them.
        XCTAssertTrue([0, 1].contains(finished.status), finished.stderr)
        let inputs = try resultLines(out).compactMap { $0["input"] as? String }
        XCTAssertEqual(inputs.count, 152, "kills: \(kills)")
        XCTAssertEqual(Set(inputs).count, 152, "duplicates after \(kills) kills")
    }

    func testShardsAreDisjointAndConcatenateToTheWholeRun() throws {
        let (folder, _) = try imageFolder(count: 9)
        let whole = Fixtures.temporaryDirectory() + "/whole.jsonl"
        _ = try runGlimpse(["run", "caption", folder, "--out", whole])
        var shards: [String] = []
        for index in 0..<3 {
            let out = Fixtures.temporaryDirectory() + "/shard\(index).jsonl"
            _ = try runGlimpse(["run", "caption", folder, "--out", out, "--shard", "\(index)/3"])
            shards += try resultLines(out).compactMap { $0["input"] as? String }
        }
        XCTAssertEqual(shards.count, Set(shards).count)
        XCTAssertEqual(
            Set(shards), Set(try resultLines(whole).compactMap { $0["input"] as? String }))
        let bad = try runGlimpse(["run", "caption", folder, "--shard", "3/3"])
        XCTAssertEqual(bad.status, 64)
        XCTAssertTrue(bad.stderr.contains("--shard must be I/N"), bad.stderr)
    }

    func testBadPipelineFilesAreRefusedBeforeAnyInputIsRead() throws {
        let folder = Fixtures.temporaryDirectory()
        let file = folder + "/bad.json"
        try
            #"{"pipeline": "bad", "input": "images", "stages": [{"stage": "decode-image"}, {"stage": "answer", "model": "vqa"}]}"#
            .write(toFile: file, atomically: true, encoding: .utf8)
        // The input does not exist: the file's error comes first.
        let result = try runGlimpse(["run", file, folder + "/absent.png"])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(
            result.stderr.contains(
                "\(file): stages[1] (answer): takes VQAQuestionImage, but stage decode-image gives Image"
            ),
            result.stderr)
        let missing = try runGlimpse(["run", folder + "/nope.json", "x.png"])
        XCTAssertTrue(missing.stderr.contains("no such pipeline file"), missing.stderr)
    }

    func testExplainAndListing() throws {
        let explain = try runGlimpse(["run", "--explain", "caption"])
        XCTAssertEqual(explain.status, 0, explain.stderr)
        XCTAssertTrue(
            explain.text.contains("1. decode-image: String → Image  batch 1, workers 2"),
            explain.text)
        for step in [
            "3. encode-image: Image → ImageFeatures  batch 32",
            "4. decode-captions: ImageFeatures → CaptionResult  batch 32",
        ] {
            XCTAssertTrue(explain.text.contains(step), explain.text)
        }
        let listing = try runGlimpse(["pipelines"])
        for name in [
            "caption.json", "label-frames.json", "vqa.json", "decode-image: String → Image",
            "answer: VQAQuestionImage → VQAAnswer", "label-frames: String → VideoLabels",
            "caption: Image → CaptionResult",
        ] {
            XCTAssertTrue(listing.text.contains(name), name)
        }
    }

    func testVQAPipelineOverRows() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(
            atPath: Fixtures.path("scenes/images/000001.png"), toPath: folder + "/a.png")
        try [
            #"{"image": "a.png", "question": "how many objects are there"}"#,
            #"{"image": "a.png", "question": ""}"#,
            #"not json"#,
        ].joined(separator: "\n").write(
            toFile: folder + "/q.jsonl", atomically: true, encoding: .utf8)
        let out = folder + "/answers.jsonl"
        let result = try runGlimpse(["run", "vqa", folder + "/q.jsonl", "--out", out])
        XCTAssertEqual(result.status, 1, result.stderr)
        let lines = try resultLines(out)
        XCTAssertEqual(
            lines.map { $0["input"] as? String }, (1...3).map { "\(folder)/q.jsonl:\($0)" })
        XCTAssertEqual(lines.map { $0["ok"] as? Bool }, [true, false, false])
        let answer = try XCTUnwrap(lines[0]["result"] as? [String: Any])
        XCTAssertNotNil(answer["answer"] as? String)
        XCTAssertTrue(
            (lines[2]["error"] as? String)?.contains("line 3: not valid JSON") ?? false,
            "\(lines[2])")
    }
}
