// Caption tokenization as coco-caption scores it: its PTBTokenizer (Stanford CoreNLP, run with
// -lowerCase) followed by pycocoevalcap's removal of punctuation tokens
// (pycocoevalcap/tokenizer/ptbtokenizer.py, PUNCTUATIONS). A native approximation of the common
// cases, shared by the caption vocabulary and the metrics, so both see the same words.

/// Splits a caption into lower-case word tokens, dropping punctuation.
///
/// Rules, following what PTB tokenization plus coco-caption's punctuation filter leave:
/// - Text is lower-cased; curly quotes and apostrophes count as straight ones.
/// - Whitespace separates tokens; so do the dropped punctuation marks (period, comma, ? ! : ;,
///   straight and curly quotes, backtick, brackets of all kinds, hyphen, ellipsis), which never
///   appear in the output.
/// - Kept inside a word: a hyphen between letters or digits (`t-shirt`), a `.` or `,` between
///   digits (`3.5`, `1,000`), an apostrophe between letters (`o'clock`).
/// - Clitics are split off as PTB does: `man's` → `man 's`, `they're` → `they 're`,
///   `don't` → `do n't`, `can't` → `ca n't`, `cannot` → `can not`. A trailing possessive
///   apostrophe (`dogs'`) is a quote and is dropped.
/// - A clitic standing alone (`'s`, `'re`, …, as in already tokenized text) is kept, so
///   tokenizing is idempotent: `tokens(of: normalized(x)) == tokens(of: x)`.
/// - Any other symbol (`&`, `$`, `%`, `/`, `#`, `+`, …) becomes a token of its own.
///
/// `CaptionTokenizer().tokens(of: "A man's T-shirt, (red)!")` is
/// `["a", "man", "'s", "t-shirt", "red"]`.
public struct CaptionTokenizer: Sendable, Equatable {
    /// Endings PTB splits off a word at its last apostrophe.
    private static let clitics: Set<String> = ["s", "re", "ve", "ll", "d", "m"]
    /// Punctuation that only separates tokens (coco-caption's PUNCTUATIONS, before PTB escaping).
    private static let dropped: Set<Character> = [
        ".", ",", "?", "!", ":", ";", "\"", "'", "`", "(", ")", "[", "]", "{", "}", "-", "…",
    ]

    public init() {}

    /// The caption's tokens, in order.
    public func tokens(of text: String) -> [String] {
        let characters = Array(Self.normalizedQuotes(text.lowercased()))
        var tokens: [String] = []
        var word = ""
        func flush() {
            if !word.isEmpty { tokens.append(contentsOf: Self.splitClitics(word)) }
            word = ""
        }
        for (i, c) in characters.enumerated() {
            let previous = i > 0 ? characters[i - 1] : " "
            let next = i + 1 < characters.count ? characters[i + 1] : " "
            if c.isLetter || c.isNumber {
                word.append(c)
            } else if Self.joins(c, previous: previous, next: next) {
                word.append(c)
            } else if word.isEmpty && c == "'" && Self.startsClitic(characters[(i + 1)...]) {
                word.append(c)  // a clitic token of already tokenized text: `man 's`
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

    /// The tokens joined by single spaces: the form the metrics (and pycocoevalcap) take.
    public func normalized(_ text: String) -> String {
        tokens(of: text).joined(separator: " ")
    }

    /// Whether the punctuation `c` stays inside the word around it.
    private static func joins(_ c: Character, previous: Character, next: Character) -> Bool {
        let alphanumeric = { (x: Character) in x.isLetter || x.isNumber }
        switch c {
        case "-": return alphanumeric(previous) && alphanumeric(next)
        case ".", ",": return previous.isNumber && next.isNumber
        case "'": return alphanumeric(previous) && next.isLetter
        default: return false
        }
    }

    /// Whether `rest` (the text after an apostrophe) begins with a clitic ending and then a
    /// boundary: `s hand` yes, `some` no.
    private static func startsClitic(_ rest: ArraySlice<Character>) -> Bool {
        let letters = rest.prefix { $0.isLetter || $0.isNumber }
        return clitics.contains(String(letters))
    }

    /// `man's` → `man 's`, `don't` → `do n't`, `cannot` → `can not`; other words unchanged.
    private static func splitClitics(_ word: String) -> [String] {
        if word == "cannot" { return ["can", "not"] }
        if word.hasSuffix("n't") && word.count > 3 {
            return [String(word.dropLast(3)), "n't"]
        }
        if let apostrophe = word.lastIndex(of: "'") {
            let ending = word[word.index(after: apostrophe)...]
            if apostrophe > word.startIndex && clitics.contains(String(ending)) {
                return [String(word[..<apostrophe]), "'" + ending]
            }
        }
        return [word]
    }

    private static func normalizedQuotes(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.count)
        for c in text {
            switch c {
            case "\u{2018}", "\u{2019}", "\u{02BC}": out.append("'")
            case "\u{201C}", "\u{201D}": out.append("\"")
            case "\u{2013}", "\u{2014}": out.append("-")
            default: out.append(c)
            }
        }
        return out
    }
}
