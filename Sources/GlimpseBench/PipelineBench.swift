// `glimpse-bench pipeline`: captioning a folder through pipelines/caption.json with its steps
// overlapped (decoding on worker threads while the model computes) against the same steps run
// one after the other, and the pipeline machinery's own cost per item against the encoder's.
import ArgumentParser
import Foundation
import GlimpseCaption
import GlimpseMedia
import GlimpsePipeline
import GlimpseScenes
import GlimpseTensor
import GlimpseVision

struct PipelineBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pipeline",
        abstract: "Overlapped against sequential captioning of PNG and JPEG folders.")

    @Option(help: "Model directory.")
    var model = "models/captioner"
    @Option(help: "The pipeline file.")
    var pipeline = "pipelines/caption.json"
    @Option(help: "64×64 PNGs in the first folder.")
    var pngs = 2000
    @Option(help: "640×480 JPEGs in the second folder.")
    var jpegs = 500

    func run() throws {
        Measure.warnAboutOpenBLASOverrides()
        let folder = NSTemporaryDirectory() + "glimpse-bench-pipeline-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let scenes = SceneGenerator(seed: 5)
        let pngPaths = try write(count: pngs, into: folder + "/png", scenes: scenes) {
            try $0.encoded(as: .png)
        }
        let jpegPaths = try write(count: jpegs, into: folder + "/jpeg", scenes: scenes) {
            try $0.resized(width: 640, height: 480, method: .bilinear).encoded(as: .jpeg)
        }
        let registry = StageRegistry(
            MediaStages.descriptors + [Preprocess.descriptor] + CaptionStages.descriptors)
        let loaded = try LoadedPipeline(
            contentsOf: pipeline, registry: registry, context: StageContext { _ in model })
        print("pipeline: \(pipeline), model: \(model), \(Parallelism.threadCount) threads")
        print(String(format: "%-24@ %12@ %12@ %8@", "folder", "overlapped", "sequential", "ratio"))
        for (name, paths) in [
            ("\(pngs) PNG 64x64", pngPaths), ("\(jpegs) JPEG 640x480", jpegPaths),
        ] {
            let items = paths.map { PipelineItem(id: $0, value: $0) }
            let overlapped = try throughput(loaded, items, overlapped: true)
            let sequential = try throughput(loaded, items, overlapped: false)
            print(
                String(
                    format: "%-24@ %8.1f im/s %8.1f im/s %7.2fx", name, overlapped.rate,
                    sequential.rate, overlapped.rate / sequential.rate))
            print("  time in stages, overlapped: \(overlapped.steps)")
            print("  time in stages, sequential: \(sequential.steps)")
        }
        try machineryCost(items: pngPaths.count, shapedAs: loaded.steps)
    }

    /// Renders `count` scenes, encodes each with `encode` and writes them into `folder`.
    func write(
        count: Int, into folder: String, scenes: SceneGenerator,
        encode: (Image) throws -> [UInt8]
    ) throws -> [String] {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return try scenes.scenes(0..<count).enumerated().map { index, scene in
            let path =
                folder + String(format: "/%05d.%@", index, folder.hasSuffix("png") ? "png" : "jpg")
            try Data(try encode(scene.render())).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    /// Images per second through the pipeline's steps, and each step's share of the time.
    func throughput(_ pipeline: LoadedPipeline, _ items: [PipelineItem], overlapped: Bool) throws
        -> (rate: Double, steps: String)
    {
        let executor = PipelineExecutor(
            steps: pipeline.steps, options: ExecutionOptions(overlapped: overlapped))
        var report = ExecutionReport()
        let seconds = try Measure.median(runs: 1) {
            report = try executor.run(items) { _, _, result in _ = try result.get() }
            guard report.delivered == items.count else {
                throw ValidationError("\(report.delivered) of \(items.count) delivered")
            }
        }
        let steps = zip(pipeline.steps, report.stepSeconds).map { step, busy in
            String(format: "%@ %.2f s", step.name, busy)
        }
        return (Double(items.count) / seconds, steps.joined(separator: ", "))
    }

    /// The executor's time per item with stages that do nothing, as many as the pipeline's
    /// with their batch sizes and workers, against the captioner's encoder time per image at
    /// batch 32.
    func machineryCost(items count: Int, shapedAs pipeline: [PipelineStep]) throws {
        let steps = pipeline.map {
            PipelineStep(PassThrough(), batchSize: $0.batchSize, workers: $0.workers)
        }
        let items = (0..<count).map { PipelineItem(id: "\($0)", value: $0) }
        let machinery =
            try Measure.median(runs: 3) {
                _ = try PipelineExecutor(steps: steps).run(items) { _, _, _ in }
            } / Double(count)
        let captioner = try CaptionModel(contentsOf: model)
        let images = SceneGenerator(seed: 3).scenes(0..<32).map { $0.render() }
        let encoder =
            Measure.median(runs: 3) {
                _ = withoutGradients { captioner.features(of: images) }
            } / 32
        print(
            String(
                format:
                    "machinery (%d steps) %.1f µs/item, encoder %.1f µs/image: %.2f%% of the encoder",
                steps.count, machinery * 1e6, encoder * 1e6, 100 * machinery / encoder))
    }
}

/// A stage that hands its input on: the executor's own cost.
private struct PassThrough: Stage, Sendable {
    var name: String { "pass-through" }
    func process(_ value: Int) -> Int { value }
}
