// The shipped models/captioner, found without --model, on the 12 bundled held-out scenes
// (fixtures/scenes): its captions checked against the scenes' ground truth by the fact checker,
// and its BLEU-4 against their references.
import Foundation
import TestSupport
import XCTest

final class ShippedCaptionerTests: XCTestCase {
    func testShippedModelDescribesTheBundledScenes() throws {
        let lines = Fixtures.temporaryDirectory() + "/captions.jsonl"
        let result = try runGlimpse([
            "caption", "eval", "--data", Fixtures.path("scenes"), "--json", "--captions", lines,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        XCTAssertEqual(report["images"] as? Int, 12)
        let facts = try XCTUnwrap(report["fact_accuracy"] as? Double)
        // Shipped: 11 of 12 accurate, BLEU-4 0.985 (beam 3).
        XCTAssertGreaterThanOrEqual(facts, 10.0 / 12, "fact accuracy")
        XCTAssertGreaterThanOrEqual(try XCTUnwrap(report["bleu4"] as? Double), 0.9, "BLEU-4")

        // One line per image; the verdicts add up to the reported accuracy.
        let verdicts = try String(contentsOfFile: lines, encoding: .utf8)
            .split(separator: "\n").map {
                try XCTUnwrap(
                    try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
            }
        XCTAssertEqual(verdicts.count, 12)
        let accurate = verdicts.filter { $0["fact_accurate"] as? Bool == true }
        XCTAssertEqual(Double(accurate.count) / 12, facts, accuracy: 1e-9)
        for verdict in verdicts where verdict["fact_accurate"] as? Bool == false {
            XCTAssertFalse((verdict["problems"] as? [String] ?? []).isEmpty, "\(verdict)")
        }
    }
}
