// Choosing a beam search step's best extensions without sorting every candidate: each beam
// keeps its best few words as it scans the vocabulary, and only those are merged.

/// One way to extend a beam: the beam, the word, and the extended log-probability.
struct BeamExtension: Equatable {
    var beam: Int
    var token: Int
    var score: Float

    /// Whether `self` ranks before `other`: a higher score, and among equal scores the earlier
    /// beam, then the smaller word (the order a stable sort of every candidate gives).
    func ranks(before other: BeamExtension) -> Bool {
        if score != other.score { return score > other.score }
        return beam != other.beam ? beam < other.beam : token < other.token
    }

    /// The `limit` best extensions of `beams` beams over `vocabularySize` words, best first,
    /// where `score(beam, token)` is an extension's score, or nil for a word the beam may not
    /// take. The same as the first `limit` of every candidate sorted by
    /// ``ranks(before:)``, in O(beams · vocabularySize · log limit) instead of a sort of them all.
    static func best(
        _ limit: Int, beams: Int, vocabularySize: Int, score: (Int, Int) -> Float?
    ) -> [BeamExtension] {
        guard limit > 0 else { return [] }
        var merged: [BeamExtension] = []
        var top: [BeamExtension] = []
        top.reserveCapacity(limit + 1)
        for beam in 0..<beams {
            top.removeAll(keepingCapacity: true)
            for token in 0..<vocabularySize {
                guard let value = score(beam, token) else { continue }
                let candidate = BeamExtension(beam: beam, token: token, score: value)
                if top.count == limit, let last = top.last, !candidate.ranks(before: last) {
                    continue
                }
                // Words come in increasing order: a tie goes after the equal scores kept.
                var low = 0
                var high = top.count
                while low < high {
                    let middle = (low + high) / 2
                    if top[middle].ranks(before: candidate) {
                        low = middle + 1
                    } else {
                        high = middle
                    }
                }
                top.insert(candidate, at: low)
                if top.count > limit { top.removeLast() }
            }
            merged += top
        }
        merged.sort { $0.ranks(before: $1) }
        return Array(merged.prefix(limit))
    }
}
