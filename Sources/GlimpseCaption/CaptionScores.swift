// The caption metrics reported by training and `--json` output: BLEU-1…4, CIDEr-D and ROUGE-L,
// each computed as pycocoevalcap computes it (see BLEU.swift, CIDEr.swift, ROUGE.swift).
import Foundation

/// BLEU-1…4, CIDEr-D and ROUGE-L of a corpus (or of one image within a corpus).
///
/// Codable as `{"bleu1": …, "bleu2": …, "bleu3": …, "bleu4": …, "cider": …, "rouge_l": …}`.
public struct CaptionScores: Codable, Equatable, Sendable, CustomStringConvertible {
    /// `bleu[n - 1]` is BLEU-n (pycocoevalcap `Bleu(4)`, "closest" reference length): `0.62`.
    public var bleu: [Double]
    /// CIDEr-D (pycocoevalcap `Cider()`, ×10 scale; idf from the evaluated set): `0.85`.
    public var cider: Double
    /// ROUGE-L F-measure with β = 1.2 (pycocoevalcap `Rouge()`): `0.55`.
    public var rougeL: Double

    public init(bleu: [Double], cider: Double, rougeL: Double) {
        self.bleu = bleu
        self.cider = cider
        self.rougeL = rougeL
    }

    /// Corpus scores of `candidates[i]` against `references[i]`, after tokenizing every caption
    /// with ``CaptionTokenizer`` (idempotent, so already tokenized captions pass unchanged).
    ///
    /// An empty corpus scores all zeros. One candidate per image and at least one reference per
    /// image are the caller's contract (checked by precondition); use
    /// ``evaluate(candidates:references:)`` to have them thrown as errors instead.
    public static func compute(candidates: [String], references: [[String]]) -> CaptionScores {
        if candidates.isEmpty && references.isEmpty {
            return CaptionScores(bleu: [0, 0, 0, 0], cider: 0, rougeL: 0)
        }
        do {
            return try evaluate(candidates: candidates, references: references).corpus
        } catch {
            preconditionFailure(error.localizedDescription)
        }
    }

    /// Corpus and per-image scores of `candidates[i]` against `references[i]`, after tokenizing
    /// every caption with ``CaptionTokenizer``.
    ///
    /// Throws ``CaptionError/invalidArgument(_:)`` for an empty corpus, a count mismatch or an
    /// image without references.
    public static func evaluate(
        candidates: [String], references: [[String]]
    ) throws(CaptionError) -> CaptionCorpusScores {
        let tokenizer = CaptionTokenizer()
        return try evaluateTokenized(
            candidates: candidates.map(tokenizer.normalized),
            references: references.map { $0.map(tokenizer.normalized) })
    }

    /// Like ``evaluate(candidates:references:)`` on captions taken as they are: tokens joined by
    /// spaces, exactly what pycocoevalcap's scorers receive after its tokenizer.
    public static func evaluateTokenized(
        candidates: [String], references: [[String]]
    ) throws(CaptionError) -> CaptionCorpusScores {
        let bleu = try BLEU.score(candidates: candidates, references: references)
        let cider = try CIDEr.score(candidates: candidates, references: references)
        let rouge = try ROUGE.score(candidates: candidates, references: references)
        return CaptionCorpusScores(
            corpus: CaptionScores(bleu: bleu.corpus, cider: cider.corpus, rougeL: rouge.corpus),
            images: candidates.indices.map { i in
                CaptionScores(
                    bleu: bleu.perImage[i], cider: cider.perImage[i], rougeL: rouge.perImage[i])
            })
    }

    /// `BLEU-1 0.8317  BLEU-2 0.7957  BLEU-3 0.7157  BLEU-4 0.6212  CIDEr-D 2.9320  ROUGE-L 0.7426`
    public var description: String {
        let parts =
            bleu.enumerated().map { "BLEU-\($0.offset + 1) \(Self.format($0.element))" }
            + ["CIDEr-D \(Self.format(cider))", "ROUGE-L \(Self.format(rougeL))"]
        return parts.joined(separator: "  ")
    }

    private static func format(_ value: Double) -> String { String(format: "%.4f", value) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        var bleu: [Double] = []
        while let value = try container.decodeIfPresent(
            Double.self, forKey: Key("bleu\(bleu.count + 1)"))
        {
            bleu.append(value)
        }
        self.init(
            bleu: bleu, cider: try container.decode(Double.self, forKey: Key("cider")),
            rougeL: try container.decode(Double.self, forKey: Key("rouge_l")))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (n, value) in bleu.enumerated() {
            try container.encode(value, forKey: Key("bleu\(n + 1)"))
        }
        try container.encode(cider, forKey: Key("cider"))
        try container.encode(rougeL, forKey: Key("rouge_l"))
    }
}

/// Corpus scores and each image's own scores (per-image BLEU from that image's counts alone,
/// per-image CIDEr-D with the corpus's document frequencies), as pycocoevalcap returns them.
public struct CaptionCorpusScores: Codable, Equatable, Sendable {
    /// Scores of the whole corpus.
    public var corpus: CaptionScores
    /// `images[i]`: scores of image i.
    public var images: [CaptionScores]
}
