// Caption words and their ids, with the four special tokens, saved with every model.

/// Words seen at least `minCount` times in the training captions, after the special tokens
/// `<pad>` (0), `<start>` (1), `<end>` (2) and `<unk>` (3). Saved as vocab.json (a JSON array).
public struct CaptionVocabulary: Codable, Equatable, Sendable {
    public static let pad = 0
    public static let start = 1
    public static let end = 2
    public static let unknown = 3
    static let specials = ["<pad>", "<start>", "<end>", "<unk>"]

    /// Word of each id.
    public let words: [String]
    private let ids: [String: Int]

    /// The vocabulary of `captions`: words with at least `minCount` occurrences, most frequent
    /// first (ties alphabetical), so ids do not depend on the order of the data.
    public init(captions: [String], minCount: Int = 1) {
        var counts: [String: Int] = [:]
        for caption in captions {
            for token in CaptionTokenizer().tokens(of: caption) { counts[token, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= minCount }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map(\.key)
        self.init(words: Self.specials + kept)
    }

    init(words: [String]) {
        self.words = words
        ids = Dictionary(
            words.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public init(from decoder: any Decoder) throws {
        let words = try decoder.singleValueContainer().decode([String].self)
        guard Array(words.prefix(4)) == Self.specials, Set(words).count == words.count else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "a caption vocabulary starts with \(Self.specials) and has "
                        + "no repeated words"))
        }
        self.init(words: words)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(words)
    }

    /// Number of ids.
    public var count: Int { words.count }

    /// Ids of the caption's tokens (unknown words → `<unk>`), without start and end tokens.
    public func encode(_ caption: String) -> [Int] {
        CaptionTokenizer().tokens(of: caption).map { ids[$0] ?? Self.unknown }
    }

    /// The words of `ids` up to the first `<end>`, special tokens left out, space-separated.
    public func decode(_ ids: [Int]) -> String {
        var words: [String] = []
        for id in ids {
            if id == Self.end { break }
            if id < Self.specials.count || id >= self.words.count { continue }
            words.append(self.words[id])
        }
        return words.joined(separator: " ")
    }

    public static func == (a: CaptionVocabulary, b: CaptionVocabulary) -> Bool {
        a.words == b.words
    }
}
