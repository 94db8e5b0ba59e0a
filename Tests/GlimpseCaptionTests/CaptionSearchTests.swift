// The rules every caption search obeys: never empty, no word three times in a row, a greedy
// caption that does not end gives way to a beam that did, optional trigram blocking, and the
// n best of a beam. A decoder is pushed into the degenerate behaviour by raising the output
// bias of chosen words.
import Foundation
import GlimpseCaption
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class CaptionSearchTests: XCTestCase {
    func tinyModel(seed: UInt64 = 1, maxLength: Int = 8) -> CaptionModel {
        var configuration = CaptionModelConfiguration()
        configuration.encoder.channels = [4, 8]
        configuration.encoder.preprocessing.width = 16
        configuration.encoder.preprocessing.height = 16
        configuration.embedding = 6
        configuration.hidden = 10
        configuration.attention = 7
        configuration.maxLength = maxLength
        configuration.seed = seed
        let vocabulary = CaptionVocabulary(
            captions: ["a red circle", "a blue square", "a green triangle", "left right"])
        return CaptionModel(configuration: configuration, vocabulary: vocabulary)
    }

    /// Adds `amount` to the output bias of `token`, so the decoder prefers it everywhere.
    func favour(_ token: Int, by amount: Float, in model: CaptionModel) throws {
        let bias = try XCTUnwrap(model.store["decoder.fc.bias"])
        bias.update { $0[token] += amount }
    }

    func features(_ model: CaptionModel, count: Int = 6, seed: UInt64 = 3) -> Tensor {
        var generator = SplitMix64(seed: seed)
        return withoutGradients {
            model.encoder(Tensor(randomNormal: [count, 3, 16, 16], using: &generator))
        }
    }

    func hasWordThreeTimesInARow(_ tokens: [Int]) -> Bool {
        guard tokens.count >= 3 else { return false }
        for i in 2..<tokens.count where tokens[i] == tokens[i - 1] && tokens[i] == tokens[i - 2] {
            return true
        }
        return false
    }

    func trigrams(_ tokens: [Int]) -> [[Int]] {
        tokens.count < 3 ? [] : (2..<tokens.count).map { Array(tokens[($0 - 2)...$0]) }
    }

    func testACaptionIsNeverEmpty() throws {
        // <end> is by far the likeliest token, then "red": without the rule every caption
        // would be empty.
        let model = tinyModel()
        try favour(CaptionVocabulary.end, by: 60, in: model)
        let red = model.vocabulary.encode("red")[0]
        try favour(red, by: 30, in: model)
        for beam in [1, 2, 5] {
            let captions = try model.captions(for: features(model), beamWidth: beam)
            for caption in captions {
                XCTAssertEqual(caption.text, "red", "beam \(beam)")
                XCTAssertTrue(caption.ended)
            }
        }
    }

    func testNoWordThreeTimesInARowAndUnendedCaptionsAreFlagged() throws {
        let model = tinyModel(maxLength: 8)
        let red = model.vocabulary.encode("red")[0]
        try favour(red, by: 30, in: model)
        try favour(CaptionVocabulary.end, by: -60, in: model)
        for beam in [1, 3] {
            for caption in try model.captions(for: features(model), beamWidth: beam) {
                XCTAssertFalse(hasWordThreeTimesInARow(caption.tokens), caption.text)
                XCTAssertEqual(caption.tokens.count, 8, "runs to max_length")
                XCTAssertTrue(caption.truncated, "cannot end")
                XCTAssertEqual(caption.tokens.filter { $0 == red }.count, 6, caption.text)
            }
        }
    }

    func testBlockingTrigramsRemovesRepeatedTrigrams() throws {
        let model = tinyModel(maxLength: 10)
        try favour(model.vocabulary.encode("red")[0], by: 30, in: model)
        try favour(CaptionVocabulary.end, by: -60, in: model)
        let grids = features(model)
        let repeated = try model.captions(for: grids, beamWidth: 1)
        XCTAssertTrue(
            repeated.allSatisfy { Set(trigrams($0.tokens)).count < trigrams($0.tokens).count },
            "without blocking the favoured word repeats a trigram")
        for beam in [1, 3] {
            let blocked = try model.captions(
                for: grids, search: CaptionSearch(beamWidth: beam, blocksTrigrams: true))
            for caption in blocked.map({ $0[0] }) {
                XCTAssertEqual(
                    Set(trigrams(caption.tokens)).count, trigrams(caption.tokens).count,
                    caption.text)
            }
        }
    }

    func testGreedyGivesWayToABeamThatEnded() throws {
        // Short max_length: many untrained captions do not end. A greedy caption is left
        // unended only when the fallback beam could not end either.
        for seed in UInt64(1)...6 {
            let model = tinyModel(seed: seed, maxLength: 3)
            let grids = features(model, count: 10, seed: seed)
            let greedy = try model.captions(for: grids, beamWidth: 1)
            let beam = try model.captions(
                for: grids, beamWidth: CaptionSearch.fallbackBeamWidth)
            for (g, b) in zip(greedy, beam) where g.truncated {
                XCTAssertTrue(b.truncated, "seed \(seed): \(g.text) vs \(b.text)")
            }
            for (g, b) in zip(greedy, beam) where !g.truncated && b.ended {
                XCTAssertFalse(g.tokens.isEmpty)
            }
        }
    }

    func testNBestAreDistinctRankedAndStartWithTheBest() throws {
        for seed in UInt64(1)...4 {
            let model = tinyModel(seed: seed)
            let grids = features(model, seed: seed)
            for (width, count) in [(2, 2), (5, 3), (5, 5)] {
                let lists = try model.captions(
                    for: grids,
                    search: CaptionSearch(beamWidth: width, count: count, lengthPenalty: 0))
                let best = try model.captions(for: grids, beamWidth: width, lengthPenalty: 0)
                for (list, top) in zip(lists, best) {
                    XCTAssertEqual(list.count, count)
                    XCTAssertEqual(list[0].tokens, top.tokens)
                    XCTAssertEqual(Set(list.map(\.tokens)).count, count, "distinct")
                    let ended = list.filter(\.ended)
                    XCTAssertEqual(
                        ended.map(\.logProbability),
                        ended.map(\.logProbability).sorted(by: >), "ranked by total (α = 0)")
                    XCTAssertTrue(list.drop { $0.ended }.allSatisfy(\.truncated), "ended first")
                }
            }
        }
        let model = tinyModel()
        XCTAssertThrowsError(
            try model.captions(for: features(model), search: CaptionSearch(beamWidth: 3, count: 4))
        ) {
            XCTAssertEqual(
                $0 as? CaptionError,
                .invalidArgument(
                    "the number of captions must be in 1...3 (the beam width), got 4"))
        }
    }

    func testABatchIsSearchedAsEachImageAlone() throws {
        // Every image's beams are rows of one decoder batch, and images leave it as their
        // searches end: each must come out as searching it alone does, at every beam width,
        // count and rule, with captions that end early, late and not at all (max length 3 and
        // 8), in batches of 1 to 13 images, and over more beams than one batch holds.
        for (seed, maxLength) in [(UInt64(1), 8), (2, 3), (3, 8)] {
            let model = tinyModel(seed: seed, maxLength: maxLength)
            let grids = features(model, count: 13, seed: seed + 10)
            let alone = (0..<13).map { grids.slice(axis: 0, range: $0..<($0 + 1)) }
            // Width 50 searches the 13 images in two groups (512 beam rows at most a batch).
            for width in [1, 2, 3, 4, 5, 50] {
                for count in Set([1, min(width, 5)]) {
                    for blocksTrigrams in [false, true] {
                        let search = CaptionSearch(
                            beamWidth: width, count: count, blocksTrigrams: blocksTrigrams)
                        let batched = try model.captions(for: grids, search: search)
                        let label = "seed \(seed) width \(width) count \(count) \(blocksTrigrams)"
                        XCTAssertEqual(batched.count, 13, label)
                        for (i, image) in alone.enumerated() {
                            let expected = try model.captions(for: image, search: search)[0]
                            let got = batched[i]
                            XCTAssertEqual(got.map(\.tokens), expected.map(\.tokens), label)
                            XCTAssertEqual(got.map(\.ended), expected.map(\.ended), label)
                            for (a, b) in zip(got, expected) {
                                XCTAssertEqual(a.logProbability, b.logProbability, accuracy: 1e-4)
                                XCTAssertEqual(a.attention.count, b.attention.count, label)
                                for (x, y) in zip(a.attention, b.attention) {
                                    assertClose(x, y, absoluteTolerance: 1e-5, label)
                                }
                            }
                        }
                        // A batch of the first 1–4 images, whose searches end at other times.
                        let prefix = 1 + Int(seed) % 4
                        let part = try model.captions(
                            for: grids.slice(axis: 0, range: 0..<prefix), search: search)
                        XCTAssertEqual(
                            part.map { $0.map(\.tokens) },
                            batched.prefix(prefix).map { $0.map(\.tokens) },
                            label)
                    }
                }
            }
        }
    }
}
