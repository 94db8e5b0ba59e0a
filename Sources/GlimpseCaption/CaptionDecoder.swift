// The two LSTM caption decoders, one step at a time (training runs the steps with teacher
// forcing, inference feeds back its own words).
// N = batch, P = locations, E = feature size, M = embedding, H = hidden, A = attention, V = vocab.
//
// Show, Attend and Tell (Xu et al. 2015, §3.1.2 and §4.2.1): h₀, c₀ = tanh(W·mean(a)); at each
// step z = β·Σᵢ αᵢaᵢ with α = softmax(f_att(a, hₜ₋₁)) and the gate β = σ(f_β(hₜ₋₁)); the LSTM reads
// [E·yₜ₋₁; z]; the deep output layer gives p(yₜ) ∝ exp(L_o·tanh(E·yₜ₋₁ + L_h·hₜ + L_z·z)).
// Show and Tell (Vinyals et al. 2015): h₀, c₀ from the mean image vector, the LSTM reads E·yₜ₋₁,
// p(yₜ) ∝ exp(L_o·hₜ).
import GlimpseLayers
import GlimpseTensor

/// A decoder's recurrent state plus what stays fixed while one batch of captions is decoded.
public struct DecoderContext {
    /// The image features.   [N, P, E]
    public var features: Tensor
    /// encoder_att(features), computed once.   [N, P, A] (attention decoder only)
    var projected: Tensor?
    public var state: LSTMState

    /// The same context for the rows `rows` (beam search reorders and repeats rows).
    public func selecting(_ rows: [Int]) -> DecoderContext {
        DecoderContext(
            features: gather(features, indices: rows),
            projected: projected.map { gather($0, indices: rows) },
            state: selectingStates(rows))
    }

    /// The same context for the rows `rows` where row r holds image `images[r]` and the new
    /// rows hold `images[rows[r]]` (the hypotheses of beam searches): the features are gathered
    /// only when some row's image changes.
    func selectingHypotheses(_ rows: [Int], images: [Int]) -> DecoderContext {
        guard rows.map({ images[$0] }) == images else { return selecting(rows) }
        return DecoderContext(
            features: features, projected: projected, state: selectingStates(rows))
    }

    private func selectingStates(_ rows: [Int]) -> LSTMState {
        LSTMState(
            hidden: gather(state.hidden, indices: rows), cell: gather(state.cell, indices: rows))
    }
}

/// One decoding step's outputs.
public struct DecoderStep {
    /// Pre-softmax input of the output layer (L_o's input).   [N, M] or [N, H]
    public var readout: Tensor
    /// Attention weights over locations, nil for Show and Tell.   [N, P]
    public var alpha: Tensor?
}

/// The caption decoder's layers; keys under `decoder.`.
public struct CaptionDecoder: Module {

    public let kind: DecoderKind
    let embedding: Embedding  // embedding.weight [V, M]
    let initHidden: Linear  // init_h: E -> H
    let initCell: Linear  // init_c: E -> H
    let cell: LSTMCell  // decode_step: [M (+ E)] -> H
    let attention: SoftAttention?  // attention.{encoder_att, decoder_att, full_att}
    let gate: Linear?  // f_beta: H -> 1
    let readoutHidden: Linear?  // deep_h: H -> M
    let readoutContext: Linear?  // deep_z: E -> M
    let output: Linear  // fc: M (or H) -> V

    /// In creation order.
    public var parameters: [Parameter] {
        embedding.parameters + initHidden.parameters + initCell.parameters + cell.parameters
            + attention.parameters + gate.parameters + readoutHidden.parameters
            + readoutContext.parameters + output.parameters
    }

    public init(
        _ configuration: CaptionModelConfiguration, vocabularySize: Int, in scope: ParameterScope
    ) {
        kind = configuration.decoder
        let (e, m, h) = (
            configuration.encoder.featureSize, configuration.embedding, configuration.hidden
        )
        embedding = Embedding(count: vocabularySize, dimension: m, in: scope.scope("embedding"))
        initHidden = Linear(e, h, in: scope.scope("init_h"))
        initCell = Linear(e, h, in: scope.scope("init_c"))
        if kind == .attention {
            cell = LSTMCell(inputSize: m + e, hiddenSize: h, in: scope.scope("decode_step"))
            attention = SoftAttention(
                features: e, hidden: h, attention: configuration.attention,
                in: scope.scope("attention"))
            gate = Linear(h, 1, in: scope.scope("f_beta"))
            readoutHidden = Linear(h, m, in: scope.scope("deep_h"))
            readoutContext = Linear(e, m, bias: false, in: scope.scope("deep_z"))
            output = Linear(m, vocabularySize, in: scope.scope("fc"))
        } else {
            cell = LSTMCell(inputSize: m, hiddenSize: h, in: scope.scope("decode_step"))
            attention = nil
            gate = nil
            readoutHidden = nil
            readoutContext = nil
            output = Linear(h, vocabularySize, in: scope.scope("fc"))
        }
    }

    /// The initial state from the mean feature vector.   features [N, P, E]
    public func start(_ features: Tensor) -> DecoderContext {
        let mean = features.mean(alongAxis: 1)  // [N, E]
        return DecoderContext(
            features: features, projected: attention?.projectFeatures(features),
            state: LSTMState(hidden: tanh(initHidden(mean)), cell: tanh(initCell(mean))))
    }

    /// One step from the previous words `tokens` (N ids); updates `context.state`.
    public func step(_ tokens: [Int], _ context: inout DecoderContext) -> DecoderStep {
        step(embedding(tokens), words: tokens, &context)
    }

    /// One step from embedded previous words `embedded` [N, M]; `words`, their ids when known,
    /// let the LSTM reuse each word's product with its input weight in inference.
    func step(
        _ embedded: Tensor, words: [Int]? = nil, _ context: inout DecoderContext
    ) -> DecoderStep {
        /// The LSTM step on [E·yₜ₋₁; z], or on E·yₜ₋₁ alone without a context z.
        func advance(reading z: Tensor?) {
            if let words {
                context.state = cell(
                    words, embeddedBy: embedding,
                    followedBy: z ?? .zeros([words.count, 0]), context.state)
            } else {
                context.state = cell(
                    z.map { concat([embedded, $0], axis: 1) } ?? embedded, context.state)
            }
        }
        guard let attention, let gate, let readoutHidden, let readoutContext,
            let projected = context.projected
        else {
            advance(reading: nil)
            return DecoderStep(readout: context.state.hidden, alpha: nil)
        }
        let previous = context.state.hidden
        let (attended, alpha) = attention(
            context.features, projected: projected, hidden: previous)  // [N, E], [N, P]
        let z = attended * sigmoid(gate(previous))  // β gates the context   [N, E]
        advance(reading: z)
        let readout = tanh(embedded + readoutHidden(context.state.hidden) + readoutContext(z))
        return DecoderStep(readout: readout, alpha: alpha)  // [N, M]
    }

    /// Logits over the vocabulary for stacked readouts.   [K, M] -> [K, V]
    public func logits(_ readout: Tensor) -> Tensor {
        output(readout)
    }

    /// Teacher-forced training loss for a batch of captions: masked cross-entropy per word,
    /// plus λ·mean over images of Σᵢ(1 − Σₜ αₜᵢ)² for the attention decoder. Returns the total
    /// to minimise and its cross-entropy part (nats per word) for progress reports.
    ///
    /// - Parameters:
    ///   - features: [N, P, E]
    ///   - captions: N id sequences, each `<start> w₁ … wₙ <end>`.
    public func loss(
        features: Tensor, captions: [[Int]], attentionRegularization: Float
    ) -> (total: Tensor, crossEntropy: Float) {
        let n = captions.count
        let steps = (captions.map(\.count).max() ?? 1) - 1
        precondition(features.shape[0] == n && steps >= 1, "a caption needs <start> and <end>")
        // Time-major inputs and targets; padding is ignored by the loss.
        var inputs: [Int] = []
        var targets: [Int] = []
        var valid: [Float] = []
        for t in 0..<steps {
            for caption in captions {
                let inside = t + 1 < caption.count
                inputs.append(inside ? caption[t] : CaptionVocabulary.pad)
                targets.append(inside ? caption[t + 1] : ignoredTarget)
                valid.append(inside ? 1 : 0)
            }
        }
        let embedded = embedding(inputs)  // [T·N, M]
        var context = start(features)
        var readouts: [Tensor] = []
        var attentionSum: Tensor?
        for t in 0..<steps {
            let step = step(embedded.slice(axis: 0, range: (t * n)..<((t + 1) * n)), &context)
            readouts.append(step.readout)
            if let alpha = step.alpha {
                let mask = Tensor(shape: [n, 1], scalars: Array(valid[(t * n)..<((t + 1) * n)]))
                let weighted = alpha * mask  // steps past a caption's end do not count
                attentionSum = attentionSum.map { $0 + weighted } ?? weighted
            }
        }
        let logits = self.logits(concat(readouts, axis: 0))  // [T·N, V], one GEMM
        let wordLoss = crossEntropy(logits: logits, targets: targets)
        var loss = wordLoss
        if let attentionSum, attentionRegularization > 0 {
            let deficit = 1 - attentionSum  // [N, P]
            loss = loss + attentionRegularization * (deficit * deficit).sum() / Float(n)
        }
        return (loss, wordLoss.scalar)
    }
}
