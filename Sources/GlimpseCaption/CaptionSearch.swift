// Generating captions: greedy decoding batched over images, and beam search with length
// normalisation (captions rank by log-probability / Lᵅ, L = words + <end>; α = 1 by default,
// the mean log-probability per word).
import Foundation
import GlimpseLayers
import GlimpseTensor

/// A generated caption.
public struct GeneratedCaption: Sendable {
    /// Word ids without `<start>`/`<end>`.
    public var tokens: [Int]
    /// The caption text.
    public var text: String
    /// Sum of the log-probabilities of its words and of `<end>` (when it ended).
    public var logProbability: Float
    /// Attention weights per generated word (attention decoder only).   tokens.count × P
    public var attention: [[Float]]
}

extension CaptionModel {
    /// The widest beam searched: wider beams cost memory and time in proportion and, in
    /// captioning, score no better than a few (Vinyals et al. 2015 use 3 to 20).
    public static let maxBeamWidth = 100

    /// Captions for a batch of feature grids.   features [N, P, E]
    /// - Parameters:
    ///   - beamWidth: 1 decodes greedily (all images at once); k > 1 keeps the k best partial
    ///     captions per image.
    ///   - lengthPenalty: α ≥ 0 of beam search's ranking score log p / Lᵅ, L = words + `<end>`:
    ///     1 ranks by mean log-probability per word, 0 by total log-probability; nil uses the
    ///     model's `configuration.lengthPenalty`.
    /// - Throws: ``CaptionError/invalidArgument(_:)`` for a beam width outside
    ///   1...``maxBeamWidth`` or a length penalty that is negative or not finite.
    public func captions(
        for features: Tensor, beamWidth: Int = 1, lengthPenalty: Float? = nil
    ) throws(CaptionError) -> [GeneratedCaption] {
        let lengthPenalty = lengthPenalty ?? configuration.lengthPenalty
        guard (1...Self.maxBeamWidth).contains(beamWidth) else {
            throw .invalidArgument(
                "beam width must be in 1...\(Self.maxBeamWidth), got \(beamWidth)")
        }
        guard lengthPenalty >= 0 && lengthPenalty.isFinite else {
            throw .invalidArgument("length penalty must be finite and ≥ 0, got \(lengthPenalty)")
        }
        return withoutGradients {
            if beamWidth == 1 { return greedy(features) }
            return (0..<features.shape[0]).map {
                beam(
                    features.slice(axis: 0, range: $0..<($0 + 1)), width: beamWidth,
                    lengthPenalty: lengthPenalty)
            }
        }
    }

    private func greedy(_ features: Tensor) -> [GeneratedCaption] {
        let n = features.shape[0]
        var context = decoder.start(features)
        var tokens = [Int](repeating: CaptionVocabulary.start, count: n)
        var results = (0..<n).map { _ in
            GeneratedCaption(tokens: [], text: "", logProbability: 0, attention: [])
        }
        var finished = [Bool](repeating: false, count: n)
        for _ in 0..<configuration.maxLength {
            let step = decoder.step(tokens, &context)
            let logProbabilities = logSoftmax(decoder.logits(step.readout), axis: 1).scalars
            let v = vocabulary.count
            let alphas = step.alpha?.scalars
            let p = step.alpha?.shape[1] ?? 0
            for i in 0..<n where !finished[i] {
                let row = logProbabilities[(i * v)..<((i + 1) * v)]
                let best = row.indices.max { row[$0] < row[$1] }! - i * v
                results[i].logProbability += row[i * v + best]
                tokens[i] = best
                if best == CaptionVocabulary.end {
                    finished[i] = true
                } else {
                    results[i].tokens.append(best)
                    if let alphas {
                        results[i].attention.append(Array(alphas[(i * p)..<((i + 1) * p)]))
                    }
                }
            }
            if finished.allSatisfy({ $0 }) { break }
        }
        for i in results.indices { results[i].text = vocabulary.decode(results[i].tokens) }
        return results
    }

    /// Beam search for one image.   features [1, P, E]
    private func beam(_ features: Tensor, width: Int, lengthPenalty: Float) -> GeneratedCaption {
        struct Hypothesis {
            var tokens: [Int]
            var score: Float
            var attention: [[Float]]
        }
        var context = decoder.start(features)
        var beams = [Hypothesis(tokens: [], score: 0, attention: [])]
        var finished: [Hypothesis] = []
        let v = vocabulary.count
        func normalized(_ h: Hypothesis, ended: Bool) -> Float {
            h.score / pow(Float(h.tokens.count + (ended ? 1 : 0)), lengthPenalty)
        }
        for _ in 0..<configuration.maxLength {
            let previous = beams.map { $0.tokens.last ?? CaptionVocabulary.start }
            let step = decoder.step(previous, &context)
            let logProbabilities = logSoftmax(decoder.logits(step.readout), axis: 1).scalars
            let alphas = step.alpha?.scalars
            let p = step.alpha?.shape[1] ?? 0
            // The best `width` extensions over all beams.
            var candidates: [(beam: Int, token: Int, score: Float)] = []
            for (b, hypothesis) in beams.enumerated() {
                for token in 0..<v
                where token != CaptionVocabulary.pad && token != CaptionVocabulary.start {
                    candidates.append(
                        (b, token, hypothesis.score + logProbabilities[b * v + token]))
                }
            }
            candidates.sort { $0.score > $1.score }
            var next: [Hypothesis] = []
            var rows: [Int] = []
            for candidate in candidates {
                if next.count == width { break }
                var extended = beams[candidate.beam]
                extended.score = candidate.score
                if let alphas {
                    extended.attention.append(
                        Array(alphas[(candidate.beam * p)..<((candidate.beam + 1) * p)]))
                }
                if candidate.token == CaptionVocabulary.end {
                    extended.attention.removeLast(alphas == nil ? 0 : 1)
                    finished.append(extended)
                    continue
                }
                extended.tokens.append(candidate.token)
                next.append(extended)
                rows.append(candidate.beam)
            }
            // Stop when no open beam can beat the best finished caption's normalised score.
            let bestFinished = finished.map { normalized($0, ended: true) }.max() ?? -.infinity
            if next.isEmpty
                || (finished.count >= width
                    && next.allSatisfy { normalized($0, ended: false) < bestFinished })
            {
                break
            }
            beams = next
            context = context.selectingHypotheses(rows)
        }
        let pool = finished.isEmpty ? beams.map { ($0, false) } : finished.map { ($0, true) }
        let (best, _) = pool.max { normalized($0.0, ended: $0.1) < normalized($1.0, ended: $1.1) }!
        return GeneratedCaption(
            tokens: best.tokens, text: vocabulary.decode(best.tokens),
            logProbability: best.score, attention: best.attention)
    }
}
