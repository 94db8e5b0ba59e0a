// The three resize policies on images of every aspect: stretch fills the input, crop keeps the
// centre, pad keeps the whole image centred on the mean colour.
import GlimpseMedia
import GlimpseVision
import XCTest

final class PreprocessingTests: XCTestCase {
    /// A red image with a one-pixel blue border, so edges are visible after resizing.
    func framed(width: Int, height: Int) -> Image {
        var image = Image(width: width, height: height, filledWith: [200, 0, 0])
        for y in 0..<height {
            for x in 0..<width where x == 0 || y == 0 || x == width - 1 || y == height - 1 {
                image.pixels.replaceSubrange(
                    ((y * width + x) * 3)..<((y * width + x) * 3 + 3), with: [0, 0, 200])
            }
        }
        return image
    }

    func testPadKeepsTheWholeImageCentredOnTheMeanColour() {
        var preprocessing = Preprocessing()
        preprocessing.resize = .pad
        preprocessing.mean = [0.5, 0.25, 0]
        for (width, height) in [(128, 64), (64, 128), (200, 50), (31, 97), (64, 64), (16, 16)] {
            let out = preprocessing.resized(framed(width: width, height: height))
            XCTAssertEqual([out.width, out.height], [64, 64])
            let scale = min(64.0 / Double(width), 64.0 / Double(height))
            let w = min(64, Int((Double(width) * scale).rounded()))
            let h = min(64, Int((Double(height) * scale).rounded()))
            let (left, top) = ((64 - w) / 2, (64 - h) / 2)
            func pixel(_ x: Int, _ y: Int) -> [UInt8] {
                Array(out.pixels[((y * 64 + x) * 3)..<((y * 64 + x) * 3 + 3)])
            }
            let mean: [UInt8] = [128, 64, 0]
            if left > 0 { XCTAssertEqual(pixel(left - 1, 32), mean, "\(width)x\(height)") }
            if top > 0 { XCTAssertEqual(pixel(32, top - 1), mean, "\(width)x\(height)") }
            XCTAssertEqual(pixel(left + w / 2, top + h / 2)[0], 200, "centre, \(width)x\(height)")
            // The blue border survives on all four sides: nothing was cut.
            XCTAssertGreaterThan(pixel(left, top + h / 2)[2], 60, "\(width)x\(height)")
            XCTAssertGreaterThan(pixel(left + w - 1, top + h / 2)[2], 60, "\(width)x\(height)")
            XCTAssertGreaterThan(pixel(left + w / 2, top)[2], 60, "\(width)x\(height)")
            XCTAssertGreaterThan(pixel(left + w / 2, top + h - 1)[2], 60, "\(width)x\(height)")
        }
    }

    func testCropCutsTheLongerSidesBorderAndStretchKeepsBoth() {
        var crop = Preprocessing()
        crop.resize = .shorterSideCenterCrop
        let wide = framed(width: 256, height: 64)
        let cropped = crop.resized(wide)
        XCTAssertEqual([cropped.width, cropped.height], [64, 64])
        XCTAssertEqual(
            Array(cropped.pixels[(32 * 64 * 3)..<(32 * 64 * 3 + 3)]), [200, 0, 0], "left border cut"
        )
        let stretched = Preprocessing().resized(wide)
        XCTAssertGreaterThan(stretched.pixels[32 * 64 * 3 + 2], 40, "left border kept")
    }

    func testResizeNamesOnTheCommandLineAndInConfigFiles() {
        XCTAssertEqual(Preprocessing.ResizeMode(argument: "crop"), .shorterSideCenterCrop)
        XCTAssertEqual(
            Preprocessing.ResizeMode(argument: "shorter_side_center_crop"), .shorterSideCenterCrop)
        XCTAssertEqual(Preprocessing.ResizeMode(argument: "pad"), .pad)
        XCTAssertEqual(Preprocessing.ResizeMode(argument: "stretch"), .stretch)
        XCTAssertNil(Preprocessing.ResizeMode(argument: "fit"))
        XCTAssertEqual(
            Preprocessing.ResizeMode.allCases.map(\.argument), ["stretch", "crop", "pad"])
    }
}
