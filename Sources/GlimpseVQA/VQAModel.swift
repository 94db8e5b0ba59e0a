// A VQA model: the shared CNN encoder's grid, a word embedding + LSTM question encoder, fusion
// by stacked soft attention (Yang et al. 2016, "Stacked Attention Networks for Image Question
// Answering") or by the L2-normalised element-wise product of Antol et al. 2015 ("deeper LSTM Q
// + norm I"), and an MLP over the answer classes. Saved as a directory:
//   config.json  question_vocab.json  answer_vocab.json
//   encoder.safetensors (encoder.*)  vqa.safetensors (question.*, fusion.*, classifier.*)
//
// N = questions in the batch, M = distinct images (M ≤ N), T = longest question, W = word
// embedding, H = hidden, P = grid locations, E = grid features, A = attention width, K = answers.
//
//   q      = h_T of the LSTM over the question's words (the top layer, at each question's own
//            last word: questions are right-padded, and a state never depends on later steps)
//   attention:  v = tanh(image_proj(grid))                      [M, P, H]  once per image
//               u₀ = q;  uₖ = uₖ₋₁ + Σᵢ αₖᵢ vᵢ,  αₖ = softmax(full_att(tanh(encoder_att(v)
//                    + decoder_att(uₖ₋₁))))                       (SAN's hₐ, p_I, ũ)
//   product:    u = tanh(image_fc(ī / ‖ī‖)) ⊙ tanh(question_fc(q)),   ī = mean of the grid
//   logits = fc2(tanh(fc1(u)))                                  [N, K]
//
// The CNN and the per-image projections run once per distinct image of a batch; question rows
// gather their image's rows (`gather`, whose backward sums the gradients of the questions that
// share an image).
//
// Loss: soft-target cross-entropy, L = −(1/N′) Σₙ Σₐ tₙₐ log softmax(logitsₙ)ₐ over the N′
// questions with at least one answer in the vocabulary, where tₙ weights each answer class by
// its VQA accuracy against the row's human answers, scaled to sum to 1
// (``AnswerVocabulary/softTarget(for:)``). A row with one answer has tₙ one-hot: plain
// cross-entropy on the answer index.
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor
import GlimpseVision

/// A question as the model reads it: word ids (from ``QuestionVocabulary/encode(_:)``, at least
/// one) and the index of its image in the batch's image tensor.
public struct VQAEncodedQuestion: Equatable, Sendable {
    public var tokens: [Int]
    public var image: Int

    public init(tokens: [Int], image: Int) {
        self.tokens = tokens
        self.image = image
    }
}

/// One answer class and its weight in a question's training target.
public struct VQAAnswerWeight: Equatable, Sendable {
    public var answer: Int
    public var weight: Float

    public init(answer: Int, weight: Float) {
        self.answer = answer
        self.weight = weight
    }
}

/// A training or evaluation batch: the distinct images once, the questions pointing at them.
public struct VQABatch: Sendable {
    /// Distinct images, preprocessed.   [M, 3, H, W]
    public var images: Tensor
    /// N questions.
    public var questions: [VQAEncodedQuestion]
    /// N soft targets (empty for a question none of whose answers is a class).
    public var answers: [[VQAAnswerWeight]]
    /// Questions with no answer in the vocabulary (they do not count in the loss).
    public var unanswerable: Int
    /// Question words outside the vocabulary, read as `<unk>`.
    public var unknownWords: Int
}

/// An answer class and the probability the model gives it.
public struct VQARankedAnswer: Codable, Equatable, Sendable {
    /// The answer, normalised as the answer vocabulary stores it ("2", "red").
    public var answer: String
    /// softmax probability in (0, 1).
    public var probability: Float

    public init(answer: String, probability: Float) {
        self.answer = answer
        self.probability = probability
    }
}

/// One question's top answers, with the attention that led to them.
public struct VQAPrediction: Codable, Equatable, Sendable {
    /// The top answers, most probable first.
    public var answers: [VQARankedAnswer]
    /// Each hop's weights over the grid, row-major (``gridWidth`` × ``gridHeight``); empty for
    /// the `product` fusion.
    public var attention: [[Float]]
    public var gridWidth: Int
    public var gridHeight: Int
    /// The question's tokens as the model read them (unknown words as `<unk>`).
    public var tokens: [String]
    /// How many of them were `<unk>`.
    public var unknownWords: Int

    /// The most probable answer.
    public var answer: String { answers.first?.answer ?? "" }

    enum CodingKeys: String, CodingKey {
        case answers, attention, tokens
        case gridWidth = "grid_width"
        case gridHeight = "grid_height"
        case unknownWords = "unknown_words"
    }
}

/// The question encoder: embedding + LSTM (+ the reverse reader for the relational fusion); keys
/// `embedding.weight`, `lstm.weight_ih_l0`, …, `reverse.weight_ih_l0`, ….
struct QuestionEncoder: Module {
    let embedding: Embedding
    let lstm: LSTM
    /// The relational fusion's second reader, over each question's words last to first
    /// (`reverse.*`, one layer): with it a word's state knows what follows it too ("the red
    /// circle" before "to the left of" from the same words after it).
    let reverse: LSTM?

    var parameters: [Parameter] { embedding.parameters + lstm.parameters + reverse.parameters }

    init(_ configuration: VQAModelConfiguration, vocabularySize: Int, in scope: ParameterScope) {
        embedding = Embedding(
            count: vocabularySize, dimension: configuration.embedding,
            in: scope.scope("embedding"))
        lstm = LSTM(
            inputSize: configuration.embedding, hiddenSize: configuration.hidden,
            layers: configuration.layers, in: scope.scope("lstm"))
        reverse =
            configuration.fusion == .relational
            ? LSTM(
                inputSize: configuration.embedding, hiddenSize: configuration.hidden,
                in: scope.scope("reverse")) : nil
    }

    /// The top layer's hidden state at each question's last word.   N questions -> [N, H]
    func callAsFunction(_ questions: [[Int]]) -> Tensor {
        states(questions).last
    }

    /// Every word's top-layer state, the mask of real words and the last word's state.
    func states(_ questions: [[Int]]) -> QuestionStates {
        let n = questions.count
        let steps = questions.map(\.count).max() ?? 0
        precondition(
            steps > 0 && questions.allSatisfy { !$0.isEmpty },
            "every question needs at least one token")
        // Time-major ids, right-padded with <pad>.
        var ids = [Int](repeating: QuestionVocabulary.pad, count: steps * n)
        for (row, tokens) in questions.enumerated() {
            for (t, id) in tokens.enumerated() { ids[t * n + row] = id }
        }
        let inputs = embedding(ids).reshaped(to: [steps, n, embedding.dimension])  // [T, N, W]
        let outputs = lstm(inputs)  // [T, N, H]
        let last = questions.enumerated().map { row, tokens in (tokens.count - 1) * n + row }
        var mask = [Float](repeating: 0, count: n * steps)
        for (row, tokens) in questions.enumerated() {
            for t in tokens.indices { mask[row * steps + t] = 1 }
        }
        var states = outputs.permuted([1, 0, 2])  // [N, T, H]
        if let reverse {
            // Each question read last word first (right-padded like the forward pass), then
            // its states put back in word order: word t of a question of L words is step
            // L − 1 − t of its reversed reading.
            var reversedIDs = [Int](repeating: QuestionVocabulary.pad, count: steps * n)
            var order: [Int] = []
            order.reserveCapacity(n * steps)
            for (row, tokens) in questions.enumerated() {
                for (t, id) in tokens.reversed().enumerated() { reversedIDs[t * n + row] = id }
                for t in 0..<steps { order.append(max(tokens.count - 1 - t, 0) * n + row) }
            }
            let reversedInputs = embedding(reversedIDs).reshaped(
                to: [steps, n, embedding.dimension])
            let backward = gather(
                reverse(reversedInputs).reshaped(to: [steps * n, reverse.hiddenSize]),
                indices: order
            ).reshaped(to: [n, steps, reverse.hiddenSize])
            states = concat([states, backward], axis: 2)  // [N, T, 2H]
        }
        return QuestionStates(
            states: states,
            mask: Tensor(shape: [n, steps], scalars: mask),
            last: gather(outputs.reshaped(to: [steps * n, lstm.hiddenSize]), indices: last))
    }
}

/// The question encoder's output for N questions of at most T words.
struct QuestionStates {
    /// The top layer's state after each word (padding positions included), followed by the
    /// reverse reader's when there is one.   [N, T, H] or [N, T, 2H]
    let states: Tensor
    /// 1 at a question's words, 0 at padding.   [N, T]
    let mask: Tensor
    /// The state at each question's last word.   [N, H]
    let last: Tensor
}

/// Stacked attention: keys `image_proj.*`, `hop1.encoder_att.*`, `hop1.decoder_att.*`,
/// `hop1.full_att.*`, (`hop2.*`).
struct AttentionFusion: Module {
    let imageProjection: Linear  // E -> H
    let hops: [SoftAttention]

    var parameters: [Parameter] { imageProjection.parameters + hops.parameters }

    init(_ configuration: VQAModelConfiguration, features: Int, in scope: ParameterScope) {
        imageProjection = Linear(features, configuration.hidden, in: scope.scope("image_proj"))
        hops = (1...configuration.hops).map {
            SoftAttention(
                features: configuration.hidden, hidden: configuration.hidden,
                attention: configuration.attention, in: scope.scope("hop\($0)"))
        }
    }

    /// grid: [M, P, E] per distinct image, question: [N, H], images: N indices into M
    /// -> fused [N, H], one α [N, P] per hop
    func callAsFunction(grid: Tensor, question: Tensor, images: [Int]) -> (Tensor, [Tensor]) {
        let v = tanh(imageProjection(grid))  // [M, P, H]
        var u = question  // [N, H]
        var alphas: [Tensor] = []
        let perQuestion = gather(v, indices: images)  // [N, P, H]
        for hop in hops {
            let projected = gather(hop.projectFeatures(v), indices: images)  // [N, P, A]
            let (context, alpha) = hop(perQuestion, projected: projected, hidden: u)  // [N, H]
            u = u + context
            alphas.append(alpha)
        }
        return (u, alphas)
    }
}

/// The element-wise product baseline: keys `image_fc.*`, `question_fc.*` (the image-only
/// baseline has `image_fc.*` alone and ignores the question).
struct ProductFusion: Module {
    let imageLayer: Linear  // E -> H
    let questionLayer: Linear?  // H -> H

    var parameters: [Parameter] { imageLayer.parameters + questionLayer.parameters }

    init(
        _ configuration: VQAModelConfiguration, features: Int, usesQuestion: Bool,
        in scope: ParameterScope
    ) {
        imageLayer = Linear(features, configuration.hidden, in: scope.scope("image_fc"))
        questionLayer =
            usesQuestion
            ? Linear(configuration.hidden, configuration.hidden, in: scope.scope("question_fc"))
            : nil
    }

    /// grid: [M, P, E], question: [N, H], images: N indices into M -> [N, H]
    func callAsFunction(grid: Tensor, question: Tensor, images: [Int]) -> Tensor {
        let mean = grid.mean(alongAxis: 1)  // [M, E]
        // ε inside the root keeps the gradient finite for an all-zero vector.
        let norm = sqrt((mean * mean).sum(alongAxis: 1, keepDims: true) + 1e-12)  // [M, 1]
        let image = gather(tanh(imageLayer(mean / norm)), indices: images)  // [N, H]
        guard let questionLayer else { return image }
        return image * tanh(questionLayer(question))  // [N, H]
    }
}

/// Encoder + question LSTM + fusion + classifier, with both vocabularies: ready to train or
/// answer.
///
/// ```swift
/// let model = try VQAModel(contentsOf: "models/vqa")
/// let prediction = try model.answers(for: [image], questions: ["what color is the circle"])[0]
/// print(prediction.answer, prediction.answers)    // "red", [("red", 0.97), ("blue", 0.01), …]
/// ```
public struct VQAModel: Module {
    public let configuration: VQAModelConfiguration
    public let questionVocabulary: QuestionVocabulary
    public let answerVocabulary: AnswerVocabulary
    /// Every parameter: `encoder.*`, `question.*`, `fusion.*`, `classifier.*`.
    public let store: ParameterStore
    public let encoder: ImageEncoder
    let question: QuestionEncoder
    let attentionFusion: AttentionFusion?
    let relationalFusion: RelationalFusion?
    let productFusion: ProductFusion?
    let hiddenLayer: Linear  // classifier.fc1: H -> C
    let outputLayer: Linear  // classifier.fc2: C -> K

    /// Every parameter in creation order (what the training engine and checkpoints take).
    public var parameters: [Parameter] {
        encoder.parameters + question.parameters + attentionFusion.parameters
            + relationalFusion.parameters + productFusion.parameters + hiddenLayer.parameters
            + outputLayer.parameters
    }

    /// A freshly initialised model (weights from `configuration.seed`).
    public init(
        configuration: VQAModelConfiguration, questionVocabulary: QuestionVocabulary,
        answerVocabulary: AnswerVocabulary
    ) {
        self.init(
            configuration: configuration, questionVocabulary: questionVocabulary,
            answerVocabulary: answerVocabulary, store: ParameterStore(seed: configuration.seed))
    }

    /// The vocabularies of `examples` (questions with `min_word_count`, the top `max_answers`
    /// answers) and a fresh model over them.
    public init(configuration: VQAModelConfiguration, training examples: [VQAExample]) {
        self.init(
            configuration: configuration,
            questionVocabulary: QuestionVocabulary(
                questions: examples.map(\.question), minCount: configuration.minWordCount),
            answerVocabulary: AnswerVocabulary(
                answerLists: examples.map(\.answers), limit: configuration.maxAnswers))
    }

    private init(
        configuration: VQAModelConfiguration, questionVocabulary: QuestionVocabulary,
        answerVocabulary: AnswerVocabulary, store: ParameterStore
    ) {
        self.configuration = configuration
        self.questionVocabulary = questionVocabulary
        self.answerVocabulary = answerVocabulary
        self.store = store
        encoder = ImageEncoder(configuration.encoder, in: store.scope("encoder"))
        question = QuestionEncoder(
            configuration, vocabularySize: questionVocabulary.count, in: store.scope("question"))
        let features = configuration.encoder.featureSize
        let fusion = store.scope("fusion")
        switch configuration.fusion {
        case .attention:
            attentionFusion = AttentionFusion(configuration, features: features, in: fusion)
            relationalFusion = nil
            productFusion = nil
        case .relational:
            attentionFusion = nil
            relationalFusion = RelationalFusion(configuration, features: features, in: fusion)
            productFusion = nil
        case .product, .imageOnly:
            attentionFusion = nil
            relationalFusion = nil
            productFusion = ProductFusion(
                configuration, features: features,
                usesQuestion: configuration.fusion == .product, in: fusion)
        case .questionOnly:
            attentionFusion = nil
            relationalFusion = nil
            productFusion = nil
        }
        let classifier = store.scope("classifier")
        hiddenLayer = Linear(
            configuration.hidden, configuration.classifierHidden, in: classifier.scope("fc1"))
        outputLayer = Linear(
            configuration.classifierHidden, max(answerVocabulary.count, 1),
            in: classifier.scope("fc2"))
    }

    // MARK: Forward pass and loss

    /// Answer logits and each hop's attention.
    /// images: [M, 3, H, W] distinct images; questions: N, each about one of them
    /// -> logits [N, K], α: one [N, P] per hop (none for `product`)
    public func logits(images: Tensor, questions: [VQAEncodedQuestion]) -> (
        logits: Tensor, attention: [Tensor]
    ) {
        precondition(
            !questions.isEmpty && images.rank == 4
                && questions.allSatisfy { (0..<images.shape[0]).contains($0.image) },
            "VQAModel needs questions about the \(images.shape.first ?? 0) images of [M, 3, H, W] "
                + "\(images.shape)")
        let indices = questions.map(\.image)
        if let relationalFusion {
            let (fused, alphas) = relationalFusion(
                grid: encoder(images), question: question.states(questions.map(\.tokens)),
                images: indices)
            return (outputLayer(tanh(hiddenLayer(fused))), alphas)  // [N, K]
        }
        let q = question(questions.map(\.tokens))  // [N, H]
        var fused = q  // the question-only baseline never runs the CNN
        var alphas: [Tensor] = []
        if let attentionFusion {
            let grid = encoder(images)  // [M, P, E]: the CNN once per distinct image
            (fused, alphas) = attentionFusion(grid: grid, question: q, images: indices)
        } else if let productFusion {
            fused = productFusion(grid: encoder(images), question: q, images: indices)
        }
        return (outputLayer(tanh(hiddenLayer(fused))), alphas)  // [N, K]
    }

    /// The soft-target cross-entropy of the file banner (0 when no question has a target or
    /// the batch is empty).
    /// images: [M, 3, H, W]; questions and answers: N each (answers from
    /// ``softTargets(for:)``).
    public func loss(
        images: Tensor, questions: [VQAEncodedQuestion], answers: [[VQAAnswerWeight]]
    ) -> Tensor {
        precondition(
            answers.count == questions.count,
            "\(answers.count) targets for \(questions.count) questions")
        // An empty batch: a zero that still reaches the graph, so backward() is harmless.
        guard !questions.isEmpty else { return (outputLayer.weight.value * 0).sum() }
        let logits = self.logits(images: images, questions: questions).logits  // [N, K]
        let classes = logits.shape[1]
        var targets = [Float](repeating: 0, count: questions.count * classes)
        var counted = 0
        for (row, target) in answers.enumerated() where !target.isEmpty {
            counted += 1
            for entry in target {
                precondition(
                    (0..<classes).contains(entry.answer),
                    "answer class \(entry.answer) outside 0..<\(classes) at row \(row)")
                targets[row * classes + entry.answer] += entry.weight
            }
        }
        guard counted > 0 else { return (logits * 0).sum() }
        let t = Tensor(shape: logits.shape, scalars: targets)  // [N, K]
        return -(logSoftmax(logits, axis: 1) * t).sum() / Float(counted)
    }

    /// The loss of a batch made by ``batch(_:loadImage:)``.
    public func loss(_ batch: VQABatch) -> Tensor {
        loss(images: batch.images, questions: batch.questions, answers: batch.answers)
    }

    /// The training targets of rows of human answers (see ``AnswerVocabulary/softTarget(for:)``).
    public func softTargets(for answerLists: [[String]]) -> [[VQAAnswerWeight]] {
        answerLists.map { answers in
            answerVocabulary.softTarget(for: answers).map {
                VQAAnswerWeight(answer: $0.answer, weight: $0.weight)
            }
        }
    }

    /// The question's word ids, checked: 1…``VQADataset/maxQuestionWords`` words.
    public func encode(question: String) throws(VQAError) -> [Int] {
        let tokens = questionVocabulary.encode(question)
        guard !tokens.isEmpty else { throw .invalidArgument("empty question: \"\(question)\"") }
        guard tokens.count <= VQADataset.maxQuestionWords else {
            throw .invalidArgument(
                "question has \(tokens.count) words, more than the limit of "
                    + "\(VQADataset.maxQuestionWords)")
        }
        return tokens
    }

    /// A batch of `examples`: each distinct image loaded once (by `loadImage`, given the path)
    /// and preprocessed as the model expects, questions encoded, answers turned into targets.
    public func batch<E: Error>(
        _ examples: [VQAExample], loadImage: (String) throws(E) -> Image
    ) throws(E) -> VQABatch {
        var slots: [String: Int] = [:]
        var images: [Image] = []
        var questions: [VQAEncodedQuestion] = []
        var unknown = 0
        for example in examples {
            let slot: Int
            if let known = slots[example.image] {
                slot = known
            } else {
                slot = images.count
                slots[example.image] = slot
                images.append(try loadImage(example.image))
            }
            var tokens = questionVocabulary.encode(example.question)
            if tokens.isEmpty { tokens = [QuestionVocabulary.unknown] }
            tokens = Array(tokens.prefix(VQADataset.maxQuestionWords))
            unknown += tokens.filter { $0 == QuestionVocabulary.unknown }.count
            questions.append(VQAEncodedQuestion(tokens: tokens, image: slot))
        }
        let answers = softTargets(for: examples.map(\.answers))
        return VQABatch(
            images: configuration.encoder.preprocessing.tensor(images), questions: questions,
            answers: answers, unanswerable: answers.filter(\.isEmpty).count,
            unknownWords: unknown)
    }

    // MARK: Inference

    /// The `top` most probable answers of each question, with their probabilities and each
    /// hop's attention over the grid. Question i is about `images[imageIndex[i]]`, or, without
    /// `imageIndex`, about `images[i]`. Throws for an empty or over-long question or indices
    /// that do not fit.
    public func answers(
        for images: [Image], questions: [String], imageIndex: [Int]? = nil, top: Int = 5
    ) throws(VQAError) -> [VQAPrediction] {
        let indices = imageIndex ?? Array(questions.indices)
        guard !questions.isEmpty, indices.count == questions.count,
            indices.allSatisfy({ (0..<images.count).contains($0) })
        else {
            throw .invalidArgument(
                "\(questions.count) questions, \(indices.count) image indices and "
                    + "\(images.count) images do not fit together")
        }
        var encoded: [VQAEncodedQuestion] = []
        for (question, image) in zip(questions, indices) {
            encoded.append(VQAEncodedQuestion(tokens: try encode(question: question), image: image))
        }
        let input = configuration.encoder.preprocessing.tensor(images)
        let (logits, alphas) = withoutGradients { self.logits(images: input, questions: encoded) }
        let probabilities = softmax(logits, axis: 1).scalars
        let classes = logits.shape[1]
        let locations = configuration.encoder.locations
        let alphaScalars = alphas.map(\.scalars)
        return encoded.enumerated().map { row, question in
            let scores = probabilities[(row * classes)..<((row + 1) * classes)]
            let ranked = scores.indices.sorted {
                scores[$0] > scores[$1] || (scores[$0] == scores[$1] && $0 < $1)
            }
            let best = ranked.prefix(max(top, 1)).compactMap { index -> VQARankedAnswer? in
                let answer = index - row * classes
                guard answer < answerVocabulary.count else { return nil }
                return VQARankedAnswer(
                    answer: answerVocabulary.answers[answer], probability: scores[index])
            }
            return VQAPrediction(
                answers: best,
                attention: alphaScalars.map {
                    Array($0[(row * locations)..<((row + 1) * locations)])
                },
                gridWidth: configuration.encoder.gridWidth,
                gridHeight: configuration.encoder.gridHeight,
                tokens: question.tokens.map { questionVocabulary.words[$0] },
                unknownWords: question.tokens.filter { $0 == QuestionVocabulary.unknown }.count)
        }
    }

    /// The answers of `examples`, `batchSize` questions at a time, each distinct image of a
    /// batch loaded once by `loadImage` (which names the file in its error).
    public func answers(
        for examples: [VQAExample], batchSize: Int = 64, top: Int = 5,
        loadImage: (String) throws(VQAError) -> Image
    ) throws(VQAError) -> [VQAPrediction] {
        guard batchSize >= 1 else { throw .invalidArgument("batch size \(batchSize) is below 1") }
        var predictions: [VQAPrediction] = []
        predictions.reserveCapacity(examples.count)
        for start in stride(from: 0, to: examples.count, by: batchSize) {
            let rows = examples[start..<min(start + batchSize, examples.count)]
            var slots: [String: Int] = [:]
            var images: [Image] = []
            var indices: [Int] = []
            for row in rows {
                if let slot = slots[row.image] {
                    indices.append(slot)
                } else {
                    slots[row.image] = images.count
                    indices.append(images.count)
                    images.append(try loadImage(row.image))
                }
            }
            predictions += try answers(
                for: images, questions: rows.map(\.question), imageIndex: indices, top: top)
        }
        return predictions
    }

    /// The official VQA accuracy of the model's top answer on `examples`, overall and by
    /// answer and question type (the validation metric).
    public func evaluate(
        _ examples: [VQAExample], batchSize: Int = 64,
        loadImage: (String) throws(VQAError) -> Image
    ) throws(VQAError) -> VQAEvaluation {
        let predictions = try answers(
            for: examples, batchSize: batchSize, top: 1, loadImage: loadImage)
        return try VQAAccuracy.evaluate(predictions: predictions.map(\.answer), examples: examples)
    }

    // MARK: Model directory

    /// The files ``save(to:)`` writes (a directory holding them all has a model).
    public static let modelFiles = [
        configurationFile, questionVocabularyFile, answerVocabularyFile, encoderFile, weightsFile,
    ]
    static let configurationFile = "config.json"
    static let questionVocabularyFile = "question_vocab.json"
    static let answerVocabularyFile = "answer_vocab.json"
    static let encoderFile = "encoder.safetensors"
    static let weightsFile = "vqa.safetensors"
    /// The metadata key of the id one `save` writes into both weight files.
    static let saveKey = "glimpse.save_id"

    /// Loads a model directory. The configuration and vocabularies are validated as they are
    /// decoded; every layer then takes its tensors by name from the weight files, each checked
    /// against the shape the configuration implies before anything is allocated for it. Missing,
    /// mis-shaped, unused or non-finite tensors are refused, naming the tensor; a directory of
    /// another task (no answer vocabulary) is refused, naming it.
    public init(contentsOf directory: String) throws(VQAError) {
        guard FileManager.default.fileExists(atPath: directory + "/" + Self.answerVocabularyFile)
        else {
            throw .invalidModel(
                path: directory,
                reason: "not a VQA model: missing \(Self.answerVocabularyFile)")
        }
        let configuration: VQAModelConfiguration = try Self.readJSON(
            directory, Self.configurationFile)
        let questionVocabulary: QuestionVocabulary = try Self.readJSON(
            directory, Self.questionVocabularyFile)
        let answerVocabulary: AnswerVocabulary = try Self.readJSON(
            directory, Self.answerVocabularyFile)
        var tensors: [String: Tensor] = [:]
        var saves: [String?] = []
        for file in [Self.encoderFile, Self.weightsFile] {
            do {
                let contents = try Safetensors.read(path: directory + "/" + file)
                tensors.merge(contents.tensors) { a, _ in a }
                saves.append(contents.metadata[Self.saveKey])
            } catch {
                throw .invalidModel(path: directory, reason: error.localizedDescription)
            }
        }
        guard saves[0] == saves[1] else {
            throw .invalidModel(
                path: directory,
                reason: "\(Self.encoderFile) and \(Self.weightsFile) come from different saves "
                    + "(an interrupted save?); save or copy the model again")
        }
        let store = ParameterStore(loading: tensors, seed: configuration.seed)
        self.init(
            configuration: configuration, questionVocabulary: questionVocabulary,
            answerVocabulary: answerVocabulary, store: store)
        do {
            try store.finishLoading()
        } catch {
            throw .invalidModel(
                path: directory,
                reason: "\(error) — do config.json, \(Self.questionVocabularyFile) "
                    + "(\(questionVocabulary.count) words) and \(Self.answerVocabularyFile) "
                    + "(\(answerVocabulary.count) answers) belong to these weights?")
        }
    }

    /// Replaces the CNN's weights with those in another model directory's
    /// `encoder.safetensors` (a captioner's or another VQA model's) whose `config.json`
    /// describes the same encoder: a CNN that already knows the scenes, as the VQA papers start
    /// from an ImageNet one. A different encoder, a missing file or a mis-shaped tensor is
    /// refused, naming the directory.
    public func initializeEncoder(from directory: String) throws(VQAError) {
        struct EncoderSection: Decodable { let encoder: EncoderConfiguration }
        let theirs: EncoderSection = try Self.readJSON(directory, Self.configurationFile)
        guard theirs.encoder == configuration.encoder else {
            throw .invalidModel(
                path: directory,
                reason: "its encoder (channels \(theirs.encoder.channels), "
                    + "\(theirs.encoder.preprocessing.width)x\(theirs.encoder.preprocessing.height)"
                    + " input) is not this model's (channels \(configuration.encoder.channels), "
                    + "\(configuration.encoder.preprocessing.width)x"
                    + "\(configuration.encoder.preprocessing.height) input)")
        }
        do {
            let tensors = try Safetensors.read(path: directory + "/" + Self.encoderFile).tensors
            try ParameterStore.load(
                tensors.filter { $0.key.hasPrefix("encoder.") }, into: encoder.parameters)
        } catch {
            throw .invalidModel(path: directory, reason: "\(error)")
        }
    }

    /// Writes the model directory: JSON files and weights, each atomically; both weight files
    /// carry the same new save id, checked when the model is loaded.
    public func save(to directory: String) throws {
        try Directory.create(directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let config = try encoder.encode(configuration)
        try AtomicFile.write(config, to: directory + "/" + Self.configurationFile)
        try AtomicFile.write(
            try encoder.encode(questionVocabulary),
            to: directory + "/" + Self.questionVocabularyFile)
        try AtomicFile.write(
            try encoder.encode(answerVocabulary), to: directory + "/" + Self.answerVocabularyFile)
        let metadata = [
            "config": String(decoding: config, as: UTF8.self), Self.saveKey: UUID().uuidString,
        ]
        let all = store.tensors
        try Safetensors.write(
            all.filter { $0.key.hasPrefix("encoder.") }, metadata: metadata,
            to: directory + "/" + Self.encoderFile)
        try Safetensors.write(
            all.filter { !$0.key.hasPrefix("encoder.") }, metadata: metadata,
            to: directory + "/" + Self.weightsFile)
    }

    /// The `config.json` of a model directory, validated, without loading its weights (what a
    /// caller needs to preprocess an image as the model did).
    public static func configuration(ofModel directory: String) throws(VQAError)
        -> VQAModelConfiguration
    {
        try readJSON(directory, configurationFile)
    }

    private static func readJSON<T: Decodable>(_ directory: String, _ file: String)
        throws(VQAError) -> T
    {
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidModel(path: directory, reason: "missing \(file)")
        }
        do {
            return try JSONFile.decode(T.self, from: path)
        } catch {
            throw .invalidModel(path: error.path, reason: error.reason)
        }
    }
}
