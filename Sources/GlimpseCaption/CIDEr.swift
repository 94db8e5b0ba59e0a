// CIDEr-D (Vedantam, Zitnick & Parikh, 2015, "CIDEr: Consensus-based Image Description
// Evaluation", eq. 1–4 with the "-D" changes of section 6) exactly as pycocoevalcap computes it:
// pycocoevalcap/cider/cider_scorer.py, called by `Cider()` (n = 4, sigma = 6).
import Foundation

/// Corpus CIDEr-D over images with one candidate and several references each.
///
/// Document frequencies come from the evaluated set itself: df(g) is the number of images whose
/// references contain the n-gram g, over I images. Each sentence s becomes, per order n, a tf-idf
/// vector with
///
///     v_n(s)[g] = count_s(g) · (log I − log max(1, df(g)))
///
/// and for a candidate c and reference r, with ℓ(s) = number of bigrams in s (pycocoevalcap's
/// "length": len − 1 for two or more words, else 0) and σ = 6,
///
///     sim_n(c, r) = Σ_g min(v_n(c)[g], v_n(r)[g]) · v_n(r)[g] / (‖v_n(c)‖ ‖v_n(r)‖)
///                   · exp(−(ℓ(c) − ℓ(r))² / (2σ²))
///
/// (the division is skipped when either norm is 0). The image score is
///
///     CIDEr-D(c, R) = 10 · (1/N) Σ_{n=1…N} (1/|R|) Σ_{r∈R} sim_n(c, r)
///
/// and the corpus score is the mean over images. With a single image every idf is
/// log 1 − log 1 = 0, so every score is 0: pycocoevalcap does not special-case it, nor do we.
public enum CIDEr {
    /// Corpus and per-image CIDEr-D.
    public struct Result: Equatable, Sendable {
        /// Mean of `perImage`.
        public var corpus: Double
        /// CIDEr-D of each image, with the corpus's document frequencies.
        public var perImage: [Double]
    }

    /// One sentence as tf-idf vectors (pycocoevalcap's `counts2vec`).
    struct Vector {
        var weights: [[String: Double]]  // [maxOrder]
        var grams: [[String]]  // [maxOrder], the keys of `weights` in first-occurrence order
        var norms: [Double]  // [maxOrder]
        var length: Int  // number of bigrams, pycocoevalcap's length
    }

    /// Scores `candidates[i]` against `references[i]`; captions are tokens joined by whitespace.
    public static func score(
        candidates: [String], references: [[String]], maxOrder: Int = 4, sigma: Double = 6
    ) throws(CaptionError) -> Result {
        try validateCorpus(candidates: candidates, references: references)
        guard maxOrder >= 1, sigma > 0 else {
            throw .invalidArgument("CIDEr needs maxOrder >= 1 and sigma > 0")
        }
        let candidateCounts = candidates.map {
            NGramCounts(whitespaceTokens($0), maxOrder: maxOrder)
        }
        let referenceCounts = references.map { refs in
            refs.map { NGramCounts(whitespaceTokens($0), maxOrder: maxOrder) }
        }
        // df(g): images whose references hold g at least once.
        var documentFrequency = Array(repeating: [String: Int](), count: maxOrder)
        for refs in referenceCounts {
            for n in 0..<maxOrder {
                var seen = Set<String>()
                for ref in refs { seen.formUnion(ref.orders[n].keys) }
                for gram in seen { documentFrequency[n][gram, default: 0] += 1 }
            }
        }
        let logImages = log(Double(candidates.count))

        func vector(_ counts: NGramCounts) -> Vector {
            var result = Vector(
                weights: Array(repeating: [:], count: maxOrder), grams: counts.sequence,
                norms: Array(repeating: 0, count: maxOrder), length: 0)
            for n in 0..<maxOrder {
                var squared = 0.0
                for gram in counts.sequence[n] {
                    let termFrequency = counts.orders[n][gram]!
                    let df = log(max(1.0, Double(documentFrequency[n][gram, default: 0])))
                    let weight = Double(termFrequency) * (logImages - df)
                    result.weights[n][gram] = weight
                    squared += weight * weight
                    // pycocoevalcap counts length on its order index 1: the bigrams.
                    if n == 1 { result.length += termFrequency }
                }
                result.norms[n] = squared.squareRoot()
            }
            return result
        }

        func similarity(_ c: Vector, _ r: Vector) -> [Double] {
            let delta = Double(c.length - r.length)
            // pycocoevalcap writes e ** x (C pow), which can differ from exp(x) in the last bit.
            let penalty = pow(M_E, -(delta * delta) / (2 * sigma * sigma))
            return (0..<maxOrder).map { n in
                var value = 0.0
                for gram in c.grams[n] {
                    let weight = c.weights[n][gram]!
                    let referenceWeight = r.weights[n][gram, default: 0]
                    // Clipping: a candidate n-gram repeated more than in r counts as in r.
                    value += min(weight, referenceWeight) * referenceWeight
                }
                if c.norms[n] != 0 && r.norms[n] != 0 { value /= c.norms[n] * r.norms[n] }
                return value * penalty
            }
        }

        var perImage: [Double] = []
        for (candidate, refs) in zip(candidateCounts, referenceCounts) {
            let c = vector(candidate)
            var sums = Array(repeating: 0.0, count: maxOrder)
            for ref in refs {
                let s = similarity(c, vector(ref))
                for n in 0..<maxOrder { sums[n] += s[n] }
            }
            let meanOverOrders = sums.reduce(0, +) / Double(maxOrder)
            perImage.append(meanOverOrders / Double(refs.count) * 10)
        }
        return Result(corpus: mean(perImage), perImage: perImage)
    }
}

/// Arithmetic mean (the caller guarantees a non-empty array).
func mean(_ values: [Double]) -> Double {
    values.reduce(0, +) / Double(values.count)
}
