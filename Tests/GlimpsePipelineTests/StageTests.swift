// Stage composition and lifecycle.
import GlimpseMedia
import GlimpsePipeline
import TestSupport
import XCTest

/// Records its lifecycle calls so the order can be checked.
final class Journal: @unchecked Sendable {
    var entries: [String] = []
}

struct Recording: Stage {
    let label: String
    let journal: Journal
    var name: String { label }
    mutating func open() throws { journal.entries.append("open \(label)") }
    mutating func process(_ input: Int) throws -> Int {
        journal.entries.append("\(label) \(input)")
        return input + 1
    }
    mutating func close() throws { journal.entries.append("close \(label)") }
}

final class StageTests: XCTestCase {
    func testDecodeResizeNormalizeIsOnePipeline() throws {
        let path = Fixtures.path("jpeg/baseline_420.jpg")
        var pipeline = DecodeImage()
            .then(Resize(width: 16, height: 12))
            .then(Normalize(mean: NormalizedImage.imageNetMean, std: NormalizedImage.imageNetStd))
        XCTAssertEqual(pipeline.name, "decode-image → resize → normalize")
        let outputs = try pipeline.run(over: [path])
        let manual = NormalizedImage(
            try Image(contentsOf: path).resized(width: 16, height: 12),
            mean: NormalizedImage.imageNetMean, std: NormalizedImage.imageNetStd)
        XCTAssertEqual(outputs, [manual])
        XCTAssertEqual(outputs[0].values.count, 3 * 16 * 12)
    }

    func testLifecycleOrder() throws {
        let journal = Journal()
        var chain = Recording(label: "a", journal: journal).then(
            Recording(label: "b", journal: journal))
        XCTAssertEqual(try chain.run(over: [1, 10]), [3, 12])
        XCTAssertEqual(
            journal.entries,
            ["open a", "open b", "a 1", "b 2", "a 10", "b 11", "close a", "close b"])
    }

    func testErrorsPropagateAndStillClose() {
        let journal = Journal()
        var pipeline = Recording(label: "a", journal: journal).then(Failing())
        XCTAssertThrowsError(try pipeline.run(over: [2])) { error in
            XCTAssertEqual(error as? MediaError, .invalidArgument("odd input 3"))
        }
        XCTAssertEqual(journal.entries, ["open a", "a 2", "close a"])
    }

    func testProcessedAloneIsTheBatchsOneResult() throws {
        XCTAssertEqual(try processedAlone(3, by: { $0.map { .success($0 * 2) } }), 6)
        XCTAssertThrowsError(
            try processedAlone(3, by: { (_: [Int]) -> [Result<Int, any Error>] in [] })
        ) { XCTAssertEqual($0 as? PipelineError, .missingResult) }
        XCTAssertThrowsError(
            try processedAlone(3) { (_: [Int]) -> [Result<Int, any Error>] in
                [.failure(PipelineError.invalidRun("bad"))]
            }
        ) { XCTAssertEqual($0 as? PipelineError, .invalidRun("bad")) }
    }
}

/// Refuses odd numbers.
struct Failing: Stage {
    var name: String { "failing" }
    func process(_ input: Int) throws -> Int {
        guard input % 2 == 0 else { throw MediaError.invalidArgument("odd input \(input)") }
        return input
    }
}
