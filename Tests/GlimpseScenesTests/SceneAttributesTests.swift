// The attribute vocabulary: words are distinct, colours are far apart.
import GlimpseScenes
import XCTest

final class SceneAttributesTests: XCTestCase {
    func testColoursAreDistinguishable() {
        let colors = ObjectColor.allCases
        for (i, a) in colors.enumerated() {
            for b in colors[(i + 1)...] {
                let distance = zip(a.rgb, b.rgb).map { abs(Int($0) - Int($1)) }.reduce(0, +)
                XCTAssertGreaterThan(distance, 120, "\(a) vs \(b)")
            }
        }
    }
}
