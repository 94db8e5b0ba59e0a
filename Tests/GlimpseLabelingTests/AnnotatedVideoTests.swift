// The write-annotated-video stage at the end of a pipeline file (label-frames →
// write-annotated-video) over the fixture clips: one MP4 per video, read back with its frame
// count (the labelled frames), the video's size and each frame's black label band; a video
// that breaks part-way leaves no file; two videos with one name are refused. label-frames'
// `annotate` writes the same videos while it labels, decoding once.
import Foundation
import GlimpseMedia
import GlimpsePipeline
import TestSupport
import XCTest

@testable import GlimpseLabeling

final class AnnotatedVideoTests: XCTestCase {
    /// A small untrained labeller (16×16 input, 4 frames per second) saved to a folder.
    func labeller() throws -> String {
        var configuration = FrameLabelConfiguration()
        configuration.labels = ["background", "bounce", "grow", "move", "shrink", "turn"]
        configuration.encoder.channels = [3, 4]
        configuration.encoder.preprocessing.width = 16
        configuration.encoder.preprocessing.height = 16
        configuration.hidden = 6
        configuration.fps = 4
        let model = Fixtures.temporaryDirectory() + "/labeller"
        try FrameLabelModel(configuration: configuration).save(to: model)
        return model
    }

    func testAPipelineFileWritesOneAnnotatedVideoPerWholeVideo() throws {
        let model = try labeller()
        let out = Fixtures.temporaryDirectory() + "/annotated"
        let definition = try JSONDecoder().decode(
            PipelineDefinition.self,
            from: Data(
                """
                {"pipeline": "annotate", "input": "videos", "stages": [
                  {"stage": "label-frames", "model": "\(model)"},
                  {"stage": "write-annotated-video", "dir": "\(out)"}]}
                """.utf8))
        let pipeline = try LoadedPipeline(
            definition, path: "annotate.json", registry: StageRegistry(LabelStages.descriptors),
            context: StageContext())
        var videos = Fixtures.files(in: "activities/videos", withExtension: "mp4")
        XCTAssertEqual(videos.count, 4)
        let broken = Fixtures.temporaryDirectory() + "/broken.mp4"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: videos[0]))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: broken))
        videos.append(broken)

        var results: [String: Result<Any, any Error>] = [:]
        let report = try PipelineExecutor(steps: pipeline.steps).run(
            videos.map { PipelineItem(id: $0, value: $0) }
        ) { _, id, result in results[id] = result }
        XCTAssertEqual(report.delivered, 5)
        XCTAssertEqual(report.failed, 1)
        XCTAssertThrowsError(try results[broken]?.get())
        XCTAssertFalse(
            FileManager.default.fileExists(atPath: out + "/broken.mp4"),
            "a video labelled only part-way leaves no annotated video")

        for video in videos.dropLast() {
            let labels = try XCTUnwrap(try results[video]?.get() as? VideoLabels)
            XCTAssertEqual(labels.fps, 4)
            XCTAssertFalse(labels.frames.isEmpty)
            let name = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
            let source = try VideoReader(path: video).info
            let reader = try VideoReader(path: out + "/\(name).mp4")
            XCTAssertEqual(reader.info.width, source.width, name)
            XCTAssertEqual(reader.info.height, source.height, name)
            XCTAssertEqual(reader.info.frameCount, labels.frames.count, name)
            var decoded = 0
            while let frame = try reader.nextFrame() {
                decoded += 1
                let image = frame.image
                let red = (0..<image.width).map {
                    image.pixels[(image.width + $0) * image.channels]
                }
                XCTAssertLessThan(Int(red.max() ?? 255), 60, "\(name): the label band is black")
            }
            XCTAssertEqual(decoded, labels.frames.count, name)
        }

        // The same video name from two folders would overwrite: refused, the first file kept.
        var writer = WriteAnnotatedVideo(directory: out)
        try writer.open()
        let first = try XCTUnwrap(try results[videos[0]]?.get() as? VideoLabels)
        _ = try writer.process(first)
        let written = try Data(contentsOf: URL(fileURLWithPath: out + "/000001.mp4"))
        var other = first
        other.video = Fixtures.temporaryDirectory() + "/000001.mp4"
        try FileManager.default.copyItem(atPath: videos[1], toPath: other.video)
        XCTAssertThrowsError(try writer.process(other)) { error in
            XCTAssertTrue("\(error)".contains("would overwrite"), "\(error)")
        }
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out + "/000001.mp4")), written)
    }

    /// Runs `stages` (a pipeline file's list) over `videos`; each video's result by its path.
    func run(_ stages: String, over videos: [String]) throws -> [String: Result<Any, any Error>] {
        let definition = try JSONDecoder().decode(
            PipelineDefinition.self,
            from: Data(#"{"pipeline": "annotate", "input": "videos", "stages": [\#(stages)]}"#.utf8)
        )
        let pipeline = try LoadedPipeline(
            definition, path: "annotate.json", registry: StageRegistry(LabelStages.descriptors),
            context: StageContext())
        var results: [String: Result<Any, any Error>] = [:]
        _ = try PipelineExecutor(steps: pipeline.steps).run(
            videos.map { PipelineItem(id: $0, value: $0) }
        ) { _, id, result in results[id] = result }
        return results
    }

    /// Every frame of `path`, decoded.
    func frames(_ path: String) throws -> [Image] {
        let reader = try VideoReader(path: path)
        var images: [Image] = []
        while let frame = try reader.nextFrame() { images.append(frame.image) }
        return images
    }

    func testLabelFramesAnnotatesWhileLabellingAsTheWriterStageDoes() throws {
        // label-frames with `annotate`: the labelled frames with their labels drawn, and the
        // files write-annotated-video writes from the same labels.
        let model = try labeller()
        let (once, twice) = (Fixtures.temporaryDirectory(), Fixtures.temporaryDirectory())
        var videos = Fixtures.files(in: "activities/videos", withExtension: "mp4")
        let broken = Fixtures.temporaryDirectory() + "/broken.mp4"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: videos[0]))
        try bytes.prefix(bytes.count / 3).write(to: URL(fileURLWithPath: broken))
        videos.append(broken)
        let fused = try run(
            #"{"stage": "label-frames", "model": "\#(model)", "annotate": "\#(once)"}"#,
            over: videos)
        XCTAssertThrowsError(try fused[broken]?.get())
        // Drawing on the frames does not change what the model sees: the labels and
        // confidences are those of labelling alone, exactly.
        let alone = try run(
            #"{"stage": "label-frames", "model": "\#(model)"}"#, over: Array(videos.dropLast()))
        for video in videos.dropLast() {
            let drawnOn = try XCTUnwrap(try fused[video]?.get() as? VideoLabels)
            let plain = try XCTUnwrap(try alone[video]?.get() as? VideoLabels)
            XCTAssertEqual(drawnOn.frames.map(\.label), plain.frames.map(\.label), video)
            XCTAssertEqual(drawnOn.frames.map(\.confidence), plain.frames.map(\.confidence), video)
        }
        var writer = WriteAnnotatedVideo(directory: twice)
        try writer.open()
        for video in videos.dropLast() {
            let labels = try XCTUnwrap(try fused[video]?.get() as? VideoLabels)
            _ = try writer.process(labels)
            let name = ((video as NSString).lastPathComponent as NSString).deletingPathExtension
            let drawn = try frames(once + "/\(name).mp4")
            XCTAssertEqual(drawn.count, labels.frames.count, name)
            // Each frame against the source frame with its label drawn, before encoding. H.264
            // is lossy and, with threads, does not even encode the same frames to the same bytes
            // twice, so frames are compared by their mean difference.
            let source = try VideoReader(
                path: video, options: VideoReadOptions(sampling: FrameSampling(fps: labels.fps)))
            var i = 0
            while let frame = try source.nextFrame(), i < drawn.count {
                let expected = AnnotatedVideoWriter.annotated(frame.image, with: labels.frames[i])
                let total = zip(drawn[i].pixels, expected.pixels).reduce(0) {
                    $0 + abs(Int($1.0) - Int($1.1))
                }
                // Measured: at most 1.4 levels; another label drawn: 8.7 or more.
                XCTAssertLessThanOrEqual(
                    Double(total) / Double(max(1, expected.pixels.count)), 4, "\(name) frame \(i)")
                i += 1
            }
            XCTAssertEqual(i, drawn.count, name)
        }
        XCTAssertEqual(
            try FileManager.default.contentsOfDirectory(atPath: once).sorted(),
            try FileManager.default.contentsOfDirectory(atPath: twice).sorted(),
            "the same files: none for the broken video, no temporary one left")
        // A second video of the same name in one run is refused.
        let copy = Fixtures.temporaryDirectory() + "/" + (videos[0] as NSString).lastPathComponent
        try FileManager.default.copyItem(atPath: videos[1], toPath: copy)
        let again = try run(
            #"{"stage": "label-frames", "model": "\#(model)", "annotate": "\#(once)"}"#,
            over: [videos[0], copy])
        XCTAssertThrowsError(try again[copy]?.get()) {
            XCTAssertTrue("\($0)".contains("would overwrite"), "\($0)")
        }
    }
}
