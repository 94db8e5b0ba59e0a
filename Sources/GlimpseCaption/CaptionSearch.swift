// Generating captions: greedy decoding batched over images, and beam search with length
// normalisation (captions rank by log-probability / Lᵅ, L = words + <end>; α = 1 by default,
// the mean log-probability per word) returning the n best.
//
// Every search obeys the same rules, so that no input can make it loop or come back empty:
// - `<end>` may not come first: a caption has at least one word;
// - no word three times in a row (out-of-domain images drive a decoder into `large large …`);
// - optionally (`blocksTrigrams`, ruotianluo's `--block_trigrams`) no word trigram twice; off
//   by default, since scene captions legitimately repeat "to the left of".
// A greedy caption that reaches `max_length` without ending gives way to the best caption a
// beam of ``CaptionSearch/fallbackBeamWidth`` finds that did end; when none did, the caption
// is returned with `ended == false` (``GeneratedCaption/truncated``).
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
    /// Whether the decoder chose `<end>`; false when the caption was cut at `max_length`.
    public var ended: Bool

    public init(
        tokens: [Int], text: String, logProbability: Float, attention: [[Float]], ended: Bool
    ) {
        self.tokens = tokens
        self.text = text
        self.logProbability = logProbability
        self.attention = attention
        self.ended = ended
    }

    /// Cut at `max_length` without the decoder ending it.
    public var truncated: Bool { !ended }

    /// The mean log-probability per decoded token (the words, and `<end>` when it ended).
    public var meanLogProbability: Float {
        logProbability / Float(max(1, tokens.count + (ended ? 1 : 0)))
    }
}

/// How captions are searched for.
public struct CaptionSearch: Sendable, Equatable {
    /// 1 decodes greedily (all images at once); k > 1 keeps the k best partial captions per
    /// image.
    public var beamWidth: Int
    /// How many captions per image, best first: 1...`beamWidth` (the n best of the beam).
    public var count: Int
    /// α ≥ 0 of beam search's ranking score log p / Lᵅ, L = words + `<end>`: 1 ranks by mean
    /// log-probability per word, 0 by total log-probability; nil uses the model's
    /// `configuration.lengthPenalty`.
    public var lengthPenalty: Float?
    /// Refuse a word that would repeat a word trigram already in the caption.
    public var blocksTrigrams: Bool

    public init(
        beamWidth: Int = 1, count: Int = 1, lengthPenalty: Float? = nil,
        blocksTrigrams: Bool = false
    ) {
        self.beamWidth = beamWidth
        self.count = count
        self.lengthPenalty = lengthPenalty
        self.blocksTrigrams = blocksTrigrams
    }

    /// The beam that replaces a greedy caption which ran to `max_length` without ending.
    public static let fallbackBeamWidth = 3
}

extension CaptionModel {
    /// The widest beam searched: wider beams cost memory and time in proportion and, in
    /// captioning, score no better than a few (Vinyals et al. 2015 use 3 to 20).
    public static let maxBeamWidth = 100

    /// The most beam rows one decoder batch holds: images are searched together in groups of
    /// `maxBeamRows / width` (at least one), so that memory does not grow with the batch size.
    static let maxBeamRows = 512

    /// The best caption for each of a batch of feature grids.   features [N, P, E]
    /// - Parameters:
    ///   - beamWidth: 1 decodes greedily (all images at once); k > 1 keeps the k best partial
    ///     captions per image.
    ///   - lengthPenalty: see ``CaptionSearch/lengthPenalty``.
    /// - Throws: ``CaptionError/invalidArgument(_:)`` for a beam width outside
    ///   1...``maxBeamWidth`` or a length penalty that is negative or not finite.
    public func captions(
        for features: Tensor, beamWidth: Int = 1, lengthPenalty: Float? = nil
    ) throws(CaptionError) -> [GeneratedCaption] {
        try captions(
            for: features, search: CaptionSearch(beamWidth: beamWidth, lengthPenalty: lengthPenalty)
        ).map { $0[0] }
    }

    /// The `search.count` best captions, best first, for each of a batch of feature grids.
    ///   features [N, P, E]
    /// - Throws: ``CaptionError/invalidArgument(_:)`` for a beam width outside
    ///   1...``maxBeamWidth``, a count outside 1...beam width, or a length penalty that is
    ///   negative or not finite.
    public func captions(for features: Tensor, search: CaptionSearch) throws(CaptionError)
        -> [[GeneratedCaption]]
    {
        let lengthPenalty = search.lengthPenalty ?? configuration.lengthPenalty
        guard (1...Self.maxBeamWidth).contains(search.beamWidth) else {
            throw .invalidArgument(
                "beam width must be in 1...\(Self.maxBeamWidth), got \(search.beamWidth)")
        }
        guard (1...search.beamWidth).contains(search.count) else {
            throw .invalidArgument(
                "the number of captions must be in 1...\(search.beamWidth) (the beam width), "
                    + "got \(search.count)")
        }
        guard lengthPenalty >= 0 && lengthPenalty.isFinite else {
            throw .invalidArgument("length penalty must be finite and ≥ 0, got \(lengthPenalty)")
        }
        let rules = SearchRules(blocksTrigrams: search.blocksTrigrams)
        return withoutGradients {
            guard search.beamWidth == 1 else {
                return beams(
                    features, width: search.beamWidth, count: search.count,
                    lengthPenalty: lengthPenalty, rules: rules)
            }
            var results = greedy(features, rules: rules).map { [$0] }
            // Greedy captions cut at max_length give way to a beam's best that ended.
            let truncated = results.indices.filter { results[$0][0].truncated }
            guard !truncated.isEmpty else { return results }
            let fallbacks = beams(
                gather(features, indices: truncated), width: CaptionSearch.fallbackBeamWidth,
                count: 1, lengthPenalty: lengthPenalty, rules: rules)
            for (i, fallback) in zip(truncated, fallbacks) where fallback[0].ended {
                results[i] = fallback
            }
            return results
        }
    }

    private func greedy(_ features: Tensor, rules: SearchRules) -> [GeneratedCaption] {
        let n = features.shape[0]
        var context = decoder.start(features)
        var tokens = [Int](repeating: CaptionVocabulary.start, count: n)
        var results = (0..<n).map { _ in
            GeneratedCaption(tokens: [], text: "", logProbability: 0, attention: [], ended: false)
        }
        for _ in 0..<configuration.maxLength {
            let step = decoder.step(tokens, &context)
            let logProbabilities = logSoftmax(decoder.logits(step.readout), axis: 1).scalars
            let v = vocabulary.count
            let alphas = step.alpha?.scalars
            let p = step.alpha?.shape[1] ?? 0
            for i in 0..<n where !results[i].ended {
                let banned = rules.banned(after: results[i].tokens)
                var best = -1
                for token in 0..<v where !banned.contains(token) {
                    if best < 0 || logProbabilities[i * v + token] > logProbabilities[i * v + best]
                    {
                        best = token
                    }
                }
                results[i].logProbability += logProbabilities[i * v + best]
                tokens[i] = best
                if best == CaptionVocabulary.end {
                    results[i].ended = true
                } else {
                    results[i].tokens.append(best)
                    if let alphas {
                        results[i].attention.append(Array(alphas[(i * p)..<((i + 1) * p)]))
                    }
                }
            }
            if results.allSatisfy(\.ended) { break }
        }
        for i in results.indices { results[i].text = vocabulary.decode(results[i].tokens) }
        return results
    }

    /// Beam search for each image of a batch: the `count` best captions, those that ended
    /// first. Every image's beams are rows of one decoder batch, so each step is one product
    /// for all of them; an image leaves the batch when its search is done, and its result is
    /// what searching it alone gives. Batches of more than ``maxBeamRows`` rows go in groups.
    ///   features [N, P, E]
    private func beams(
        _ features: Tensor, width: Int, count: Int, lengthPenalty: Float, rules: SearchRules
    ) -> [[GeneratedCaption]] {
        let (n, group) = (features.shape[0], max(1, Self.maxBeamRows / width))
        guard n <= group else {
            return stride(from: 0, to: n, by: group).flatMap { start in
                beams(
                    features.slice(axis: 0, range: start..<min(n, start + group)), width: width,
                    count: count, lengthPenalty: lengthPenalty, rules: rules)
            }
        }
        struct Hypothesis {
            var tokens: [Int]
            var score: Float
            var attention: [[Float]]
        }
        /// One image's search: its open beams (rows `first ..< first + beams.count` of the
        /// batch while it is searching), the captions that ended, and whether it is done.
        struct Search {
            var beams = [Hypothesis(tokens: [], score: 0, attention: [])]
            var finished: [Hypothesis] = []
            var done = false
            var first = 0
        }
        var searches = (0..<n).map { Search(first: $0) }
        var context = decoder.start(features)
        var rowImages = Array(0..<n)  // the image of each row of the batch
        let v = vocabulary.count
        func normalized(_ h: Hypothesis, ended: Bool) -> Float {
            h.score / pow(Float(h.tokens.count + (ended ? 1 : 0)), lengthPenalty)
        }
        for _ in 0..<configuration.maxLength {
            let open = searches.indices.filter { !searches[$0].done }
            guard !open.isEmpty else { break }
            let previous = open.flatMap {
                searches[$0].beams.map { $0.tokens.last ?? CaptionVocabulary.start }
            }
            let step = decoder.step(previous, &context)
            let logProbabilities = logSoftmax(decoder.logits(step.readout), axis: 1).scalars
            let alphas = step.alpha?.scalars
            let p = step.alpha?.shape[1] ?? 0
            var rows: [Int] = []  // the batch rows the next step continues from
            for i in open {
                var search = searches[i]
                // The step consumes candidates until `width` do not end: at most `width` plus
                // one `<end>` per beam.
                let banned = search.beams.map { rules.banned(after: $0.tokens) }
                let candidates = BeamExtension.best(
                    width + search.beams.count, beams: search.beams.count, vocabularySize: v
                ) { b, token in
                    banned[b].contains(token)
                        ? nil
                        : search.beams[b].score
                            + logProbabilities[(search.first + b) * v + token]
                }
                var next: [Hypothesis] = []
                var selected: [Int] = []
                for candidate in candidates {
                    if next.count == width { break }
                    var extended = search.beams[candidate.beam]
                    extended.score = candidate.score
                    if candidate.token == CaptionVocabulary.end {
                        search.finished.append(extended)
                        continue
                    }
                    let row = search.first + candidate.beam
                    if let alphas {
                        extended.attention.append(Array(alphas[(row * p)..<((row + 1) * p)]))
                    }
                    extended.tokens.append(candidate.token)
                    next.append(extended)
                    selected.append(row)
                }
                // Done when no open beam can beat the `count`-th best finished caption.
                let ranked = search.finished.map { normalized($0, ended: true) }.sorted(by: >)
                let bar = ranked.count >= count ? ranked[count - 1] : -.infinity
                search.done =
                    next.isEmpty
                    || (search.finished.count >= width
                        && next.allSatisfy { normalized($0, ended: false) < bar })
                search.beams = next
                if !search.done {
                    search.first = rows.count
                    rows += selected
                }
                searches[i] = search
            }
            guard !rows.isEmpty else { break }
            context = context.selectingHypotheses(rows, images: rowImages)
            rowImages = rows.map { rowImages[$0] }
        }
        return searches.map { search in
            let ended = search.finished.map { ($0, true) }.sorted {
                normalized($0.0, ended: true) > normalized($1.0, ended: true)
            }
            let open = search.beams.map { ($0, false) }.sorted {
                normalized($0.0, ended: false) > normalized($1.0, ended: false)
            }
            return (ended + open).prefix(count).map { hypothesis, ended in
                GeneratedCaption(
                    tokens: hypothesis.tokens, text: vocabulary.decode(hypothesis.tokens),
                    logProbability: hypothesis.score, attention: hypothesis.attention,
                    ended: ended)
            }
        }
    }
}

/// The tokens a search may not choose next (see the file's header).
private struct SearchRules {
    var blocksTrigrams: Bool

    func banned(after tokens: [Int]) -> Set<Int> {
        var banned: Set<Int> = [CaptionVocabulary.pad, CaptionVocabulary.start]
        let n = tokens.count
        if n == 0 { banned.insert(CaptionVocabulary.end) }
        guard n >= 2 else { return banned }
        let (a, b) = (tokens[n - 2], tokens[n - 1])
        if a == b { banned.insert(b) }
        if blocksTrigrams {
            for i in 0..<(n - 2) where tokens[i] == a && tokens[i + 1] == b {
                banned.insert(tokens[i + 2])
            }
        }
        return banned
    }
}
