// Reference captions: exact templates on hand-built scenes, and over many generated scenes the
// form (lower-case words, single spaces) and truth (every caption passes the fact checker).
import GlimpseScenes
import XCTest

final class CaptionTests: XCTestCase {
    func testOneObject() {
        var scene = HandScenes.pair
        scene.objects.removeLast()
        XCTAssertEqual(
            scene.captions,
            [
                "a small red circle", "there is a small red circle",
                "the image shows a small red circle",
            ])
    }

    func testTwoObjectsOnOneRow() {
        XCTAssertEqual(
            HandScenes.pair.captions,
            [
                "a small red circle to the left of a large blue square",
                "there is a small red circle to the left of a large blue square",
                "the image shows a small red circle to the left of a large blue square",
            ])
    }

    func testThreeObjectsChainOnTheAxisThatSeparatesThem() {
        // Triangle–diamond are apart only horizontally, diamond–square only vertically, so
        // both phrasings agree.
        XCTAssertEqual(
            HandScenes.triple.captions,
            [
                "a small green triangle to the left of a large yellow diamond above a small "
                    + "white square",
                "there is a small green triangle to the left of a large yellow diamond above a "
                    + "small white square",
                "the image shows a small green triangle to the left of a large yellow diamond "
                    + "above a small white square",
            ])
    }

    func testAlignedObjectsAreReadTopToBottom() {
        var scene = HandScenes.pair
        // The circle is 2 px left of the square but below it: the column is read from the top.
        scene.objects[0].x = 38
        scene.objects[0].y = 50
        XCTAssertEqual(
            scene.captions[0], "a large blue square above a small red circle")
    }

    func testPairsApartOnBothAxesAreLinkedHorizontally() {
        var scene = HandScenes.pair
        scene.objects[1].y = 50  // the square is now also below the circle
        XCTAssertEqual(scene.captions, HandScenes.pair.captions)
    }

    func testGeneratedCaptionsAreWellFormedAndAllTrue() {
        let scenes = SceneGenerator(seed: 4).scenes(0..<400)
        var checked = 0
        var relationsSeen = Set<SpatialRelation>()
        for scene in scenes {
            let captions = scene.captions
            XCTAssertEqual(captions.count, 3)
            XCTAssertEqual(Set(captions).count, captions.count, "duplicate captions")
            for caption in captions {
                XCTAssertTrue(
                    caption.allSatisfy { ("a"..."z").contains($0) || $0 == " " }, caption)
                XCTAssertFalse(caption.contains("  ") || caption.hasPrefix(" "), caption)
                let verdict = checkFacts(caption: caption, scene: scene)
                XCTAssertTrue(verdict.isAccurate, "\(caption): \(verdict.problems)")
                XCTAssertEqual(verdict.relations.count, scene.objects.count - 1, caption)
                for stated in verdict.relations { relationsSeen.insert(stated.relation) }
                checked += 1
            }
            // Every caption names the objects in reading order: the next one is right of the
            // last, or aligned with it horizontally and lower.
            for caption in captions {
                let named = checkFacts(caption: caption, scene: scene).matching.map {
                    scene.objects[$0]
                }
                XCTAssertEqual(named.count, scene.objects.count, caption)
                for (a, b) in zip(named, named.dropFirst()) {
                    let aligned = abs(b.x - a.x) * 2 < scene.relationThreshold
                    XCTAssertTrue(aligned ? b.y > a.y : b.x > a.x, caption)
                }
            }
        }
        XCTAssertEqual(checked, 400 * 3)
        XCTAssertEqual(relationsSeen, [.leftOf, .above])  // reading order: never right or below
        let all = scenes.flatMap { scene in scene.captions.map { ($0, scene) } }
        XCTAssertEqual(factAccuracy(captions: all.map(\.0), scenes: all.map(\.1)), 1)
    }

    func testRelationDefinition() {
        let a = SceneObject(shape: .circle, color: .red, size: .small, x: 10, y: 10, radius: 5)
        var b = a
        b.x = 18
        XCTAssertTrue(SpatialRelation.leftOf.holds(a, b, threshold: 8))
        XCTAssertTrue(SpatialRelation.rightOf.holds(b, a, threshold: 8))
        XCTAssertFalse(SpatialRelation.above.holds(a, b, threshold: 8))
        b.x = 17
        XCTAssertFalse(SpatialRelation.leftOf.holds(a, b, threshold: 8))
        b.y = 30
        XCTAssertTrue(SpatialRelation.above.holds(a, b, threshold: 8))
        XCTAssertTrue(SpatialRelation.below.holds(b, a, threshold: 8))
        for relation in SpatialRelation.allCases {
            XCTAssertEqual(relation.inverse.inverse, relation)
            XCTAssertEqual(
                relation.holds(a, b, threshold: 8), relation.inverse.holds(b, a, threshold: 8))
        }
        XCTAssertEqual(HandScenes.pair.relationThreshold, 8)
    }
}
