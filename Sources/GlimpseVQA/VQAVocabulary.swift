// Questions as word ids and answers as classes: the question tokenizer, the question vocabulary
// (words seen at least `min_count` times, `<pad>` and `<unk>`) and the answer vocabulary (the
// K most frequent training answers after the official answer normalisation), both saved with
// every model as JSON arrays.

/// Splits a question into lower-case word tokens.
///
/// Rules (close to the preprocessing of the VQA LSTM baselines, which split at punctuation):
/// - Text is lower-cased; curly apostrophes count as straight ones.
/// - Whitespace separates tokens. Sentence punctuation (`?`, `!`, `.`, `,`, `;`, `:`, quotes,
///   brackets) separates tokens and is dropped, except a `.` or `,` between digits (`3.5`).
/// - An apostrophe between letters stays in the word (`what's`, `man's`); a hyphen between
///   letters or digits too (`t-shirt`).
/// - Any other symbol (`&`, `/`, `#`, `+`, `%`, …) becomes a token of its own.
///
/// `VQATokenizer().tokens(of: "What's on the T-shirt?")` is `["what's", "on", "the", "t-shirt"]`.
public struct VQATokenizer: Sendable, Equatable {
    private static let dropped: Set<Character> = [
        "?", "!", ".", ",", ";", ":", "\"", "'", "`", "(", ")", "[", "]", "{", "}", "-", "…",
    ]

    public init() {}

    /// The question's tokens, in order.
    public func tokens(of text: String) -> [String] {
        let characters = Array(
            text.lowercased().map { $0 == "\u{2019}" || $0 == "\u{2018}" ? "'" : $0 })
        var tokens: [String] = []
        var word = ""
        func flush() {
            if !word.isEmpty { tokens.append(word) }
            word = ""
        }
        for (i, c) in characters.enumerated() {
            let previous = i > 0 ? characters[i - 1] : " "
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            if c.isLetter || c.isNumber {
                word.append(c)
            } else if Self.joins(c, previous: previous, next: next) {
                word.append(c)
            } else if c.isWhitespace || Self.dropped.contains(c) {
                flush()
            } else {
                flush()
                tokens.append(String(c))
            }
        }
        flush()
        return tokens
    }

    private static func joins(_ c: Character, previous: Character, next: Character) -> Bool {
        let alphanumeric = { (x: Character) in x.isLetter || x.isNumber }
        switch c {
        case "-": return alphanumeric(previous) && alphanumeric(next)
        case ".", ",": return previous.isNumber && next.isNumber
        case "'": return previous.isLetter && next.isLetter
        default: return false
        }
    }
}

/// Question words and their ids: `<pad>` (0), `<unk>` (1), then the words seen at least
/// `minCount` times in the training questions, most frequent first (ties alphabetical), so ids
/// do not depend on the order of the data. Saved as a JSON array of words.
public struct QuestionVocabulary: Codable, Equatable, Sendable {
    public static let pad = 0
    public static let unknown = 1
    static let specials = ["<pad>", "<unk>"]

    /// The word of each id.
    public let words: [String]
    private let ids: [String: Int]

    /// The vocabulary of `questions` (see the type).
    public init(questions: [String], minCount: Int = 1) {
        var counts: [String: Int] = [:]
        for question in questions {
            for token in VQATokenizer().tokens(of: question) { counts[token, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= minCount }
            .sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map(\.key)
        self.init(validated: Self.specials + kept)
    }

    private init(validated words: [String]) {
        self.words = words
        ids = Dictionary(
            words.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Decodes a JSON array that starts with `<pad>`, `<unk>` and repeats no word.
    public init(from decoder: any Decoder) throws {
        let words = try decoder.singleValueContainer().decode([String].self)
        guard Array(words.prefix(2)) == Self.specials, Set(words).count == words.count else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "a question vocabulary starts with \(Self.specials) and "
                        + "repeats no word"))
        }
        self.init(validated: words)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(words)
    }

    /// Number of ids.
    public var count: Int { words.count }

    /// The id of `word`, or nil when it is not in the vocabulary.
    public func id(of word: String) -> Int? { ids[word] }

    /// Ids of the question's tokens, unknown words as `<unk>`.
    public func encode(_ question: String) -> [Int] {
        VQATokenizer().tokens(of: question).map { ids[$0] ?? Self.unknown }
    }

    /// The question's tokens as the model sees them: unknown words shown as `<unk>`.
    public func display(_ question: String) -> [String] {
        encode(question).map { words[$0] }
    }
}

/// The answer classes: the `limit` most frequent normalised answers of the training rows (ties
/// alphabetical). Every human answer of a row counts once. Saved as a JSON array of answers.
public struct AnswerVocabulary: Codable, Equatable, Sendable {
    /// The answer of each class, normalised (``VQAAnswerNormalization``).
    public let answers: [String]
    private let ids: [String: Int]

    /// The top-`limit` answers of `rows` (each row a list of human answers).
    public init(answerLists rows: [[String]], limit: Int) {
        var counts: [String: Int] = [:]
        for row in rows {
            for answer in row {
                let normalized = VQAAnswerNormalization.normalize(answer)
                if !normalized.isEmpty { counts[normalized, default: 0] += 1 }
            }
        }
        let kept = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(max(limit, 0)).map(\.key)
        self.init(validated: Array(kept))
    }

    /// An answer vocabulary listing `answers` in this order (normalised, without repeats).
    public init(answers: [String]) {
        var seen: Set<String> = []
        self.init(
            validated: answers.map(VQAAnswerNormalization.normalize).filter {
                !$0.isEmpty && seen.insert($0).inserted
            })
    }

    private init(validated answers: [String]) {
        self.answers = answers
        ids = Dictionary(
            answers.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Decodes a non-empty JSON array of distinct answers.
    public init(from decoder: any Decoder) throws {
        let answers = try decoder.singleValueContainer().decode([String].self)
        guard !answers.isEmpty, Set(answers).count == answers.count else {
            throw DecodingError.dataCorrupted(
                .init(
                    codingPath: [],
                    debugDescription: "an answer vocabulary lists at least one answer and "
                        + "repeats none"))
        }
        self.init(validated: answers)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(answers)
    }

    /// Number of classes.
    public var count: Int { answers.count }

    /// The class of an answer (normalised first), or nil when it is not a class.
    public func id(of answer: String) -> Int? {
        ids[VQAAnswerNormalization.normalize(answer)]
    }

    /// The training target of a row's human answers: class → weight, each class weighted by
    /// its VQA accuracy (``VQAAccuracy/score(prediction:answers:)``) and the weights scaled to
    /// sum to 1; a single answer gets weight 1. Empty when no answer is a class.
    public func softTarget(for humanAnswers: [String]) -> [(answer: Int, weight: Float)] {
        var classes: [Int] = []
        for answer in humanAnswers {
            if let id = id(of: answer), !classes.contains(id) { classes.append(id) }
        }
        let scores = classes.map {
            Float(VQAAccuracy.score(prediction: answers[$0], answers: humanAnswers))
        }
        let total = scores.reduce(0, +)
        guard total > 0 else { return [] }
        return zip(classes, scores).filter { $0.1 > 0 }.map { ($0.0, $0.1 / total) }
    }
}
