// Batch runs: result lines written whole, a torn last line cut off on resume, inputs already
// present skipped, shards disjoint and covering, inputs expanded from folders, lists and
// standard input; progress lines.
import Foundation
import GlimpsePipeline
import TestSupport
import XCTest

final class BatchRunTests: XCTestCase {
    func lengths() throws -> LoadedPipeline {
        try LoadedPipeline(
            PipelineDefinition(
                pipeline: "lengths", input: .images,
                stages: [
                    ["stage": .string("length")], ["stage": .string("scale"), "factor": .int(3)],
                ]),
            path: "lengths.json", registry: toyRegistry, context: StageContext())
    }

    func lines(_ path: String) throws -> [[String: Any]] {
        try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map {
            try XCTUnwrap(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    func testResultLinesAndResumeAfterATornLine() throws {
        let out = Fixtures.temporaryDirectory() + "/results.jsonl"
        let items =
            ["a", "bb", "ccc", "dddd"].map { PipelineItem(id: $0, value: $0) }
            + [
                PipelineItem(
                    id: "missing", error: PipelineError.invalidRun("missing: no such file"))
            ]
        let first = try BatchRun(pipeline: try lengths()).run(
            Array(items.prefix(2)), into: try ResultLog(appendingTo: out, resume: false))
        XCTAssertEqual(first.written, 2)
        // A run killed inside a write leaves part of a line.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: out))
        handle.seekToEndOfFile()
        handle.write(Data(#"{"input":"ccc","ok":tr"#.utf8))
        handle.closeFile()

        let log = try ResultLog(appendingTo: out, resume: true)
        XCTAssertEqual(log.completed, ["a", "bb"])
        let second = try BatchRun(pipeline: try lengths()).run(items, into: log)
        XCTAssertEqual(second.skipped, 2)
        XCTAssertEqual(second.written, 3)
        XCTAssertEqual(second.failed, 1)
        let written = try lines(out)
        XCTAssertEqual(
            written.map { $0["input"] as? String }, ["a", "bb", "ccc", "dddd", "missing"])
        XCTAssertEqual(written.map { $0["result"] as? Int }, [3, 6, 9, 12, nil])
        XCTAssertEqual(written.map { $0["ok"] as? Bool }, [true, true, true, true, false])
        XCTAssertEqual(written.last?["error"] as? String, "missing: no such file")
    }

    func testAForeignLineIsRefusedNamingIt() throws {
        let out = Fixtures.temporaryDirectory() + "/results.jsonl"
        try "{\"input\":\"a\",\"ok\":true,\"result\":1}\nhello\n{\"input\":\"b\"}\n".write(
            toFile: out, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try ResultLog(appendingTo: out, resume: true)) { error in
            XCTAssertTrue(
                (error as? LocalizedError)?.errorDescription?.contains(
                    "\(out): line 2 is not a result line")
                    ?? false, "\(error)")
        }
    }

    func testShardsAreDisjointAndCoverTheInput() throws {
        let ids = (0..<1000).map { "images/\($0).png" }
        for count in 1...7 {
            var seen: [String: Int] = [:]
            for index in 0..<count {
                let shard = try Shard("\(index)/\(count)")
                for id in ids where shard.contains(id) { seen[id, default: 0] += 1 }
                let size = ids.filter(shard.contains).count
                // A hash split: every shard gets its share give or take.
                XCTAssertGreaterThan(size, 1000 / count / 2, "\(index)/\(count)")
            }
            XCTAssertEqual(seen.count, ids.count)
            XCTAssertTrue(seen.values.allSatisfy { $0 == 1 })
        }
        for bad in ["4/4", "-1/4", "1/0", "1", "a/b", "1/2/3"] {
            XCTAssertThrowsError(try Shard(bad), bad)
        }
    }

    func testInputsFromFoldersListsAndStandardInput() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(
            atPath: folder + "/sub/deeper", withIntermediateDirectories: true)
        for name in [
            "b.png", "a.JPG", "notes.txt", "sub/c.jpeg", "sub/deeper/d.png", ".hidden.png",
        ] {
            FileManager.default.createFile(atPath: folder + "/" + name, contents: Data())
        }
        let extensions = PipelineInputKind.images.extensions
        XCTAssertEqual(
            try RunInputs.paths([folder], extensions: extensions),
            [folder + "/a.JPG", folder + "/b.png"])
        XCTAssertEqual(
            try RunInputs.paths([folder], extensions: extensions, recursive: true),
            [
                folder + "/a.JPG", folder + "/b.png", folder + "/sub/c.jpeg",
                folder + "/sub/deeper/d.png",
            ])
        try "# a list\nx.png\n\n  y.png  \nx.png\n".write(
            toFile: folder + "/list.txt", atomically: true, encoding: .utf8)
        XCTAssertEqual(
            try RunInputs.paths(["@" + folder + "/list.txt"], extensions: extensions),
            ["x.png", "y.png"])
        var typed = ["z.png", "", "x.png"]
        XCTAssertEqual(
            try RunInputs.paths(["-", "z.png"], extensions: extensions) {
                typed.isEmpty ? nil : typed.removeFirst()
            }, ["z.png", "x.png"])
        XCTAssertEqual(
            try RunInputs.paths([folder + "/*.png"], extensions: extensions), [folder + "/b.png"])
        XCTAssertThrowsError(
            try RunInputs.paths([folder + "/sub/deeper/*.jpg"], extensions: extensions))
        XCTAssertThrowsError(
            try RunInputs.paths(["@" + folder + "/absent.txt"], extensions: extensions))
    }

    func testRowsAreItemsNamedFileAndLine() throws {
        let path = Fixtures.temporaryDirectory() + "/q.jsonl"
        try "{\"a\":1}\n\n{\"a\":2}\n".write(toFile: path, atomically: true, encoding: .utf8)
        let items = RunInputs.items([path, "/absent.jsonl"], kind: .rows)
        XCTAssertEqual(items.map(\.id), ["\(path):1", "\(path):3", "/absent.jsonl"])
        if case .success(let value) = items[1].value {
            XCTAssertEqual(value as? TextRow, TextRow(file: path, line: 3, text: "{\"a\":2}"))
        } else {
            XCTFail("row 3 unread")
        }
        if case .success = items[2].value { XCTFail("a missing file is an error item") }
    }

    func testProgressLinesOffATerminal() throws {
        var written: [String] = []
        let progress = ProgressReporter(terminal: false, interval: 0) { written.append($0) }
        let items = (1...5).map {
            PipelineItem(id: "\($0)", value: String(repeating: "x", count: $0))
        }
        _ = try BatchRun(pipeline: try lengths()).run(items, into: nil, progress: progress)
        XCTAssertEqual(written.count, 5)
        XCTAssertTrue(written[0].hasPrefix("1/5 (20%)  "), written[0])
        XCTAssertTrue(written[4].hasPrefix("5/5 (100%)  "), written[4])
        XCTAssertTrue(written[2].contains("items/s  ETA "), written[2])
    }
}
