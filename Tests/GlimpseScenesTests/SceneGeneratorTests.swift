// The generator: reproducible, varied, and obeying its placement rules; the rasteriser paints
// each object where the scene graph says.
import GlimpseMedia
import GlimpseScenes
import XCTest

final class SceneGeneratorTests: XCTestCase {
    func testSameSeedGivesSameScenesAndPNGBytes() throws {
        let a = SceneGenerator(seed: 11)
        let b = SceneGenerator(seed: 11)
        for index in [0, 1, 2, 57, 9_999] {
            XCTAssertEqual(a.scene(at: index), b.scene(at: index))
            XCTAssertEqual(
                try a.scene(at: index).render().encoded(as: .png),
                try b.scene(at: index).render().encoded(as: .png))
        }
    }

    func testDifferentSeedsAndIndicesGiveDifferentScenes() {
        let a = SceneGenerator(seed: 11).scenes(0..<20)
        let b = SceneGenerator(seed: 12).scenes(0..<20)
        XCTAssertEqual(zip(a, b).filter { $0 == $1 }.count, 0)
        XCTAssertEqual(Set(a.map { $0.render().pixels }).count, 20)
    }

    /// Golden values: the same on every machine and Swift version (integer arithmetic only).
    func testGoldenSceneAndPixels() {
        let scene = SceneGenerator(seed: 1).scene(at: 0)
        XCTAssertEqual(scene.objects.map(\.name), Self.goldenNames)
        XCTAssertEqual(scene.objects.map { [$0.x, $0.y, $0.radius] }, Self.goldenGeometry)
        XCTAssertEqual(fnv1a(scene.render().pixels), Self.goldenPixelHash)
    }

    static let goldenNames = ["large yellow square", "small blue square", "large red square"]
    static let goldenGeometry = [[14, 43, 11], [17, 25, 5], [43, 22, 9]]
    static let goldenPixelHash: UInt64 = 12_631_662_353_561_896_936

    func testObjectsFollowThePlacementRules() {
        let generator = SceneGenerator(seed: 3)
        var counts = [Int: Int]()
        for scene in generator.scenes(0..<500) {
            let objects = scene.objects
            counts[objects.count, default: 0] += 1
            XCTAssertEqual([scene.width, scene.height], [64, 64])
            XCTAssertEqual(objects, objects.sorted { ($0.x, $0.y) < ($1.x, $1.y) })
            XCTAssertEqual(Set(objects.map(\.name)).count, objects.count, "duplicate names")
            for object in objects {
                let radii = object.size == .small ? 5...6 : 9...11
                XCTAssertTrue(radii.contains(object.radius), "\(object)")
                XCTAssertTrue((object.radius + 2...61 - object.radius).contains(object.x))
                XCTAssertTrue((object.radius + 2...61 - object.radius).contains(object.y))
            }
            let t = scene.relationThreshold
            for (i, a) in objects.enumerated() {
                for b in objects[(i + 1)...] {
                    let dx = abs(a.x - b.x)
                    let dy = abs(a.y - b.y)
                    XCTAssertGreaterThanOrEqual(max(dx, dy), t, "ambiguous pair \(a) \(b)")
                    XCTAssertTrue(dx * 2 < t || dx >= t, "borderline dx \(dx)")
                    XCTAssertTrue(dy * 2 < t || dy >= t, "borderline dy \(dy)")
                    let clearance = a.radius + b.radius + 2
                    XCTAssertTrue(dx >= clearance || dy >= clearance, "overlap \(a) \(b)")
                }
            }
        }
        XCTAssertEqual(Set(counts.keys), [1, 2, 3, 4], "\(counts)")
        for n in 1...4 { XCTAssertGreaterThan(counts[n]!, 80, "\(counts)") }
    }

    func testSizesScaleWithTheImage() {
        for size in [32, 128] {
            let scenes = SceneGenerator(seed: 5, size: size).scenes(0..<50)
            for scene in scenes {
                XCTAssertEqual([scene.width, scene.height], [size, size])
                for object in scene.objects {
                    let limit = object.size == .small ? 6 : 11
                    XCTAssertLessThanOrEqual(object.radius, (limit * size + 32) / 64)
                    XCTAssertEqual(scene.render().pixels.count, size * size * 3)
                }
            }
        }
    }

    func testBackgroundsVary() {
        let scenes = SceneGenerator(seed: 9).scenes(0..<200)
        XCTAssertEqual(Set(scenes.map(\.background.kind)), Set(SceneBackground.Kind.allCases))
        XCTAssertTrue(scenes.contains { $0.background.noise > 0 })
        XCTAssertTrue(scenes.contains { $0.background.noise == 0 })
    }

    func testCentrePixelHasTheObjectColourAndObjectsNeverShareAPixel() {
        var shared: [String] = []
        var nearObjectColour: [String] = []
        for (index, scene) in SceneGenerator(seed: 21).scenes(0..<100).enumerated() {
            let image = scene.render()
            for object in scene.objects {
                let offset = (object.y * image.width + object.x) * 3
                XCTAssertEqual(Array(image.pixels[offset..<offset + 3]), object.color.rgb)
                XCTAssertEqual(object.coverage(column: object.x, row: object.y), 4)
            }
            // Objects covering each pixel, counted over each object's bounding square.
            var covering = [Int](repeating: 0, count: scene.width * scene.height)
            for object in scene.objects {
                let r = object.radius + 1
                for row in object.y - r...object.y + r {
                    for column in object.x - r...object.x + r
                    where object.coverage(column: column, row: row) > 0 {
                        covering[row * scene.width + column] += 1
                    }
                }
            }
            for (pixel, count) in covering.enumerated() {
                if count > 1 { shared.append("scene \(index) pixel \(pixel)") }
                guard count == 0 else { continue }
                // Background pixels stay far from every object colour.
                for color in ObjectColor.allCases {
                    var distance = 0
                    for c in 0..<3 {
                        distance += abs(Int(image.pixels[pixel * 3 + c]) - Int(color.rgb[c]))
                    }
                    if distance <= 100 { nearObjectColour.append("scene \(index) \(pixel)") }
                }
            }
        }
        XCTAssertEqual(shared, [])
        XCTAssertEqual(nearObjectColour, [])
    }

    func testShapesCoverTheirExpectedAreas() {
        // At radius 10 a shape's area is near its formula: circle πr², square (1.75r)²,
        // triangle 2r², diamond 2r².
        let expected: [ShapeKind: Double] = [
            .circle: Double.pi * 100, .square: 17.5 * 17.5, .triangle: 200, .diamond: 200,
        ]
        for (shape, area) in expected {
            let object = SceneObject(
                shape: shape, color: .red, size: .large, x: 20, y: 20, radius: 10)
            var covered = 0
            for row in 5..<36 {
                for column in 5..<36 { covered += object.coverage(column: column, row: row) }
            }
            XCTAssertEqual(Double(covered) / 4, area, accuracy: area * 0.08, "\(shape)")
        }
    }

    func testRandomDrawsStayInRange() {
        var random = SceneRandom(seed: 1)
        var seen = Set<Int>()
        for _ in 0..<1000 {
            let value = random.int(in: 3...7)
            XCTAssertTrue((3...7).contains(value))
            seen.insert(value)
        }
        XCTAssertEqual(seen, [3, 4, 5, 6, 7])
        XCTAssertNotEqual(
            SceneRandom(seed: 1, index: 0).state, SceneRandom(seed: 1, index: 1).state)
    }
}

/// FNV-1a over bytes: a stable fingerprint for golden pixel values.
func fnv1a(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
    return hash
}
