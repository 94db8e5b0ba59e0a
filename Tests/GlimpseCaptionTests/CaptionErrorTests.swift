// Error messages name the file and the problem.
import GlimpseCaption
import XCTest

final class CaptionErrorTests: XCTestCase {
    func testMessagesNameThePath() {
        XCTAssertEqual(
            CaptionError.invalidData(path: "captions.json", reason: "no annotations")
                .errorDescription,
            "captions.json: no annotations")
    }
}
