// CaptionTokenizer: lower case, punctuation dropped, clitics split as PTB tokenization leaves
// them for coco-caption's scorers.
import GlimpseCaption
import XCTest

final class TokenizerTests: XCTestCase {
    private func assertTokens(
        _ text: String, _ expected: [String], file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(CaptionTokenizer().tokens(of: text), expected, text, file: file, line: line)
    }

    func testLowerCasesAndSplitsOnWhitespace() {
        assertTokens("A Small  RED\tcircle\n", ["a", "small", "red", "circle"])
        assertTokens("", [])
        assertTokens("   \n ", [])
    }

    func testDropsPunctuation() {
        assertTokens(
            "A dog, a cat; and (a bird)! Really? Yes: \"quoted\" 'single' [x] {y} ... -- -",
            [
                "a", "dog", "a", "cat", "and", "a", "bird", "really", "yes", "quoted", "single",
                "x", "y",
            ])
        assertTokens("a red circle.", ["a", "red", "circle"])
        assertTokens("end...", ["end"])
        assertTokens("“Curly” quotes…", ["curly", "quotes"])
    }

    func testKeepsPunctuationInsideWordsAndNumbers() {
        assertTokens("a t-shirt at 3.5 o'clock", ["a", "t-shirt", "at", "3.5", "o'clock"])
        assertTokens("1,000 people - a crowd", ["1,000", "people", "a", "crowd"])
        assertTokens("left-", ["left"])
    }

    /// PTB splits clitics into their own tokens, which coco-caption keeps ("'s" is not in its
    /// PUNCTUATIONS list); a bare apostrophe (possessive plural, quote) is dropped.
    func testApostrophesAsPycocoevalcapSeesThem() {
        assertTokens("A man's hand", ["a", "man", "'s", "hand"])
        assertTokens("The man’s hand", ["the", "man", "'s", "hand"])
        assertTokens(
            "They're here, we've left, I'm off, he'd go, she'll see",
            [
                "they", "'re", "here", "we", "'ve", "left", "i", "'m", "off", "he", "'d", "go",
                "she", "'ll", "see",
            ])
        assertTokens(
            "Don't, can't, won't, cannot", ["do", "n't", "ca", "n't", "wo", "n't", "can", "not"])
        assertTokens("the dogs' toys", ["the", "dogs", "toys"])
    }

    func testOtherSymbolsAreTokens() {
        assertTokens("salt & pepper", ["salt", "&", "pepper"])
        assertTokens("50% off", ["50", "%", "off"])
    }

    func testIdempotentOnTokenizedText() {
        let captions = [
            "A man's T-shirt, (red)!", "Don't walk: it's 3.5 km.", "the dogs' toys & balls",
            "They're  here...", "a man 's hand", "do n't", "",
        ]
        for caption in captions {
            let once = CaptionTokenizer().normalized(caption)
            XCTAssertEqual(CaptionTokenizer().normalized(once), once, caption)
        }
    }

    func testNormalizedJoinsWithSingleSpaces() {
        XCTAssertEqual(
            CaptionTokenizer().normalized("  A man's   hat. "), "a man 's hat")
    }
}
