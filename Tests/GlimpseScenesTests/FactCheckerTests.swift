// The fact checker accepts true captions in any of the grammar's forms and rejects each kind
// of error a captioning model makes.
import GlimpseScenes
import XCTest

final class FactCheckerTests: XCTestCase {
    let pair = HandScenes.pair
    let triple = HandScenes.triple

    func accepts(_ caption: String, _ scene: Scene, line: UInt = #line) {
        let verdict = checkFacts(caption: caption, scene: scene)
        XCTAssertTrue(verdict.isAccurate, "\(caption): \(verdict.problems)", line: line)
        XCTAssertEqual(verdict.problems, [], line: line)
    }

    func rejects(_ caption: String, _ scene: Scene, line: UInt = #line) -> FactCheck {
        let verdict = checkFacts(caption: caption, scene: scene)
        XCTAssertFalse(verdict.isAccurate, caption, line: line)
        XCTAssertFalse(verdict.problems.isEmpty, caption, line: line)
        return verdict
    }

    func testAcceptsOtherTrueForms() {
        accepts("a red circle to the left of a square", pair)
        accepts("there is a small red circle and a large blue square", pair)
        accepts("A  small red circle to the left of a large blue square", pair)
        accepts("a large blue square and a small red circle", pair)
        accepts(
            "a small green triangle to the left of a large yellow diamond and the large yellow "
                + "diamond above a small white square", triple)
        accepts(
            "a small white square and the square below a large yellow diamond and a small "
                + "green triangle above the small white square", triple)
    }

    func testRejectsWrongColour() {
        let verdict = rejects("a small green circle to the left of a large blue square", pair)
        XCTAssertTrue(verdict.parsed)
        XCTAssertFalse(verdict.mentionsMatch)
        XCTAssertEqual(verdict.problems.first, "no distinct small green circle in the scene")
    }

    func testRejectsWrongSize() {
        let verdict = rejects("a large red circle to the left of a large blue square", pair)
        XCTAssertFalse(verdict.mentionsMatch)
    }

    func testRejectsWrongShape() {
        let verdict = rejects("a small red circle to the left of a large blue diamond", pair)
        XCTAssertFalse(verdict.mentionsMatch)
    }

    func testRejectsFalseRelations() {
        let swapped = rejects("a small red circle to the right of a large blue square", pair)
        XCTAssertTrue(swapped.parsed && swapped.mentionsMatch && swapped.allObjectsMentioned)
        XCTAssertFalse(swapped.relationsHold)
        XCTAssertEqual(
            swapped.problems,
            ["false: the small red circle to the right of the large blue square"])
        // Too close vertically for "above" (dy 2 < 8), though true in direction.
        _ = rejects("a small red circle above a large blue square", pair)
        // Second link of a chain false.
        _ = rejects(
            "a small green triangle to the left of a large yellow diamond below a small white "
                + "square", triple)
    }

    func testRejectsMissingObject() {
        let verdict = rejects("a small red circle", pair)
        XCTAssertTrue(verdict.mentionsMatch)
        XCTAssertFalse(verdict.allObjectsMentioned)
        XCTAssertEqual(verdict.problems, ["the large blue square is not mentioned"])
        _ = rejects("a small green triangle to the left of a large yellow diamond", triple)
    }

    func testRejectsExtraObjects() {
        let extra = rejects(
            "a small red circle to the left of a large blue square and a small green triangle",
            pair)
        XCTAssertFalse(extra.mentionsMatch)
        XCTAssertTrue(extra.allObjectsMentioned)
        // Naming the same object twice with "a" claims two objects.
        _ = rejects(
            "a small red circle to the left of a large blue square and a small red circle", pair)
    }

    func testRejectsGarbage() {
        for caption in [
            "", "the quick brown fox", "a small red circle to the left of",
            "a small red circle to the left of a large blue banana",
            "a small red circle to the left of a large blue square please",
            "small red circle to the left of a large blue square",
            "a small red circle left of a large blue square",
            "a red small circle to the left of a large blue square",
        ] {
            let verdict = rejects(caption, pair)
            XCTAssertFalse(verdict.parsed, caption)
        }
    }

    func testFactAccuracyIsTheShareThatPass() {
        let captions = [
            "a small red circle to the left of a large blue square",
            "a small red circle to the right of a large blue square",
            "a small green triangle to the left of a large yellow diamond above a small white "
                + "square",
            "garbage",
        ]
        XCTAssertEqual(
            factAccuracy(captions: captions, scenes: [pair, pair, triple, triple]), 0.5)
        XCTAssertEqual(factAccuracy(captions: [], scenes: []), 0)
    }
}
