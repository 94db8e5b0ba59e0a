// Resize against numpy reference values; crop, pad, orientation and normalisation by hand.
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class ImageOpsTests: XCTestCase {
    struct ResizeCase: Decodable {
        var source_width: Int
        var source_height: Int
        var channels: Int
        var method: String
        var width: Int
        var height: Int
        var source: [UInt8]
        var expected: [UInt8]
    }

    /// Values from Tests/GlimpseMediaTests/reference/resize_reference.py (numpy).
    func testResizeMatchesNumpyReference() throws {
        let data = try Data(
            contentsOf: URL(fileURLWithPath: Fixtures.path("reference/resize.json")))
        let cases = try JSONDecoder().decode([ResizeCase].self, from: data)
        XCTAssertEqual(cases.count, 16)
        for c in cases {
            let image = Image(
                width: c.source_width, height: c.source_height,
                layout: c.channels == 3 ? .rgb : .rgba, pixels: c.source)
            let resized = image.resized(
                width: c.width, height: c.height, method: ResizeMethod(rawValue: c.method)!)
            let label = "\(c.method) \(c.source_width)x\(c.source_height) -> \(c.width)x\(c.height)"
            // Float32 accumulation may land a half-way value on the other side: allow 1.
            XCTAssertLessThanOrEqual(maxAbsoluteDifference(resized.pixels, c.expected), 1, label)
            let exact = zip(resized.pixels, c.expected).filter { $0 == $1 }.count
            XCTAssertGreaterThan(Double(exact) / Double(c.expected.count), 0.95, label)
        }
    }

    /// The definition of both methods as plain loops: per axis, output i's taps and weights
    /// (bilinear: the two source pixels around its centre; area: the source pixels it covers,
    /// by covered fraction), rows first into Float, then columns, each sum in tap order.
    func referenceResize(_ image: Image, width: Int, height: Int, method: ResizeMethod) -> [UInt8] {
        func taps(_ source: Int, _ target: Int) -> [(first: Int, weights: [Float])] {
            let scale = Double(source) / Double(target)
            return (0..<target).map { i in
                if method == .bilinear {
                    let centre = max(0, (Double(i) + 0.5) * scale - 0.5)
                    let low = min(Int(centre), source - 1)
                    let t = Float(centre - Double(low))
                    return (low, min(low + 1, source - 1) == low ? [1] : [1 - t, t])
                }
                let (start, end) = (Double(i) * scale, Double(i + 1) * scale)
                let last = min(Int((end - 1e-9).rounded(.up)) - 1, source - 1)
                return (
                    Int(start),
                    (Int(start)...max(Int(start), last)).map {
                        Float((min(end, Double($0 + 1)) - max(start, Double($0))) / scale)
                    }
                )
            }
        }
        let (c, horizontal, vertical) = (
            image.channels, taps(image.width, width), taps(image.height, height)
        )
        var rows = [Float](repeating: 0, count: image.height * width * c)
        for y in 0..<image.height {
            for x in 0..<width {
                for k in 0..<c {
                    var sum: Float = 0
                    for (t, w) in horizontal[x].weights.enumerated() {
                        sum +=
                            w
                            * Float(
                                image.pixels[(y * image.width + horizontal[x].first + t) * c + k])
                    }
                    rows[(y * width + x) * c + k] = sum
                }
            }
        }
        var out = [UInt8](repeating: 0, count: width * height * c)
        for y in 0..<height {
            for i in 0..<(width * c) {
                var sum: Float = 0
                for (t, w) in vertical[y].weights.enumerated() {
                    sum += w * rows[(vertical[y].first + t) * width * c + i]
                }
                out[y * width * c + i] = UInt8(max(0, min(255, (sum + 0.5).rounded(.down))))
            }
        }
        return out
    }

    func testResizeSweepEqualsItsDefinitionBitForBit() {
        // Sources 1–33 wide and 1–19 high, RGB and RGBA, to targets smaller, equal and larger,
        // odd and even, by both methods.
        for sourceWidth in 1...33 {
            let sourceHeight = 1 + (sourceWidth * 5) % 19
            for layout in [PixelLayout.rgb, .rgba] {
                let pixels = (0..<(sourceWidth * sourceHeight * layout.channels)).map {
                    UInt8(truncatingIfNeeded: ($0 &* 2_654_435_761 &+ sourceWidth &* 977) >> 7)
                }
                let image = Image(
                    width: sourceWidth, height: sourceHeight, layout: layout, pixels: pixels)
                for (width, height) in [
                    (1, 1), (max(1, sourceWidth / 3), max(1, sourceHeight / 2)),
                    (sourceWidth + 1, sourceHeight), (2 * sourceWidth + 1, 3 * sourceHeight),
                    (7, 8),
                ] {
                    for method in ResizeMethod.allCases {
                        XCTAssertEqual(
                            image.resized(width: width, height: height, method: method).pixels,
                            referenceResize(image, width: width, height: height, method: method),
                            "\(method) \(sourceWidth)x\(sourceHeight) \(layout) -> \(width)x\(height)"
                        )
                    }
                }
            }
        }
    }

    func testResizeShorterSideKeepsAspect() {
        let image = Image(width: 200, height: 100, filledWith: [10, 20, 30])
        let resized = image.resized(shorterSide: 50)
        XCTAssertEqual(resized.width, 100)
        XCTAssertEqual(resized.height, 50)
        XCTAssertEqual(Array(resized.pixels.prefix(3)), [10, 20, 30])
    }

    func testCropAndCenterCrop() {
        // 4x3 image whose red sample is its index.
        let image = Image(width: 4, height: 3, pixels: (0..<12).flatMap { [UInt8($0), 0, 0] })
        let crop = image.cropped(x: 1, y: 1, width: 2, height: 2)
        XCTAssertEqual(stride(from: 0, to: 12, by: 3).map { crop.pixels[$0] }, [5, 6, 9, 10])
        let centre = image.centerCropped(width: 2, height: 1)
        XCTAssertEqual([centre.pixels[0], centre.pixels[3]], [5, 6])
    }

    func testPadCentresTheImage() {
        let image = Image(width: 1, height: 1, filledWith: [9, 9, 9])
        let padded = image.padded(toWidth: 3, height: 2, color: [1, 2, 3])
        XCTAssertEqual(padded.width, 3)
        XCTAssertEqual(padded.height, 2)
        // Offsets round down: the pixel lands at (1, 0).
        XCTAssertEqual(Array(padded.pixels[3..<6]), [9, 9, 9])
        XCTAssertEqual(Array(padded.pixels[0..<3]), [1, 2, 3])
        XCTAssertEqual(Array(padded.pixels[12..<15]), [1, 2, 3])
    }

    func testOrientationsRoundTrip() {
        let image = Image(width: 3, height: 2, pixels: (0..<6).flatMap { [UInt8($0), 0, 0] })
        // Turning clockwise then counter-clockwise restores the image.
        XCTAssertEqual(image.applying(.right).applying(.left), image)
        XCTAssertEqual(image.applying(.down).applying(.down), image)
        let right = image.applying(.right)
        XCTAssertEqual(right.width, 2)
        // Rotating [[0,1,2],[3,4,5]] 90° clockwise gives [[3,0],[4,1],[5,2]].
        XCTAssertEqual(stride(from: 0, to: 18, by: 3).map { right.pixels[$0] }, [3, 0, 4, 1, 5, 2])
    }

    func testNormalizationIsPlanarAndStandardised() {
        let image = Image(width: 2, height: 1, pixels: [255, 0, 51, 0, 255, 102])
        let normalized = NormalizedImage(image, mean: [0.5, 0.5, 0.5], std: [0.5, 0.25, 1])
        XCTAssertEqual(normalized.values.count, 6)
        // Channel planes: R = [1, -1], G = [-2, 2], B = [0.2 - 0.5, 0.4 - 0.5].
        let expected: [Float] = [1, -1, -2, 2, -0.3, -0.1]
        for (a, b) in zip(normalized.values, expected) { XCTAssertEqual(a, b, accuracy: 1e-5) }
    }
}
