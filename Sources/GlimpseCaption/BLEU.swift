// BLEU (Papineni et al., 2002, "BLEU: a Method for Automatic Evaluation of Machine Translation")
// exactly as pycocoevalcap computes it: pycocoevalcap/bleu/bleu_scorer.py (David Chiang's scorer
// as modified for coco-caption), called by `Bleu(4)` with option "closest".
import Foundation

/// Corpus BLEU-1…N over images with one candidate and several references each.
///
/// For each image, with the candidate's n-gram counts c(g) and each reference's counts r_j(g):
/// - correct_n = Σ_{g of order n} min(c(g), max_j r_j(g))   (clipped matches)
/// - guess_n = max(0, len − n + 1)
/// - reflen = the reference length closest to the candidate length; a tie takes the shorter.
///
/// Summing those over the corpus (C_n, G_n, L_cand, L_ref), with tiny = 1e-15, small = 1e-9:
///
///     BLEU-N = (Π_{n=1…N} (C_n + tiny) / (G_n + small))^(1/N) · BP
///     BP = exp(1 − 1/r) if r < 1 else 1,   r = (L_cand + tiny) / (L_ref + small)
///
/// The epsilons make a zero match count give a tiny positive score instead of log(0), as in
/// pycocoevalcap. Per-image scores use the same formula on one image's counts.
public enum BLEU {
    /// Added to match counts (pycocoevalcap's `tiny`).
    static let tiny = 1e-15
    /// Added to n-gram totals and the reference length (pycocoevalcap's `small`).
    static let small = 1e-9

    /// Corpus and per-image BLEU-1…`maxOrder`.
    public struct Result: Equatable, Sendable {
        /// `corpus[n - 1]` is BLEU-n over the whole corpus.
        public var corpus: [Double]
        /// `perImage[i][n - 1]` is BLEU-n of image i alone.
        public var perImage: [[Double]]
    }

    /// Per-image statistics the corpus score sums (pycocoevalcap's cooked test).
    struct Counts {
        var candidateLength: Int
        var referenceLength: Int
        var guess: [Int]  // [maxOrder]
        var correct: [Int]  // [maxOrder]
    }

    /// Scores `candidates[i]` against `references[i]`; captions are tokens joined by whitespace.
    public static func score(
        candidates: [String], references: [[String]], maxOrder: Int = 4
    ) throws(CaptionError) -> Result {
        try validateCorpus(candidates: candidates, references: references)
        guard maxOrder >= 1 else {
            throw .invalidArgument("BLEU needs maxOrder >= 1, got \(maxOrder)")
        }
        let counts = zip(candidates, references).map { candidate, refs in
            self.counts(candidate: candidate, references: refs, maxOrder: maxOrder)
        }
        var total = Counts(
            candidateLength: 0, referenceLength: 0,
            guess: Array(repeating: 0, count: maxOrder),
            correct: Array(repeating: 0, count: maxOrder))
        for image in counts {
            total.candidateLength += image.candidateLength
            total.referenceLength += image.referenceLength
            for n in 0..<maxOrder {
                total.guess[n] += image.guess[n]
                total.correct[n] += image.correct[n]
            }
        }
        return Result(corpus: bleu(total), perImage: counts.map(bleu))
    }

    /// Clipped matches, n-gram totals and the closest reference length of one image.
    static func counts(candidate: String, references: [String], maxOrder: Int) -> Counts {
        let words = whitespaceTokens(candidate)
        var maxReferenceCounts = NGramCounts(maxOrder: maxOrder)
        var referenceLengths: [Int] = []
        for reference in references {
            let referenceWords = whitespaceTokens(reference)
            referenceLengths.append(referenceWords.count)
            maxReferenceCounts.formMaximum(NGramCounts(referenceWords, maxOrder: maxOrder))
        }
        // min over (|ℓ − len|, ℓ): the closest length, ties to the shorter reference.
        let length = words.count
        let closest = referenceLengths.min { a, b in
            (abs(a - length), a) < (abs(b - length), b)
        }!
        let counts = NGramCounts(words, maxOrder: maxOrder)
        var correct = Array(repeating: 0, count: maxOrder)
        for n in 0..<maxOrder {
            for (gram, count) in counts.orders[n] {
                correct[n] += min(maxReferenceCounts.orders[n][gram, default: 0], count)
            }
        }
        return Counts(
            candidateLength: length, referenceLength: closest,
            guess: (1...maxOrder).map { max(0, length - $0 + 1) }, correct: correct)
    }

    /// BLEU-1…N of accumulated counts, with pycocoevalcap's epsilons and operation order.
    static func bleu(_ counts: Counts) -> [Double] {
        var scores: [Double] = []
        var product = 1.0
        for n in counts.guess.indices {
            product *= (Double(counts.correct[n]) + tiny) / (Double(counts.guess[n]) + small)
            scores.append(pow(product, 1.0 / Double(n + 1)))
        }
        let ratio =
            (Double(counts.candidateLength) + tiny) / (Double(counts.referenceLength) + small)
        if ratio < 1 {
            let penalty = exp(1 - 1 / ratio)
            for n in scores.indices { scores[n] *= penalty }
        }
        return scores
    }
}
