// A per-frame activity labeller that runs online: the shared CNN on every sampled frame, a
// uni-directional LSTM over the frames (or the causal pooling baseline), and a softmax over
// the activities and background at every step.
//
//   frame_t ──CNN──► grid_t [P, E] ─┬─ mean over P ──────────────► m_t [E]      (lstm, pooling)
//                                   ├─ attention(grid_t, h_{t−1}) ► m_t [E]      (attention)
//                                   └─ spatial soft-argmax ───────► k_t [2E]
//   x_t = [m_t, k_t]                [3E]
//   h_t = LSTM(x_t, h_{t−1})        (pooling: h_t = mean of x over the last W frames)
//
// With `frame_difference` the CNN's input is [frame_t, frame_t − frame_{t−1}] (6 channels; the
// difference is zero on a sequence's first frame, which also starts from a zero LSTM state), so
// what moved, turned or changed size shows in the frame's own features.
//
// k_t holds, per feature channel, the expected x and y (in −1…1) of the channel's softmax over
// the grid (Levine et al. 2016's spatial soft-argmax): where things are. A mean alone loses
// position, and with it the motion that tells "move" or "bounce" from "stay still".
//   p_t = softmax(W·h_t + b)        over [background, activity 1, …]
//
// Training loss (Ma, Sigal & Sclaroff, CVPR 2016): L = L_c + λ_r·L_r, L_c the cross-entropy
// over every real (unpadded) frame and L_r `rankingLoss` (GlimpseLayers) per sequence,
// averaged over sequences. The choices in L_r, as RankingLosses.swift implements them:
// - the running maximum s*_t of the score since the segment began is a constant (no gradient
//   flows into earlier frames through it), as in the paper, where it is a target;
// - a sequence's first frame contributes 0 (nothing to compare with), and a training window
//   that starts inside a segment starts its running maximum there;
// - background is a class like the others: its score too should not fall while background
//   lasts, and at a transition into or out of it the previous class's score is pushed down.
//
// Batches are time-major: frames of sequence b at time t sit in row t·B + b; padding rows
// (past a sequence's length) read a zero feature vector and are masked out of the loss.
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor
import GlimpseVision

/// Encoder + temporal model + classifier; see the file comment.
public struct FrameLabelModel: Module {
    public let configuration: FrameLabelConfiguration
    let encoder: ImageEncoder
    /// `rnn.weight_ih_l0` …: PyTorch's nn.LSTM (lstm and attention).
    let network: Recurrent<LSTMCell>?
    /// `attention.encoder_att` …
    let attention: SoftAttention?
    /// `classifier.weight` [C, H or E], `classifier.bias`.
    let classifier: Linear

    public var parameters: [Parameter] {
        encoder.parameters + network.parameters + attention.parameters + classifier.parameters
    }

    /// Files of a model directory.
    public static let configurationFile = "config.json"
    public static let weightsFile = "model.safetensors"

    /// A freshly initialised model (weights from `configuration.seed`).
    public init(configuration: FrameLabelConfiguration) throws(LabelingError) {
        try configuration.validate()
        self.init(configuration, store: ParameterStore(seed: configuration.seed))
    }

    private init(_ configuration: FrameLabelConfiguration, store: ParameterStore) {
        self.configuration = configuration
        encoder = ImageEncoder(configuration.encoder, in: store.scope("encoder"))
        let features = configuration.encoder.featureSize
        network =
            configuration.temporal == .pooling
            ? nil
            : Recurrent<LSTMCell>(
                inputSize: configuration.frameFeatureSize, hiddenSize: configuration.hidden,
                in: store.scope("rnn"))
        attention =
            configuration.temporal == .attention
            ? SoftAttention(
                features: features, hidden: configuration.hidden,
                attention: configuration.attention, in: store.scope("attention")) : nil
        classifier = Linear(
            configuration.classifierInput, configuration.labels.count,
            in: store.scope("classifier"))
    }

    /// Loads a model directory (config.json, model.safetensors): the configuration is checked
    /// as it is decoded and every tensor by name and shape before anything is allocated.
    public init(contentsOf directory: String) throws(LabelingError) {
        let path = directory + "/" + Self.configurationFile
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidModel(
                path: directory,
                reason: "missing \(Self.configurationFile) (is it a model made by "
                    + "`glimpse label train`?)")
        }
        let configuration: FrameLabelConfiguration
        do {
            configuration = try JSONFile.decode(FrameLabelConfiguration.self, from: path)
        } catch {
            throw .invalidModel(path: error.path, reason: error.reason)
        }
        let tensors: [String: Tensor]
        do {
            tensors = try Safetensors.read(path: directory + "/" + Self.weightsFile).tensors
        } catch {
            throw .invalidModel(path: directory, reason: error.localizedDescription)
        }
        let store = ParameterStore(loading: tensors, seed: configuration.seed)
        self.init(configuration, store: store)
        do {
            try store.finishLoading()
        } catch {
            throw .invalidModel(
                path: directory,
                reason: "\(error) — does config.json belong to these weights?")
        }
    }

    /// Writes config.json and model.safetensors into `directory`, each atomically.
    public func save(to directory: String) throws {
        try Directory.create(directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let config = try encoder.encode(configuration)
        try AtomicFile.write(config, to: directory + "/" + Self.configurationFile)
        try Safetensors.write(
            Dictionary(uniqueKeysWithValues: parameters.map { ($0.name, $0.value) }),
            metadata: ["config": String(decoding: config, as: UTF8.self)],
            to: directory + "/" + Self.weightsFile)
    }

    /// The activity names, background first.
    public var labels: [String] { configuration.labels }

    // MARK: Batched forward

    /// Per-frame logits of a batch of sequences.
    /// - Parameters:
    ///   - frames: the real frames, sequence after sequence, preprocessed.   [Σ lengths, 3, H, W]
    ///   - lengths: frames of each sequence (B values, each ≥ 1).
    /// - Returns: [T, B, C] with T = max(lengths); rows past a sequence's end are padding.
    public func logits(frames: Tensor, lengths: [Int]) -> Tensor {
        let batch = lengths.count
        let steps = lengths.max() ?? 0
        var offsets: [Int] = []
        var total = 0
        for length in lengths {
            offsets.append(total)
            total += length
        }
        // Time-major row t·B + b → frame row, or `total` (a zero row) past the end.
        let rows = (0..<steps).flatMap { t in
            (0..<batch).map { b in t < lengths[b] ? offsets[b] + t : total }
        }
        let grid = encoder(
            configuration.frameDifference
                ? Self.withDifferences(frames, lengths: lengths) : frames)  // [N, P, E]
        let (locations, features) = (grid.shape[1], grid.shape[2])
        let keypoints = keypoints(grid)  // [N, 2E]
        switch configuration.temporal {
        case .lstm, .pooling:
            let width = configuration.frameFeatureSize
            let perFrame = concat([grid.mean(alongAxis: 1), keypoints], axis: 1)  // [N, 3E]
            let padded = concat([perFrame, Tensor.zeros([1, width])], axis: 0)
            let x = gather(padded, indices: rows).reshaped(to: [steps, batch, width])
            if let network {
                return classifier(network(x))
            }
            return classifier(causalMean(x, window: configuration.poolingWindow))
        case .attention:
            let padded = concat([grid, Tensor.zeros([1, locations, features])], axis: 0)
            let paddedKeypoints = concat([keypoints, Tensor.zeros([1, 2 * features])], axis: 0)
            let sequence = gather(padded, indices: rows)  // [T·B, P, E]
            return classifier(
                attend(
                    sequence, keypoints: gather(paddedKeypoints, indices: rows), steps: steps,
                    batch: batch))
        }
    }

    /// Each frame followed, along the channels, by its difference from the frame before it in
    /// its sequence (zero for a sequence's first frame).
    /// frames [Σ lengths, C, H, W] -> [Σ lengths, 2C, H, W]
    static func withDifferences(_ frames: Tensor, lengths: [Int]) -> Tensor {
        var previous: [Int] = []
        for length in lengths {
            let first = previous.count
            previous += (first..<(first + length)).map { max(first, $0 - 1) }
        }
        return concat([frames, frames - gather(frames, indices: previous)], axis: 1)
    }

    /// Per channel, the expected x and y (−1…1) of its softmax over the grid: the spatial
    /// soft-argmax of the file comment.   grid [N, P, E] -> [N, 2E] (x₁, y₁, x₂, y₂, …)
    func keypoints(_ grid: Tensor) -> Tensor {
        let (n, locations, features) = (grid.shape[0], grid.shape[1], grid.shape[2])
        let (width, height) = (configuration.encoder.gridWidth, configuration.encoder.gridHeight)
        precondition(
            width * height == locations, "a \(width)x\(height) grid has \(locations) cells")
        var coordinates = [Float](repeating: 0, count: locations * 2)
        for p in 0..<locations {
            let (x, y) = (p % width, p / width)
            coordinates[2 * p] = width > 1 ? Float(2 * x) / Float(width - 1) - 1 : 0
            coordinates[2 * p + 1] = height > 1 ? Float(2 * y) / Float(height - 1) - 1 : 0
        }
        let weights = softmax(grid.permuted([0, 2, 1]), axis: 2)  // [N, E, P]
        let expected = matmul(
            weights.reshaped(to: [n * features, locations]),
            Tensor(shape: [locations, 2], scalars: coordinates))  // [N·E, 2]
        return expected.reshaped(to: [n, 2 * features])
    }

    /// The LSTM over attention contexts and keypoints.
    /// grids [T·B, P, E], keypoints [T·B, 2E] -> hidden states [T, B, H]
    func attend(_ grids: Tensor, keypoints: Tensor, steps: Int, batch: Int) -> Tensor {
        guard let network, let attention, let cell = network.cells.first?.first else {
            return grids
        }
        let projected = attention.projectFeatures(grids)  // [T·B, P, A]
        var state = cell.zeroState(batchSize: batch)
        var outputs: [Tensor] = []
        for t in 0..<steps {
            let rows = (t * batch)..<((t + 1) * batch)
            let (context, _) = attention(
                grids.slice(axis: 0, range: rows), projected: projected.slice(axis: 0, range: rows),
                hidden: state.hidden)
            state = cell(
                concat([context, keypoints.slice(axis: 0, range: rows)], axis: 1), state)
            outputs.append(state.hidden)
        }
        return stack(outputs, axis: 0)
    }

    /// y_t = mean of x over frames max(0, t−W+1)…t.   [T, B, E] -> [T, B, E]
    func causalMean(_ x: Tensor, window: Int) -> Tensor {
        let (steps, rest) = (x.shape[0], x.shape[1] * x.shape[2])
        var weights = [Float](repeating: 0, count: steps * steps)
        for t in 0..<steps {
            let first = max(0, t - window + 1)
            for s in first...t { weights[t * steps + s] = 1 / Float(t - first + 1) }
        }
        let averaged = matmul(
            Tensor(shape: [steps, steps], scalars: weights), x.reshaped(to: [steps, rest]))
        return averaged.reshaped(to: x.shape)
    }

    /// L = L_c + λ_r·L_r of a batch (see the file comment) and L_c alone.
    /// - Parameters:
    ///   - labels: each sequence's class per frame (lengths as in ``logits(frames:lengths:)``).
    public func loss(frames: Tensor, labels: [[Int]]) -> (loss: Tensor, crossEntropy: Float) {
        let lengths = labels.map(\.count)
        let logits = logits(frames: frames, lengths: lengths)
        let (steps, batch, classes) = (logits.shape[0], logits.shape[1], logits.shape[2])
        let flat = logits.reshaped(to: [steps * batch, classes])
        var targets = [Int](repeating: ignoredTarget, count: steps * batch)
        for (b, sequence) in labels.enumerated() {
            for (t, label) in sequence.enumerated() { targets[t * batch + b] = label }
        }
        let classification = crossEntropy(logits: flat, targets: targets)
        guard let kind = configuration.rankLoss.kind, configuration.lambdaR > 0 else {
            return (classification, classification.scalar)
        }
        let probabilities = softmax(flat, axis: 1)
        var ranking = (classification * 0)
        for (b, sequence) in labels.enumerated() {
            let rows = (0..<sequence.count).map { $0 * batch + b }
            ranking =
                ranking
                + rankingLoss(
                    kind, probabilities: gather(probabilities, indices: rows), labels: sequence)
        }
        let total = classification + ranking * (configuration.lambdaR / Float(labels.count))
        return (total, classification.scalar)
    }

    /// Preprocessed frames as the model's input.   -> [N, 3, H, W]
    public func input(_ images: [Image]) -> Tensor {
        configuration.encoder.preprocessing.tensor(images)
    }
}

/// The labeller run one frame at a time, as frames arrive: memory stays flat however long the
/// video is.
///
/// ```swift
/// var labeller = FrameLabeler(model: model)
/// while let frame = try reader.nextFrame() {
///     let p = labeller.label(frame.image)   // probabilities over model.labels
/// }
/// ```
public struct FrameLabeler {
    public let model: FrameLabelModel
    private var state: LSTMState?
    private var recent: [Tensor] = []
    /// The previous preprocessed frame (frame-difference models).
    private var previous: Tensor?

    public init(model: FrameLabelModel) {
        self.model = model
    }

    /// The class probabilities of the next frame, given every frame before it.
    public mutating func label(_ image: Image) -> [Float] {
        withoutGradients { step(model.input([image])) }
    }

    /// One preprocessed frame [1, 3, H, W] -> probabilities.
    mutating func step(_ frame: Tensor) -> [Float] {
        var input = frame
        if model.configuration.frameDifference {
            input = concat([frame, frame - (previous ?? frame)], axis: 1)  // [1, 6, H, W]
            previous = frame
        }
        let grid = model.encoder(input)  // [1, P, E]
        let keypoints = model.keypoints(grid)  // [1, 2E]
        let hidden: Tensor
        if let network = model.network, let cell = network.cells.first?.first {
            let previous = state ?? cell.zeroState(batchSize: 1)
            let summary =
                model.attention.map {
                    $0(grid, hidden: previous.hidden).context
                } ?? grid.mean(alongAxis: 1)
            let next = cell(concat([summary, keypoints], axis: 1), previous)
            state = next
            hidden = next.hidden
        } else {
            recent.append(concat([grid.mean(alongAxis: 1), keypoints], axis: 1))
            if recent.count > model.configuration.poolingWindow { recent.removeFirst() }
            hidden = concat(recent, axis: 0).mean(alongAxis: 0, keepDims: true)  // [1, E]
        }
        return softmax(model.classifier(hidden), axis: 1).scalars
    }
}
