// `glimpse caption eval`: caption every image of a dataset and score the captions against
// its references, plus fact accuracy when the dataset carries its scene graphs.
import Foundation
import GlimpseMedia
import GlimpseScenes
import GlimpseTensor

/// Scores of one evaluation run (JSON keys as `glimpse caption eval --json` documents).
public struct CaptionEvaluationReport: Encodable, Sendable {
    public var scores: CaptionScores
    /// Share of captions whose every stated object, attribute and relation is true and which
    /// mention every object; nil when the dataset has no scenes.json.
    public var factAccuracy: Double?
    /// Fact accuracy of the scenes with 1, 2, 3 and 4 objects (keys "1"…"4").
    public var factAccuracyByObjectCount: [String: Double]?
    public var images: Int
    /// Every image's caption, and its fact-check verdict on scenes (not part of the JSON
    /// report; `glimpse caption eval --captions` writes it as JSONL).
    public var perImage: [EvaluatedCaption] = []

    public func encode(to encoder: any Encoder) throws {
        try scores.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encodeIfPresent(factAccuracy, forKey: .factAccuracy)
        try container.encodeIfPresent(
            factAccuracyByObjectCount, forKey: .factAccuracyByObjectCount)
        try container.encode(images, forKey: .images)
    }

    enum Keys: String, CodingKey {
        case factAccuracy = "fact_accuracy"
        case factAccuracyByObjectCount = "fact_accuracy_by_objects"
        case images
    }
}

/// One image's generated caption and, on scenes, whether its facts hold and why not.
public struct EvaluatedCaption: Encodable, Sendable {
    public var image: String
    public var caption: String
    /// nil when the dataset has no scene graphs.
    public var factAccurate: Bool?
    /// The fact checker's reasons, one sentence each (empty when accurate or without scenes).
    public var problems: [String]

    enum CodingKeys: String, CodingKey {
        case image, caption, problems
        case factAccurate = "fact_accurate"
    }
}

/// Evaluation of a model on a dataset.
public enum CaptionEvaluation {
    /// Captions every image of `dataPath` (only the `test` split of a Karpathy split file; relative
    /// image paths resolved under `imageDirectory` when given) with
    /// beam width `beamWidth` and length penalty `lengthPenalty` (see
    /// `CaptionModel.captions(for:beamWidth:lengthPenalty:)`) and scores them.
    public static func run(
        model: CaptionModel, dataPath: String, imageDirectory: String? = nil, beamWidth: Int,
        lengthPenalty: Float? = nil, limits: DecodeLimits = .standard
    ) throws -> CaptionEvaluationReport {
        var examples = try CaptionDataset.load(dataPath, imageDirectory: imageDirectory)
        if examples.contains(where: { $0.split == "test" }) {
            examples = examples.filter { $0.split == "test" }
        }
        let captions = try generate(
            model: model, examples: examples, beamWidth: beamWidth, lengthPenalty: lengthPenalty,
            limits: limits)
        let scores = CaptionScores.compute(
            candidates: captions, references: examples.map(\.captions))
        var facts: Double?
        var byCount: [String: Double]?
        var perImage = zip(examples, captions).map {
            EvaluatedCaption(image: $0.imagePath, caption: $1, factAccurate: nil, problems: [])
        }
        var isDirectory: ObjCBool = false
        let scenesPath = dataPath + "/scenes.json"
        if FileManager.default.fileExists(atPath: dataPath, isDirectory: &isDirectory),
            isDirectory.boolValue, FileManager.default.fileExists(atPath: scenesPath)
        {
            let scenes = try SceneSet(contentsOf: scenesPath)
            var matched: [Scene] = []
            for example in examples {
                guard let scene = scenes.scene(imageID: example.imageID) else {
                    throw CaptionError.invalidData(
                        path: scenesPath, reason: "no scene for image \(example.imageID)")
                }
                matched.append(scene)
            }
            for (i, scene) in matched.enumerated() {
                let verdict = checkFacts(caption: captions[i], scene: scene)
                perImage[i].factAccurate = verdict.isAccurate
                perImage[i].problems = verdict.problems
            }
            facts = factAccuracy(captions: captions, scenes: matched)
            var grouped: [Int: (captions: [String], scenes: [Scene])] = [:]
            for (caption, scene) in zip(captions, matched) {
                grouped[scene.objects.count, default: ([], [])].captions.append(caption)
                grouped[scene.objects.count, default: ([], [])].scenes.append(scene)
            }
            byCount = Dictionary(
                uniqueKeysWithValues: grouped.map {
                    (
                        String($0.key),
                        factAccuracy(captions: $0.value.captions, scenes: $0.value.scenes)
                    )
                })
        }
        return CaptionEvaluationReport(
            scores: scores, factAccuracy: facts, factAccuracyByObjectCount: byCount,
            images: examples.count, perImage: perImage)
    }

    /// Captions for every example, encoded in batches.
    public static func generate(
        model: CaptionModel, examples: [CaptionExample], beamWidth: Int,
        lengthPenalty: Float? = nil, limits: DecodeLimits = .standard,
        batchSize: Int = 64
    ) throws -> [String] {
        var captions: [String] = []
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let images = try examples[start..<min(examples.count, start + batchSize)].map {
                try Image(contentsOf: $0.imagePath, layout: .rgb, limits: limits)
            }
            let features = withoutGradients { model.features(of: images) }
            captions += try model.captions(
                for: features, beamWidth: beamWidth, lengthPenalty: lengthPenalty
            ).map(\.text)
        }
        return captions
    }
}
