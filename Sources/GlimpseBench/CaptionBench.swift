// `glimpse-bench caption`: the full captioning pipeline (decode PNG → encoder → beam-3 decoding)
// at batch 1 and 32, and training images/s, next to estimates from PyTorch's reference figures.
import ArgumentParser
import Foundation
import GlimpseCaption
import GlimpseLayers
import GlimpseMedia
import GlimpseScenes
import GlimpseTensor

struct CaptionBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "caption", abstract: "Captioning pipeline and training throughput.")

    @Option(help: "Model directory (default: models/captioner, else a random model).")
    var model = "models/captioner"
    @Option(help: "Timed runs per figure (the median is printed).")
    var runs = 3
    @Option(help: "Beam width of the pipeline figures.")
    var beam = 3

    /// From ../shared/perf/reference-2026-11-21.md: PyTorch has no captioning pipeline figure,
    /// so its CNN and attention-decoder figures for the same shapes are combined per image
    /// (1 / (1/a + 1/b)): training 312 img/s CNN + 309 seq/s decoder; greedy inference
    /// 711 img/s CNN (b64) + 798 seq/s decoder (b32).
    enum Reference {
        static let trainEstimate = 1 / (1 / 311.5 + 1 / 308.5)
        static let greedyEstimate = 1 / (1 / 710.8 + 1 / 797.6)
    }

    func run() throws {
        Measure.warnAboutOpenBLASOverrides()
        let captioner: CaptionModel
        if FileManager.default.fileExists(atPath: model + "/config.json") {
            captioner = try CaptionModel(contentsOf: model)
            print("model: \(model)")
        } else {
            let scenes = SceneGenerator(seed: 9).scenes(0..<64)
            captioner = CaptionModel(
                configuration: CaptionModelConfiguration(),
                vocabulary: CaptionVocabulary(captions: scenes.flatMap(\.captions)))
            print("model: random weights (no \(model)); decoding runs to the length limit")
        }
        let scenes = SceneGenerator(seed: 7).scenes(0..<32)
        let pngs = try scenes.map { try $0.render().encoded(as: .png) }
        func pipeline(_ files: ArraySlice<[UInt8]>) throws {
            let images = try files.map { try Image(decoding: $0, layout: .rgb) }
            let features = withoutGradients { captioner.features(of: images) }
            _ = try captioner.captions(for: features, beamWidth: beam)
        }
        let single = try Measure.median(runs: runs * 5) { try pipeline(pngs[0..<1]) }
        let batch = try Measure.median(runs: runs) { try pipeline(pngs[0..<32]) }
        let greedy = try Measure.median(runs: runs) {
            let images = try pngs.map { try Image(decoding: $0, layout: .rgb) }
            let features = withoutGradients { captioner.features(of: images) }
            _ = try captioner.captions(for: features, beamWidth: 1)
        }

        let images = captioner.configuration.encoder.preprocessing.tensor(
            scenes.map { $0.render() })
        let captions = scenes.map {
            [CaptionVocabulary.start] + captioner.vocabulary.encode($0.captions[0]) + [
                CaptionVocabulary.end
            ]
        }
        var adam = Adam(parameters: captioner.store.parameters)
        let train = Measure.median(runs: runs) {
            captioner.decoder.loss(
                features: captioner.encoder(images), captions: captions,
                attentionRegularization: captioner.configuration.attentionRegularization
            ).total.backward()
            adam.step()
        }
        print(
            String(
                format: "pipeline PNG -> caption, beam %d, batch 1   %8.1f img/s  (%.2f ms)", beam,
                1 / single, single * 1000))
        print(
            String(
                format: "pipeline PNG -> caption, beam %d, batch 32  %8.1f img/s", beam, 32 / batch)
        )
        print(
            String(
                format:
                    "pipeline PNG -> caption, greedy, batch 32  %8.1f img/s   PyTorch estimate %.0f (%.2fx)",
                32 / greedy, Reference.greedyEstimate, 32 / greedy / Reference.greedyEstimate))
        print(
            String(
                format:
                    "training (encoder + attention decoder) b32 %8.1f img/s   PyTorch estimate %.0f (%.2fx)",
                32 / train, Reference.trainEstimate, 32 / train / Reference.trainEstimate))
    }
}
