// The model fuzzer's seeds (fixtures/fuzz/model, made by scripts/make-fuzz-corpus.sh) are
// loadable model directories: a seed the loader refused would leave the fuzzer exploring only
// the first error path. Each seed is the four files joined by the fuzz target's separator.
import Foundation
import GlimpseCaption
import GlimpseMedia
import TestSupport
import XCTest

final class FuzzSeedLoadingTests: XCTestCase {
    static let files = ["config.json", "vocab.json", "encoder.safetensors", "decoder.safetensors"]
    static let separator = Array("\n--glimpse-fuzz-file--\n".utf8)

    /// The seed's parts, cut at each separator (as Tests/Fuzz/Sources/FuzzModel does).
    func parts(of bytes: [UInt8]) -> [[UInt8]] {
        var parts: [[UInt8]] = []
        var rest = bytes[...]
        while let range = rest.firstRange(of: Self.separator) {
            parts.append(Array(rest[..<range.lowerBound]))
            rest = rest[range.upperBound...]
        }
        return parts + [Array(rest)]
    }

    func testSeedsAreTinyLoadableModels() throws {
        let folder = Fixtures.path("fuzz/model")
        let seeds = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasPrefix("tiny_") }.sorted()
        XCTAssertEqual(seeds, ["tiny_attention", "tiny_no_position"])
        for seed in seeds {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + seed)))
            let contents = parts(of: bytes)
            XCTAssertEqual(contents.count, Self.files.count, seed)
            let directory = Fixtures.temporaryDirectory()
            for (name, data) in zip(Self.files, contents) {
                try Data(data).write(to: URL(fileURLWithPath: directory + "/" + name))
            }
            let model = try CaptionModel(contentsOf: directory)
            XCTAssertEqual(model.configuration.encoder.channels, [2, 4], seed)
            XCTAssertEqual(model.vocabulary.count, 6, seed)
            let image = Image(width: 9, height: 7, layout: .rgb, filledWith: [200, 40, 90])
            let caption = try model.captions(for: model.features(of: [image]), beamWidth: 2)[0]
            XCTAssertLessThanOrEqual(caption.tokens.count, model.configuration.maxLength, seed)
        }
    }

    /// Inputs the model fuzzer found crashing the loader before configurations were validated
    /// (a zero channel count or embedding width trapped in a layer's precondition): each must
    /// now be an error naming the file.
    func testFuzzerCrashersAreCleanErrors() throws {
        let folder = Fixtures.path("fuzz/model")
        let crashers = try FileManager.default.contentsOfDirectory(atPath: folder)
            .filter { $0.hasPrefix("crash-") }.sorted()
        XCTAssertEqual(crashers.count, 3)
        for crasher in crashers {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder + "/" + crasher)))
            let directory = Fixtures.temporaryDirectory()
            for (name, data) in zip(Self.files, parts(of: bytes)) {
                try Data(data).write(to: URL(fileURLWithPath: directory + "/" + name))
            }
            XCTAssertThrowsError(try CaptionModel(contentsOf: directory), crasher) {
                XCTAssertTrue(
                    $0.localizedDescription.hasPrefix(directory), "\(crasher): \($0)")
            }
        }
    }
}
