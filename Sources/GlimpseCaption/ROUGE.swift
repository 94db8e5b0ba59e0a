// ROUGE-L (Lin, 2004, "ROUGE: A Package for Automatic Evaluation of Summaries", section 3.1)
// exactly as pycocoevalcap computes it: pycocoevalcap/rouge/rouge.py, `Rouge()` (beta = 1.2).

/// Corpus ROUGE-L over images with one candidate and several references each.
///
/// With LCS(c, r) the length of the longest common token subsequence, for candidate c and
/// references R:
///
///     P = max_{r∈R} LCS(c, r) / |c|,   R_max = max_{r∈R} LCS(c, r) / |r|
///     ROUGE-L = (1 + β²) · P · R_max / (R_max + β² · P),   β = 1.2   (0 if P or R_max is 0)
///
/// P and R_max are maximised separately, possibly over different references, as pycocoevalcap
/// does. Tokens come from splitting on single spaces (`str.split(" ")`), so an empty caption is
/// one empty token: an empty candidate scores 0 against non-empty references. The corpus score
/// is the mean over images.
public enum ROUGE {
    /// pycocoevalcap's β: recall weighs β² = 1.44 times precision.
    public static let beta = 1.2

    /// Corpus and per-image ROUGE-L.
    public struct Result: Equatable, Sendable {
        /// Mean of `perImage`.
        public var corpus: Double
        /// ROUGE-L of each image.
        public var perImage: [Double]
    }

    /// Scores `candidates[i]` against `references[i]`; captions are tokens joined by spaces.
    public static func score(
        candidates: [String], references: [[String]]
    ) throws(CaptionError) -> Result {
        try validateCorpus(candidates: candidates, references: references)
        let perImage = zip(candidates, references).map { candidate, refs in
            imageScore(candidate: candidate, references: refs)
        }
        return Result(corpus: mean(perImage), perImage: perImage)
    }

    /// ROUGE-L of one candidate against its references (pycocoevalcap's `calc_score`).
    static func imageScore(candidate: String, references: [String]) -> Double {
        let c = spaceTokens(candidate)
        var precision = 0.0
        var recall = 0.0
        for reference in references {
            let r = spaceTokens(reference)
            let lcs = Double(longestCommonSubsequence(r, c))
            precision = max(precision, lcs / Double(c.count))
            recall = max(recall, lcs / Double(r.count))
        }
        guard precision != 0 && recall != 0 else { return 0 }
        let beta2 = beta * beta
        return (1 + beta2) * precision * recall / (recall + beta2 * precision)
    }

    /// Length of the longest common subsequence of two token lists (dynamic programming, one
    /// row at a time).
    static func longestCommonSubsequence(_ a: [Substring], _ b: [Substring]) -> Int {
        var previous = Array(repeating: 0, count: b.count + 1)
        var current = previous
        for x in a {
            for (j, y) in b.enumerated() {
                current[j + 1] = x == y ? previous[j] + 1 : max(previous[j + 1], current[j])
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Python's `str.split(" ")`: every single space separates, empty tokens kept.
    private static func spaceTokens(_ sentence: String) -> [Substring] {
        sentence.split(separator: " ", omittingEmptySubsequences: false)
    }
}
