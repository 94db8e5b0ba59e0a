// Relational attention: stacked attention over the grid in which each hop also attends over the
// question's words and knows where the hops before it looked, for questions that compare two
// objects' positions ("is the red circle to the left of the blue square", "what is above the
// small green circle"), which additive hops that only sum image vectors do not learn (see
// models/vqa/MODEL_CARD.md).
//
// N = questions, M = distinct images, P = grid locations, T = question words, H = hidden,
// A = attention width; cᵢ ∈ [−1, 1]² is the centre of grid cell i (x right, y down).
//
//   v = tanh(image_proj(grid))                                   [M, P, H]  once per image
//   u₀ = q (the question's last LSTM state h_T)
//   hₜ = [forward state; reverse state] of word t (the question encoder reads the words both
//        ways for this fusion)                                        [N, T, 2H]
//   hop k:  wₖ = Σₜ βₖₜ hₜ,   βₖ = softmax over the question's words of
//                words_att(h, uₖ₋₁)                                (additive, hop k's own weights)
//           αₖ = softmax(full_att(tanh(encoder_att(v) + decoder_att(wₖ) + relative(c − pₖ₋₁))))
//                (the relative term from the second hop on)
//           pₖ = Σᵢ αₖᵢ cᵢ                                       the attended position [N, 2]
//           zₖ = Σᵢ αₖᵢ vᵢ                                       the attended context [N, H]
//           uₖ = uₖ₋₁ + zₖ + position(pₖ) + tanh(match_image(zₖ)) ⊙ tanh(match_words(wₖ))
//
// The word attention lets each hop pick the noun phrase it looks for: read both ways, a word's
// state says what precedes and what follows it, so the words of "the red circle" before "to the
// left of" differ from the same words after it (with the forward reading alone, the two-object
// yes/no questions stayed at chance; see the model card); the relative term lets a hop look "above the object the
// last hop found"; the position readout puts both attended positions into the vector the
// classifier reads, so "left of" becomes a comparison of two coordinates; the product term
// (the multiplicative fusion of Kim et al. 2017's low-rank bilinear pooling) says how well what
// the hop found matches the words it looked for, which a sum does not.
import GlimpseLayers
import GlimpseTensor

/// One hop of ``RelationalFusion``: keys `words.*` (encoder_att, decoder_att, full_att over the
/// word states), `encoder_att.*`, `decoder_att.*`, `full_att.*` (over the grid), `relative.*`
/// (from the second hop on), `position.*`, `match_image.*` and `match_words.*`.
struct RelationalHop: Module {
    let words: SoftAttention  // over the words' two-sided states (2H), queried by uₖ₋₁
    let grid: SoftAttention  // over the image grid, queried by wₖ
    let relative: Linear?  // 2 -> A, no bias (the grid attention's encoder_att has one)
    let position: Linear  // 2 -> H
    let matchImage: Linear  // H -> H
    let matchWords: Linear  // 2H -> H

    var parameters: [Parameter] {
        words.parameters + grid.parameters + relative.parameters + position.parameters
            + matchImage.parameters + matchWords.parameters
    }

    /// `wordFeatures`: the width of a word's state (both readers').
    init(
        hidden: Int, wordFeatures: Int, attention: Int, relative usesRelative: Bool,
        in scope: ParameterScope
    ) {
        words = SoftAttention(
            features: wordFeatures, hidden: hidden, attention: attention,
            in: scope.scope("words"))
        grid = SoftAttention(
            features: hidden, hidden: wordFeatures, attention: attention, in: scope)
        relative =
            usesRelative ? Linear(2, attention, bias: false, in: scope.scope("relative")) : nil
        position = Linear(2, hidden, in: scope.scope("position"))
        matchImage = Linear(hidden, hidden, in: scope.scope("match_image"))
        matchWords = Linear(wordFeatures, hidden, in: scope.scope("match_words"))
    }
}

/// Relational attention of the file banner: keys `image_proj.*`, `hop1.*`, (`hop2.*`).
struct RelationalFusion: Module {
    let imageProjection: Linear  // E -> H
    let hops: [RelationalHop]
    /// cᵢ, the centre of each grid cell in [−1, 1]², row-major.   [P, 2]
    let centres: Tensor

    var parameters: [Parameter] {
        imageProjection.parameters + hops.flatMap(\.parameters)
    }

    init(_ configuration: VQAModelConfiguration, features: Int, in scope: ParameterScope) {
        imageProjection = Linear(features, configuration.hidden, in: scope.scope("image_proj"))
        hops = (1...configuration.hops).map {
            RelationalHop(
                hidden: configuration.hidden, wordFeatures: 2 * configuration.hidden,
                attention: configuration.attention, relative: $0 > 1, in: scope.scope("hop\($0)"))
        }
        let (width, height) = (configuration.encoder.gridWidth, configuration.encoder.gridHeight)
        var centres: [Float] = []
        centres.reserveCapacity(width * height * 2)
        for row in 0..<height {
            for column in 0..<width {
                centres += [
                    (Float(column) + 0.5) / Float(width) * 2 - 1,
                    (Float(row) + 0.5) / Float(height) * 2 - 1,
                ]
            }
        }
        self.centres = Tensor(shape: [width * height, 2], scalars: centres)
    }

    /// grid: [M, P, E] per distinct image; question: the LSTM's states; images: N indices into
    /// M -> fused [N, H], one α [N, P] per hop
    func callAsFunction(grid: Tensor, question: QuestionStates, images: [Int]) -> (
        Tensor, [Tensor]
    ) {
        let v = tanh(imageProjection(grid))  // [M, P, H]
        let perQuestion = gather(v, indices: images)  // [N, P, H]
        var u = question.last  // [N, H]
        var previous: Tensor?  // pₖ₋₁   [N, 2]
        var alphas: [Tensor] = []
        for hop in hops {
            let (query, _) = hop.words(question.states, hidden: u, mask: question.mask)  // [N, 2H]
            var projected = gather(hop.grid.projectFeatures(v), indices: images)  // [N, P, A]
            if let previous, let relative = hop.relative {
                let offsets = centres - previous.unsqueezed(axis: 1)  // [N, P, 2]
                projected = projected + relative(offsets)
            }
            let (context, alpha) = hop.grid(perQuestion, projected: projected, hidden: query)
            let position = matmul(alpha, centres)  // [N, 2]
            let match = tanh(hop.matchImage(context)) * tanh(hop.matchWords(query))
            u = u + context + hop.position(position) + match
            previous = position
            alphas.append(alpha)
        }
        return (u, alphas)
    }
}
