// `glimpse-bench vqa`: workload (f) of ../shared/perf/torch_bench.py (`run_vqa`) with
// GlimpseVQA's own VQAModel, next to PyTorch measured in the same run, and the whole answering
// path (PNG decode → CNN → answer) at batch 1 and 64.
//
// N = questions (64, or 1), T = 12 words, P = 64 grid locations, E = 128 grid features,
// H = 256 hidden, A = 256 attention, K = 100 answers, vocabulary V = 1000.
//
// Same shapes, not the same arithmetic: VQAModel has no entry point for a given feature grid,
// so its 8×8×128 grid comes from a one-block encoder (conv3×3 3→128, ReLU, max-pool 2) on
// 16×16 inputs, work PyTorch's run does not do; and its attention hop first projects the grid
// to H (v = tanh(image_proj(grid)), [N, P, H]) where PyTorch projects only the attended vector.
// Glimpse does more work than PyTorch in each figure.
import ArgumentParser
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseScenes
import GlimpseTensor
import GlimpseVQA

struct VQABench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vqa",
        abstract: "VQA training and inference (workload f) next to PyTorch, and PNG -> answer.")

    @Option(help: "Timed runs per figure (the median is printed).")
    var runs = 7
    @Option(help: "Runs per figure of torch_bench.py.")
    var torchRuns = 15
    @Flag(help: "Fewer runs (3, and 5 for PyTorch): a rough figure in about 20 s.")
    var quick = false
    @Option(help: "Model directory of the end-to-end figures (default: models/vqa, else fresh).")
    var model = "models/vqa"
    @Flag(help: "Print one JSON object instead of text.")
    var json = false
    @OptionGroup var peer: PeerOptions

    /// PyTorch's figures for (f) in ../shared/perf/README.md, measured 2026-12-03 on the
    /// machine type's AVX2 processor (reference-2026-11-21.md has no (f) rows).
    static let references = [
        "vqa_train_q_s": 2131.0, "vqa_infer_b64_q_s": 6181.0, "vqa_infer_b1_ms": 0.82,
        "vqa_exact_train_q_s": 2131.0, "vqa_exact_infer_b64_q_s": 6181.0,
        "vqa_exact_infer_b1_ms": 0.82,
    ]

    func run() throws {
        Measure.warnAboutOpenBLASOverrides()
        let runs = quick ? 3 : self.runs
        let load = LoadMeter()
        let torch = TorchPeer.measure(
            workload: "f", runs: quick ? 5 : torchRuns, options: peer)
        var report = SideBySide(
            peer: torch, references: Self.references,
            referenceSource: "../shared/perf/README.md (2026-12-03, AVX2 EPYC)", goal: 1.5)

        let head = try Self.workloadModel()
        let workload = Self.workloadInputs(questions: 64)
        var adam = Adam(parameters: head.parameters, learningRate: 2e-3)
        adam.clipping = .globalNorm(5)  // as VQATraining sets it up
        // One step as TrainingEngine takes it: loss, finite check, backward, optimizer step.
        let train = try Measure.median(runs: runs) {
            let loss = head.loss(
                images: workload.images, questions: workload.questions,
                answers: workload.answers)
            guard loss.scalar.isFinite, adam.lastGradientNorm.isFinite else {
                throw ValidationError("the VQA training step went non-finite")
            }
            loss.backward()
            adam.step()
        }
        let inferB64 = withoutGradients {
            Measure.median(runs: runs * 2) {
                _ = head.logits(images: workload.images, questions: workload.questions)
            }
        }
        let single = Self.workloadInputs(questions: 1)
        let inferB1 = withoutGradients {
            Measure.median(runs: runs * 20) {
                _ = head.logits(images: single.images, questions: single.questions)
            }
        }
        report.note("VQAModel (GlimpseVQA) at the (f) shapes:")
        report.add("vqa_train_q_s", "VQA train b64 (Adam, clip 5)", 64 / train, "q/s")
        report.add("vqa_infer_b64_q_s", "VQA infer b64", 64 / inferB64, "q/s")
        report.add(
            "vqa_infer_b1_ms", "VQA infer b1", inferB1 * 1000, "ms", lowerIsBetter: true)

        let exact = Workloads.vqa(runs: runs)
        report.note("the same, as PyTorch's VQANet op for op (Glimpse layers on a given grid):")
        report.add("vqa_exact_train_q_s", "  VQANet train b64 (Adam)", exact.train, "q/s")
        report.add("vqa_exact_infer_b64_q_s", "  VQANet infer b64", exact.inferB64, "q/s")
        report.add(
            "vqa_exact_infer_b1_ms", "  VQANet infer b1", exact.inferB1, "ms", lowerIsBetter: true)

        let (answerer, source) = try endToEndModel()
        report.note("end to end: \(source)")
        let folder = NSTemporaryDirectory() + "glimpse-bench-vqa-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (paths, questions) = try Self.writeScenes(count: 64, into: folder)
        func answer(_ range: Range<Int>) throws {
            let images = try paths[range].map { try Image(contentsOf: $0, layout: .rgb) }
            _ = try answerer.answers(for: images, questions: Array(questions[range]), top: 1)
        }
        let batch = try Measure.median(runs: runs) { try answer(0..<64) }
        let oneByOne = try Measure.median(runs: max(1, runs / 2)) {
            for index in 0..<64 { try answer(index..<(index + 1)) }
        }
        report.add(
            "vqa_end_to_end_b64_q_s", "PNG -> CNN -> answer, b64", 64 / batch, "answers/s",
            compared: false)
        report.add(
            "vqa_end_to_end_b1_q_s", "PNG -> CNN -> answer, b1", 64 / oneByOne, "answers/s",
            compared: false)
        report.add(
            "vqa_end_to_end_b1_ms", "PNG -> CNN -> answer, b1 latency", oneByOne / 64 * 1000,
            "ms", compared: false)
        let foreign = load.foreignCores()
        report.add("foreign_cores", "other processes meanwhile", foreign, "cores", compared: false)
        try report.print(json: json)
    }

    /// The (f) shapes as a VQAModel: embedding 128, LSTM 256, attention 256, one hop,
    /// classifier 256, V = 1000 question ids, K = 100 answers; a one-block encoder on 16×16
    /// inputs gives the 8×8×128 grid (see the file comment).
    static func workloadModel() throws -> VQAModel {
        var configuration = VQAModelConfiguration()
        configuration.fusion = .attention
        configuration.embedding = 128
        configuration.hidden = 256
        configuration.layers = 1
        configuration.attention = 256
        configuration.hops = 1
        configuration.classifierHidden = 256
        configuration.encoder.channels = [128]
        configuration.encoder.preprocessing.width = 16
        configuration.encoder.preprocessing.height = 16
        configuration.encoder.positionEmbedding = false
        // <pad>, <unk> and 998 words; 100 answers.
        let words = (0..<998).map { "w\($0)" }.joined(separator: " ")
        let model = VQAModel(
            configuration: configuration,
            questionVocabulary: QuestionVocabulary(questions: [words]),
            answerVocabulary: AnswerVocabulary(answers: (0..<100).map { "answer\($0)" }))
        guard model.questionVocabulary.count == 1000, model.answerVocabulary.count == 100 else {
            throw ValidationError(
                "workload vocabularies: \(model.questionVocabulary.count) words, "
                    + "\(model.answerVocabulary.count) answers (want 1000, 100)")
        }
        return model
    }

    /// Random inputs of the (f) shapes: one 16×16 image per question [N, 3, 16, 16], N
    /// questions of 12 random word ids, one answer class each.
    static func workloadInputs(questions count: Int) -> (
        images: Tensor, questions: [VQAEncodedQuestion], answers: [[VQAAnswerWeight]]
    ) {
        var generator = SplitMix64(seed: 4)
        let images = Tensor(randomNormal: [count, 3, 16, 16], using: &generator)
        let questions = (0..<count).map { row in
            VQAEncodedQuestion(
                tokens: (0..<12).map { _ in 2 + Int(generator.next() % 998) }, image: row)
        }
        let answers = (0..<count).map { _ in
            [VQAAnswerWeight(answer: Int(generator.next() % 100), weight: 1)]
        }
        return (images, questions, answers)
    }

    /// The model directory's VQA model, or a fresh default one (random weights) without it.
    func endToEndModel() throws -> (VQAModel, String) {
        if FileManager.default.fileExists(atPath: model + "/config.json") {
            return (try VQAModel(contentsOf: model), "model \(model)")
        }
        let examples = SceneGenerator(seed: 9).scenes(0..<64).flatMap { scene in
            scene.questions.map {
                VQAExample(image: "", question: $0.question, answers: [$0.answer])
            }
        }
        return (
            VQAModel(configuration: VQAModelConfiguration(), training: examples),
            "fresh default model (no \(model)), random weights"
        )
    }

    /// `count` generated scenes as 64×64 PNGs in `folder`, and one question about each.
    static func writeScenes(count: Int, into folder: String) throws -> ([String], [String]) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        var paths: [String] = []
        var questions: [String] = []
        for (index, scene) in SceneGenerator(seed: 13).scenes(0..<count).enumerated() {
            let path = folder + String(format: "/%03d.png", index)
            try Data(try scene.render().encoded(as: .png)).write(to: URL(fileURLWithPath: path))
            paths.append(path)
            let asked = scene.questions
            questions.append(
                asked.isEmpty ? "what color is the circle" : asked[index % asked.count].question)
        }
        return (paths, questions)
    }
}
