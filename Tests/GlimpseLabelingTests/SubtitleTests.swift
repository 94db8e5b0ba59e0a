// WebVTT subtitles: timestamps and a document by hand, and the write-subtitles stage at the end
// of a pipeline file (label-frames → write-subtitles) over the fixture clips: one .vtt per
// video whose cues, read back, are the segments of the labels the pipeline returned.
import Foundation
import GlimpsePipeline
import TestSupport
import XCTest

@testable import GlimpseLabeling

final class SubtitleTests: XCTestCase {
    func testTimestampsAndADocumentByHand() {
        XCTAssertEqual(WebVTT.timestamp(0), "00:00:00.000")
        XCTAssertEqual(WebVTT.timestamp(3661.2345), "01:01:01.235")
        XCTAssertEqual(WebVTT.timestamp(59.9996), "00:01:00.000")
        XCTAssertEqual(WebVTT.timestamp(360_000.5), "100:00:00.500")
        XCTAssertEqual(WebVTT.timestamp(-1), "00:00:00.000")
        XCTAssertEqual(
            WebVTT.document([
                SegmentLine(start: 1.25, end: 3.5, label: "turn", confidence: 0.974),
                SegmentLine(start: 4, end: 61.0004, label: "grow", confidence: 0.5),
            ]),
            "WEBVTT\n\n1\n00:00:01.250 --> 00:00:03.500\nturn (97%)\n\n"
                + "2\n00:00:04.000 --> 00:01:01.000\ngrow (50%)\n\n")
        XCTAssertEqual(WebVTT.document([]), "WEBVTT\n\n")
    }

    /// (start, end, label) of every cue of a WebVTT document, parsed independently of WebVTT.
    func cues(_ text: String) throws -> [(Double, Double, String)] {
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(blocks.first, "WEBVTT")
        return try blocks.dropFirst().map { block in
            let lines = block.split(separator: "\n").map(String.init)
            XCTAssertEqual(lines.count, 3, block)
            let times = lines[1].components(separatedBy: " --> ").map { stamp -> Double in
                let parts = stamp.split(separator: ":").compactMap { Double($0) }
                return parts[0] * 3600 + parts[1] * 60 + parts[2]
            }
            let label = try XCTUnwrap(lines[2].split(separator: " ").first)
            return (times[0], times[1], String(label))
        }
    }

    func testAPipelineFileWritesOneSubtitleFilePerVideo() throws {
        var configuration = FrameLabelConfiguration()
        configuration.labels = ["background", "bounce", "grow", "move", "shrink", "turn"]
        configuration.encoder.channels = [3, 4]
        configuration.encoder.preprocessing.width = 16
        configuration.encoder.preprocessing.height = 16
        configuration.hidden = 6
        configuration.fps = 4
        let model = Fixtures.temporaryDirectory() + "/labeller"
        try FrameLabelModel(configuration: configuration).save(to: model)
        let out = Fixtures.temporaryDirectory() + "/subtitles"
        let definition = try JSONDecoder().decode(
            PipelineDefinition.self,
            from: Data(
                """
                {"pipeline": "subtitles", "input": "videos", "stages": [
                  {"stage": "label-frames", "model": "\(model)"},
                  {"stage": "write-subtitles", "dir": "\(out)"}]}
                """.utf8))
        let pipeline = try LoadedPipeline(
            definition, path: "subtitles.json", registry: StageRegistry(LabelStages.descriptors),
            context: StageContext())
        let videos = Fixtures.files(in: "activities/videos", withExtension: "mp4")
        XCTAssertEqual(videos.count, 4)
        var labels: [VideoLabels] = []
        let report = try PipelineExecutor(steps: pipeline.steps).run(
            videos.map { PipelineItem(id: $0, value: $0) }
        ) { _, _, result in
            labels.append(try XCTUnwrap(try result.get() as? VideoLabels))
        }
        XCTAssertEqual(report.failed, 0)
        XCTAssertEqual(labels.map(\.video), videos)
        for video in labels {
            XCTAssertFalse(video.frames.isEmpty)
            let name = ((video.video as NSString).lastPathComponent as NSString)
                .deletingPathExtension
            let read = try cues(try String(contentsOfFile: out + "/\(name).vtt", encoding: .utf8))
            XCTAssertEqual(read.count, video.segments.count, name)
            for (cue, segment) in zip(read, video.segments) {
                XCTAssertEqual(cue.0, segment.start, accuracy: 0.0005)
                XCTAssertEqual(cue.1, segment.end, accuracy: 0.0005)
                XCTAssertEqual(cue.2, segment.label)
            }
        }

        // The same video name from two folders would overwrite: refused, the first file kept.
        var writer = WriteSubtitles(directory: out)
        try writer.open()
        _ = try writer.process(VideoLabels(video: "/a/clip.mp4", fps: 4, frames: [], segments: []))
        XCTAssertThrowsError(
            try writer.process(VideoLabels(video: "/b/clip.mp4", fps: 4, frames: [], segments: [])))
        XCTAssertEqual(try String(contentsOfFile: out + "/clip.vtt", encoding: .utf8), "WEBVTT\n\n")
    }
}
