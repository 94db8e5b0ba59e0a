// N-gram counting and corpus checks shared by the caption metrics (BLEU, CIDEr-D, ROUGE-L).
// Captions arrive as tokens joined by whitespace, as pycocoevalcap takes them.

/// Counts of the 1…maxOrder-grams of one sentence (pycocoevalcap's `precook`).
///
/// `orders[n - 1]` maps each n-gram, its words joined by single spaces, to its count. Tokens come
/// from a whitespace split, so they hold no space and the joined key names the n-gram uniquely.
/// `sequence[n - 1]` lists the same n-grams in order of first occurrence, the iteration order of
/// pycocoevalcap's dicts: floating-point sums over it (CIDEr) add in the reference's order and
/// do not depend on this process's hash seed.
struct NGramCounts {
    var orders: [[String: Int]]  // [maxOrder]
    var sequence: [[String]]  // [maxOrder]

    init(maxOrder: Int) {
        orders = Array(repeating: [:], count: maxOrder)
        sequence = Array(repeating: [], count: maxOrder)
    }

    init(_ words: [Substring], maxOrder: Int) {
        self.init(maxOrder: maxOrder)
        for n in 1...maxOrder where words.count >= n {
            for start in 0...(words.count - n) {
                add(words[start..<(start + n)].joined(separator: " "), order: n)
            }
        }
    }

    private mutating func add(_ gram: String, order n: Int) {
        if let count = orders[n - 1][gram] {
            orders[n - 1][gram] = count + 1
        } else {
            orders[n - 1][gram] = 1
            sequence[n - 1].append(gram)
        }
    }

    /// Keeps, for every n-gram, the larger of the two counts (BLEU's clipping counts).
    mutating func formMaximum(_ other: NGramCounts) {
        for n in orders.indices {
            for gram in other.sequence[n] {
                let count = other.orders[n][gram]!
                if let mine = orders[n][gram] {
                    orders[n][gram] = max(mine, count)
                } else {
                    orders[n][gram] = count
                    sequence[n].append(gram)
                }
            }
        }
    }
}

/// Python's `str.split()`: runs of whitespace separate tokens; no empty tokens.
func whitespaceTokens(_ sentence: String) -> [Substring] {
    sentence.split(whereSeparator: \.isWhitespace)
}

/// Throws unless there is at least one image, one candidate per image and every image has at
/// least one reference (pycocoevalcap asserts the same).
func validateCorpus(candidates: [String], references: [[String]]) throws(CaptionError) {
    guard !candidates.isEmpty else {
        throw .invalidArgument("caption metrics need at least one image, got none")
    }
    guard candidates.count == references.count else {
        throw .invalidArgument(
            "caption metrics need one candidate per image: \(candidates.count) candidates,"
                + " \(references.count) reference lists")
    }
    if let image = references.firstIndex(where: \.isEmpty) {
        throw .invalidArgument("image \(image) has no reference caption; every image needs one")
    }
}
