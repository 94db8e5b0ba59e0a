// BLEU-1…4, CIDEr-D and ROUGE-L against pycocoevalcap 1.2's own scorers
// (reference/caption_metrics_reference.py → fixtures/reference/caption_metrics.json).
import Foundation
import GlimpseCaption
import TestSupport
import XCTest

/// One corpus of fixtures/reference/caption_metrics.json: inputs and pycocoevalcap's scores.
private struct ReferenceCorpus: Decodable {
    var candidates: [String]
    var references: [[String]]
    var bleu: [Double]
    var bleuPerImage: [[Double]]
    var cider: Double
    var ciderPerImage: [Double]
    var rougeL: Double
    var rougeLPerImage: [Double]

    enum CodingKeys: String, CodingKey {
        case candidates, references, bleu, cider
        case bleuPerImage = "bleu_per_image"
        case ciderPerImage = "cider_per_image"
        case rougeL = "rouge_l"
        case rougeLPerImage = "rouge_l_per_image"
    }

    static func load(_ name: String) throws -> ReferenceCorpus {
        struct Fixture: Decodable { var corpora: [String: ReferenceCorpus] }
        let url = URL(fileURLWithPath: Fixtures.path("reference/caption_metrics.json"))
        let fixture = try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
        return try XCTUnwrap(fixture.corpora[name], "no corpus \(name) in caption_metrics.json")
    }
}

/// |actual − expected| ≤ relative · |expected| (exact when expected is 0).
private func assertRelative(
    _ actual: Double, _ expected: Double, _ relative: Double, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertLessThanOrEqual(
        abs(actual - expected), relative * abs(expected),
        "\(what): \(actual) vs pycocoevalcap \(expected)", file: file, line: line)
}

final class CaptionMetricsTests: XCTestCase {
    static let bleuTolerance = 1e-6
    static let rougeTolerance = 1e-6
    static let ciderTolerance = 1e-5

    /// Scores one fixture corpus with every metric and compares corpus and per-image values.
    private func checkAgainstPycocoevalcap(
        _ name: String, file: StaticString = #filePath, line: UInt = #line
    ) throws {
        let corpus = try ReferenceCorpus.load(name)
        let result = try CaptionScores.evaluateTokenized(
            candidates: corpus.candidates, references: corpus.references)
        for n in 0..<4 {
            assertRelative(
                result.corpus.bleu[n], corpus.bleu[n], Self.bleuTolerance,
                "\(name) BLEU-\(n + 1)", file: file, line: line)
        }
        assertRelative(
            result.corpus.cider, corpus.cider, Self.ciderTolerance, "\(name) CIDEr-D", file: file,
            line: line)
        assertRelative(
            result.corpus.rougeL, corpus.rougeL, Self.rougeTolerance, "\(name) ROUGE-L", file: file,
            line: line)
        XCTAssertEqual(result.images.count, corpus.candidates.count, file: file, line: line)
        for (i, image) in result.images.enumerated() {
            for n in 0..<4 {
                assertRelative(
                    image.bleu[n], corpus.bleuPerImage[i][n], Self.bleuTolerance,
                    "\(name) image \(i) BLEU-\(n + 1)", file: file, line: line)
            }
            assertRelative(
                image.cider, corpus.ciderPerImage[i], Self.ciderTolerance,
                "\(name) image \(i) CIDEr-D", file: file, line: line)
            assertRelative(
                image.rougeL, corpus.rougeLPerImage[i], Self.rougeTolerance,
                "\(name) image \(i) ROUGE-L", file: file, line: line)
        }
        // The fixture's captions are already tokenized: tokenizing again changes nothing.
        let retokenized = try CaptionScores.evaluate(
            candidates: corpus.candidates, references: corpus.references)
        XCTAssertEqual(retokenized, result, file: file, line: line)
    }

    /// 13 images: exact, partial, short, long, repeated-word, disjoint, 1/2/3/5 references,
    /// a tie in closest reference length, a one-word candidate, a clitic.
    func testMixedCorpusMatchesPycocoevalcap() throws {
        try checkAgainstPycocoevalcap("mixed")
    }

    /// With one image every idf is 0, so pycocoevalcap's CIDEr is 0 even for a perfect match.
    func testSingleImageCorpusMatchesPycocoevalcap() throws {
        try checkAgainstPycocoevalcap("single_image_partial")
        try checkAgainstPycocoevalcap("single_image_exact")
        let exact = try ReferenceCorpus.load("single_image_exact")
        XCTAssertEqual(exact.cider, 0)
        XCTAssertEqual(
            try CIDEr.score(candidates: exact.candidates, references: exact.references).corpus, 0)
    }

    /// An n-gram in every image's references gets idf log 2 − log 2 = 0.
    func testTwoImageCorpusMatchesPycocoevalcap() throws {
        try checkAgainstPycocoevalcap("two_images")
    }

    /// An empty candidate: BLEU's brevity penalty makes its per-image BLEU 0, ROUGE-L sees one
    /// empty token (0), CIDEr-D has no n-gram (0); the corpus scores still match.
    func testEmptyCandidateMatchesPycocoevalcap() throws {
        try checkAgainstPycocoevalcap("empty_candidate")
        let result = try CaptionScores.evaluate(
            candidates: ["", "a red circle"], references: [["a red circle"], ["a red circle"]])
        XCTAssertEqual(result.images[0].bleu, [0, 0, 0, 0])
        XCTAssertEqual(result.images[0].cider, 0)
        XCTAssertEqual(result.images[0].rougeL, 0)
    }

    func testEveryMetricDropsForAWrongWord() throws {
        let corpus = try ReferenceCorpus.load("mixed")
        let right = CaptionScores.compute(
            candidates: corpus.candidates, references: corpus.references)
        var candidates = corpus.candidates
        // Image 0 is an exact match: "a small red circle ..." → "a small green circle ...".
        candidates[0] = candidates[0].replacingOccurrences(of: "red", with: "green")
        let wrong = CaptionScores.compute(candidates: candidates, references: corpus.references)
        for n in 0..<4 { XCTAssertLessThan(wrong.bleu[n], right.bleu[n], "BLEU-\(n + 1)") }
        XCTAssertLessThan(wrong.cider, right.cider)
        XCTAssertLessThan(wrong.rougeL, right.rougeL)
    }

    /// Repeating a matched word beyond the references' count earns nothing (clipping).
    func testRepeatedWordsAreClipped() throws {
        // Same length as the reference (no brevity penalty): BLEU-1 = 1/3, not 3/3.
        let bleu = try BLEU.score(candidates: ["the the the"], references: [["the cat sat"]])
        XCTAssertEqual(bleu.corpus[0], 1.0 / 3.0, accuracy: 1e-9)
        // CIDEr-D clips each tf-idf weight at the reference's: repeating "red" lowers the score.
        let references = [["a red circle", "a small red circle"], ["a blue square"]]
        let once = try CIDEr.score(
            candidates: ["a red circle", "a blue square"], references: references)
        let twice = try CIDEr.score(
            candidates: ["a red red circle", "a blue square"], references: references)
        XCTAssertLessThan(twice.perImage[0], once.perImage[0])
    }

    /// A raw caption scores as its tokenized form does.
    func testComputeTokenizesCaptions() {
        let raw = CaptionScores.compute(
            candidates: ["A man's hand holding a phone.", "Two dogs!"],
            references: [["a man 's hand holds a phone"], ["two dogs play"]])
        let tokenized = CaptionScores.compute(
            candidates: ["a man 's hand holding a phone", "two dogs"],
            references: [["a man 's hand holds a phone"], ["two dogs play"]])
        XCTAssertEqual(raw, tokenized)
    }

    func testInvalidCorporaThrow() {
        XCTAssertThrowsError(try CaptionScores.evaluate(candidates: [], references: []))
        XCTAssertThrowsError(
            try CaptionScores.evaluate(candidates: ["a"], references: [["a"], ["b"]]))
        XCTAssertThrowsError(try CaptionScores.evaluate(candidates: ["a"], references: [[]])) {
            XCTAssertEqual(
                $0 as? CaptionError,
                .invalidArgument("image 0 has no reference caption; every image needs one"))
        }
        XCTAssertEqual(
            CaptionScores.compute(candidates: [], references: []),
            CaptionScores(bleu: [0, 0, 0, 0], cider: 0, rougeL: 0))
    }

    func testJSONUsesSnakeCaseKeys() throws {
        let scores = CaptionScores(bleu: [0.8, 0.6, 0.4, 0.25], cider: 1.5, rougeL: 0.5)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(scores), as: UTF8.self)
        XCTAssertEqual(
            json,
            #"{"bleu1":0.8,"bleu2":0.6,"bleu3":0.4,"bleu4":0.25,"cider":1.5,"rouge_l":0.5}"#)
        XCTAssertEqual(try JSONDecoder().decode(CaptionScores.self, from: Data(json.utf8)), scores)
        XCTAssertEqual(
            scores.description,
            "BLEU-1 0.8000  BLEU-2 0.6000  BLEU-3 0.4000  BLEU-4 0.2500"
                + "  CIDEr-D 1.5000  ROUGE-L 0.5000"
        )
    }

    func testLongestCommonSubsequence() throws {
        // LCS("a b c d e", "a c e f") = 3: P = 3/4, R = 3/5.
        let p = 0.75
        let r = 0.6
        let expected = (1 + 1.44) * p * r / (r + 1.44 * p)
        let score = try ROUGE.score(candidates: ["a c e f"], references: [["a b c d e"]])
        XCTAssertEqual(score.corpus, expected, accuracy: 1e-15)
    }
}
