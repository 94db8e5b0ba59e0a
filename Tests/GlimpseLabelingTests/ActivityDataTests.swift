// Frame-labelling data: the synthetic generator is deterministic and writes valid segments and
// videos of the declared shape; segments.csv rows are checked one by one; early detection and
// frame AP against hand-worked examples.
import Foundation
import GlimpseMedia
import GlimpseScenes
import TestSupport
import XCTest

@testable import GlimpseLabeling

final class ActivityDataTests: XCTestCase {
    func testGeneratedClipsAreDeterministicAndValid() throws {
        for index in 0..<30 {
            let a = ActivityGenerator(seed: 7).clip(index)
            let b = ActivityGenerator(seed: 7).clip(index)
            XCTAssertEqual(a.frames, b.frames)
            XCTAssertEqual(a.segments, b.segments)
            XCTAssertTrue((8...15).contains(Int(a.fps)))
            let duration = Double(a.frames.count) / a.fps
            XCTAssertTrue((3...20.1).contains(duration), "\(duration) s")
            XCTAssertGreaterThanOrEqual(a.segments.count, 1)
            for (first, second) in zip(a.segments, a.segments.dropFirst()) {
                XCTAssertLessThan(first.end, second.start, "sorted, with a gap")
            }
            for segment in a.segments {
                XCTAssertGreaterThan(segment.start, 0)
                XCTAssertLessThanOrEqual(segment.end, duration)
            }
        }
        XCTAssertNotEqual(
            ActivityGenerator(seed: 7).clip(0).frames, ActivityGenerator(seed: 8).clip(0).frames)
    }

    func testSingleFramesLookAlikeAcrossActivities() {
        // The object's area (pixels not of the background colour) per frame, by activity: the
        // means differ by far less than their spread, so a frame's size does not give it away.
        var areas: [Activity: [Double]] = [:]
        for index in 0..<60 {
            let clip = ActivityGenerator(seed: 3).clip(index)
            for segment in clip.segments {
                let frame = clip.frames[Int((segment.start + segment.end) / 2 * clip.fps)]
                let background = Array(frame.pixels[0..<3])
                let pixels = stride(from: 0, to: frame.pixels.count, by: 3).filter {
                    Array(frame.pixels[$0..<($0 + 3)]) != background
                }.count
                areas[segment.activity, default: []].append(Double(pixels))
            }
        }
        let all = areas.values.flatMap { $0 }
        let mean = all.reduce(0, +) / Double(all.count)
        let spread = (all.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(all.count))
            .squareRoot()
        for (activity, values) in areas {
            let classMean = values.reduce(0, +) / Double(values.count)
            XCTAssertLessThan(abs(classMean - mean), spread, "\(activity): \(classMean) vs \(mean)")
        }
    }

    func testGrowingAndShrinkingNeverStallAtASizeLimit() {
        // Between a grow or shrink segment's first and last frame the object's area (pixels not
        // of the background colour, the small distractor's included) changes by at least a
        // quarter, the right way: a label never says "grow" of an object already at its
        // largest.
        var checked = 0
        for index in 0..<80 {
            let clip = ActivityGenerator(seed: 5).clip(index)
            for segment in clip.segments where [.grow, .shrink].contains(segment.activity) {
                let first = clip.frames[Int((segment.start * clip.fps).rounded(.up))]
                let last = clip.frames[Int((segment.end * clip.fps).rounded(.up)) - 1]
                let (before, after) = (area(first), area(last))
                let ratio = segment.activity == .grow ? after / before : before / after
                XCTAssertGreaterThan(ratio, 1.25, "clip \(index) \(segment)")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    /// Pixels of a frame not of its top-left pixel's colour.
    func area(_ frame: Image) -> Double {
        let background = Array(frame.pixels[0..<3])
        return Double(
            stride(from: 0, to: frame.pixels.count, by: 3).filter {
                Array(frame.pixels[$0..<($0 + 3)]) != background
            }.count)
    }

    func testWrittenDatasetLoadsAndDecodesAtTheSamplingRate() throws {
        let folder = Fixtures.temporaryDirectory()
        try ActivityDatasetWriter(generator: ActivityGenerator(seed: 2)).write(count: 3, to: folder)
        let dataset = try ActivityDataset(contentsOf: folder)
        XCTAssertEqual(dataset.videos.count, 3)
        XCTAssertEqual(dataset.labels.first, "background")
        let clip = ActivityGenerator(seed: 2).clip(0)
        let info = try VideoReader(path: dataset.videos[0].path).info
        XCTAssertEqual(info.width, 64)
        XCTAssertEqual(info.height, 64)
        var preprocessing = FrameLabelConfiguration().encoder.preprocessing
        preprocessing.width = 32
        preprocessing.height = 32
        let clips = try dataset.clips(fps: 4, preprocessing: preprocessing, labels: dataset.labels)
        let expected = Int((Double(clip.frames.count) / clip.fps * 4).rounded(.up))
        XCTAssertEqual(Double(clips[0].frames.count), Double(expected), accuracy: 1)
        XCTAssertEqual(clips[0].frames[0].width, 32)
        // Labels follow the timestamps.
        for (time, label) in zip(clips[0].times, clips[0].labels) {
            let segment = clip.segments.first { $0.start <= time && time < $0.end }
            XCTAssertEqual(
                dataset.labels[label], segment?.activity.rawValue ?? "background", "t = \(time)")
        }
    }

    func testBadRowsAreNamed() throws {
        let folder = Fixtures.temporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: folder + "/a.mp4"))
        for (rows, expected) in [
            ("video,start,end,label\n", "row 1: the header"),
            ("video,start_s,end_s,label\na.mp4,2,1,run\n", "row 2: end 1 is not after start 2"),
            ("video,start_s,end_s,label\na.mp4,-1,1,run\n", "row 2: negative start"),
            ("video,start_s,end_s,label\na.mp4,x,1,run\n", "row 2: start_s and end_s must be"),
            ("video,start_s,end_s,label\nb.mp4,0,1,run\n", "row 2: no video b.mp4"),
            ("video,start_s,end_s,label\na.mp4,0,1\n", "row 2: expected 4 fields"),
            ("video,start_s,end_s,label\na.mp4,0,2,run\na.mp4,1,3,jump\n", "row 3: overlaps"),
            ("video,start_s,end_s,label\n", "no segments"),
        ] {
            try rows.write(toFile: folder + "/segments.csv", atomically: true, encoding: .utf8)
            XCTAssertThrowsError(try ActivityDataset(contentsOf: folder)) {
                XCTAssertTrue("\($0)".contains(expected), "\($0)")
                XCTAssertTrue("\($0)".hasPrefix(folder + "/segments.csv"), "\($0)")
            }
        }
        try "video,start_s,end_s,label\n\"a.mp4\",0,1,\"run, fast\"\n".write(
            toFile: folder + "/segments.csv", atomically: true, encoding: .utf8)
        XCTAssertEqual(try ActivityDataset(contentsOf: folder).labels, ["background", "run, fast"])
    }

    /// segments.csv as other tools write it: CRLF line ends (Python's csv module), a UTF-8
    /// byte-order mark (spreadsheets), quoted fields with commas and doubled quotes, a blank
    /// last line. Each gives the data set the plain file gives.
    func testSegmentsCSVFromOtherToolsReadsAsThePlainFile() throws {
        let folder = Fixtures.temporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: folder + "/a, b.mp4"))
        try Data().write(to: URL(fileURLWithPath: folder + "/say \"hi\".mp4"))
        let plain = [
            "video,start_s,end_s,label", "\"a, b.mp4\",0,1.5,jump", "\"a, b.mp4\",2,3,run",
            "\"say \"\"hi\"\".mp4\",1,2,\"run, fast\"",
        ]
        func read(_ text: String) throws -> ActivityDataset {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folder + "/segments.csv"))
            return try ActivityDataset(contentsOf: folder)
        }
        let expected = try read(plain.joined(separator: "\n") + "\n")
        XCTAssertEqual(expected.labels, ["background", "jump", "run", "run, fast"])
        XCTAssertEqual(
            expected.videos.map { ($0.path as NSString).lastPathComponent }.sorted(),
            ["a, b.mp4", "say \"hi\".mp4"])
        for text in [
            plain.joined(separator: "\r\n") + "\r\n",
            "\u{FEFF}" + plain.joined(separator: "\r\n") + "\r\n\r\n",
            "\u{FEFF}" + plain.joined(separator: "\n"),
        ] {
            let other = try read(text)
            XCTAssertEqual(other.labels, expected.labels, text.debugDescription)
            XCTAssertEqual(
                other.videos.map(\.path), expected.videos.map(\.path), text.debugDescription)
            XCTAssertEqual(
                other.videos.map(\.segments), expected.videos.map(\.segments),
                text.debugDescription)
        }
    }

    /// ActivityNet JSON: the same segments as a segments.csv give the same data set (videos
    /// found as ID.mp4 or v_ID.mp4, other fields ignored); bad annotations are named.
    func testActivityNetJSONMatchesSegmentsCSV() throws {
        let folder = Fixtures.temporaryDirectory()
        try Data().write(to: URL(fileURLWithPath: folder + "/a.mp4"))
        try Data().write(to: URL(fileURLWithPath: folder + "/v_b.mkv"))
        try "video,start_s,end_s,label\nv_b.mkv,3,4.5,jump\na.mp4,2,3,run\na.mp4,0,1.5,jump\n"
            .write(
                toFile: folder + "/segments.csv", atomically: true, encoding: .utf8)
        let json = folder + "/activitynet.json"
        func write(_ database: String) throws {
            try "{\"version\": \"1.3\", \"database\": {\(database)}}".write(
                toFile: json, atomically: true, encoding: .utf8)
        }
        try write(
            """
            "b": {"subset": "training", "duration": 9.0,
                  "annotations": [{"segment": [3, 4.5], "label": "jump"}]},
            "a": {"annotations": [{"segment": [2, 3], "label": "run"},
                                  {"segment": [0, 1.5], "label": "jump"}]},
            "empty": {"annotations": []}
            """)
        let fromJSON = try ActivityDataset(activityNet: json, videos: folder)
        let fromCSV = try ActivityDataset(contentsOf: folder)
        XCTAssertEqual(fromJSON.labels, ["background", "jump", "run"])
        XCTAssertEqual(fromJSON.labels, fromCSV.labels)
        XCTAssertEqual(
            fromJSON.videos.map(\.path).sorted(), fromCSV.videos.map(\.path).sorted())
        for video in fromJSON.videos {
            let other = try XCTUnwrap(fromCSV.videos.first { $0.path == video.path })
            XCTAssertEqual(video.segments, other.segments, video.path)
        }
        for (database, expected) in [
            (
                "\"a\": {\"annotations\": [{\"segment\": [2, 1], \"label\": \"run\"}]}",
                "database.a.annotations[0]: end 1 is not after start 2"
            ),
            (
                "\"a\": {\"annotations\": [{\"segment\": [2], \"label\": \"run\"}]}",
                "database.a.annotations[0]: segment must be [start, end]"
            ),
            (
                "\"c\": {\"annotations\": [{\"segment\": [0, 1], \"label\": \"run\"}]}",
                "database.c: no video c.mp4"
            ),
            (
                "\"a\": {\"annotations\": [{\"segment\": [0, 2], \"label\": \"run\"}, "
                    + "{\"segment\": [1, 3], \"label\": \"run\"}]}",
                "database.a.annotations[1]: overlaps the segment of database.a.annotations[0]"
            ),
            ("\"a\": {\"annotations\": [{\"segment\": [0, 1]}]}", "label"),
            ("", "no segments"),
        ] {
            try write(database)
            XCTAssertThrowsError(try ActivityDataset(activityNet: json, videos: folder)) {
                XCTAssertTrue("\($0)".hasPrefix(json), "\($0)")
                XCTAssertTrue("\($0)".contains(expected), "\(expected): \($0)")
            }
        }
    }

    func testScoresByHand() {
        // One clip, labels 0 1 1 1 1 2 2; predictions 0 0 1 1 1 2 0 (argmax of one-hot rows).
        let predicted = [0, 0, 1, 1, 1, 2, 0]
        let probabilities = [predicted.map { c in (0..<3).map { $0 == c ? Float(0.8) : 0.1 } }]
        let scores = LabelingScores.compute(
            probabilities: probabilities, labels: [[0, 1, 1, 1, 1, 2, 2]])
        XCTAssertEqual(scores.frameAccuracy, 5.0 / 7, accuracy: 1e-12)
        XCTAssertEqual(scores.segments, 2)
        // Segment of 1 (4 frames): after 10 % → frame ⌈0.4⌉ = 1st: predicted 0, wrong; after
        // 50 % → 2nd frame: 1, right. Segment of 2 (2 frames): 10–50 % → 1st frame: right;
        // 60–100 % → 2nd frame: wrong.
        XCTAssertEqual(scores.earlyDetection["0.1"], 0.5)
        XCTAssertEqual(scores.earlyDetection["0.5"], 1.0)
        XCTAssertEqual(scores.earlyDetection["1.0"], 0.5)
        // AP of class 1: scores 0.8 on frames 2,3,4 (all positive), 0.1 elsewhere: at the 0.8
        // threshold recall 3/4, precision 1; at 0.1 recall 1, precision 4/7. AP = 0.75 + 0.25·4/7.
        XCTAssertEqual(
            FrameAveragePrecision.averagePrecision(
                scores: probabilities[0].map { $0[1] },
                positive: [0, 1, 1, 1, 1, 2, 2].map { $0 == 1 }
            ) ?? 0, 0.75 + 0.25 * 4 / 7, accuracy: 1e-12)
    }
}
