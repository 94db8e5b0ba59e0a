// A beam search step's best extensions, chosen beam by beam, against every candidate sorted.
import GlimpseTensor
import XCTest

@testable import GlimpseCaption

final class BeamExtensionTests: XCTestCase {
    func testTheBestAreTheFirstOfEveryCandidateSorted() {
        // Scores on a coarse grid, so that ties are common; some words banned per beam;
        // vocabularies from 1 word to larger than any limit, beams 1–5, limits 0–12.
        var random = SplitMix64(seed: 7)
        for vocabularySize in Array(1...40) + [257, 1000] {
            for beams in 1...5 {
                let scores = (0..<beams * vocabularySize).map { _ in
                    Float(Int.random(in: -6...0, using: &random)) / 2
                }
                let banned = (0..<beams * vocabularySize).map { _ in
                    Int.random(in: 0..<5, using: &random) == 0
                }
                func score(_ beam: Int, _ token: Int) -> Float? {
                    banned[beam * vocabularySize + token]
                        ? nil : scores[beam * vocabularySize + token]
                }
                var every: [BeamExtension] = []
                for beam in 0..<beams {
                    for token in 0..<vocabularySize {
                        if let value = score(beam, token) {
                            every.append(BeamExtension(beam: beam, token: token, score: value))
                        }
                    }
                }
                // Swift's sort is stable: equal scores stay in beam, then word, order.
                let sorted = every.sorted { $0.score > $1.score }
                for limit in 0...12 {
                    XCTAssertEqual(
                        BeamExtension.best(
                            limit, beams: beams, vocabularySize: vocabularySize, score: score),
                        Array(sorted.prefix(limit)),
                        "vocabulary \(vocabularySize), beams \(beams), limit \(limit)")
                }
            }
        }
    }
}
