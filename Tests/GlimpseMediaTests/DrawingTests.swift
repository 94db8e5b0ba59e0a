// The bitmap font's glyphs and measurements, text and rectangle drawing, pasting, enlargement,
// colormaps and attention heatmaps, checked pixel by pixel against hand-computed values.
import GlimpseMedia
import TestSupport
import XCTest

final class BitmapFontTests: XCTestCase {
    /// The glyph of `character` as 9 strings of 5, '#' for ink.
    func art(_ character: Character) -> [String] {
        (0..<BitmapFont.glyphHeight).map { row in
            String(
                (0..<BitmapFont.glyphWidth).map { column in
                    BitmapFont.isInked(character, column: column, row: row) ? "#" : "."
                })
        }
    }

    func testCapitalIIsAVerticalBarWithSerifs() {
        XCTAssertEqual(
            art("I"),
            [".###.", "..#..", "..#..", "..#..", "..#..", "..#..", ".###.", ".....", "....."])
        for row in 0..<BitmapFont.ascent {
            XCTAssertTrue(BitmapFont.isInked("I", column: 2, row: row), "row \(row)")
        }
    }

    func testSpaceIsEmpty() {
        XCTAssertEqual(art(" "), Array(repeating: ".....", count: 9))
        XCTAssertTrue(BitmapFont.hasGlyph(" "))
    }

    func testDescendersUseTheBottomRowsAndOthersDoNot() {
        for character in "gjpqy," {
            XCTAssertNotEqual(art(character)[7...8], [".....", "....."], "\(character)")
        }
        for character in "aeonmxzABC0189.:" {
            XCTAssertEqual(art(character)[7...8], [".....", "....."], "\(character)")
        }
    }

    func testEveryPrintableCharacterHasItsOwnGlyph() {
        var seen: [[String]: Character] = [:]
        for ascii in UInt8(33)...126 {
            let character = Character(UnicodeScalar(ascii))
            let glyph = art(character)
            XCTAssertTrue(BitmapFont.hasGlyph(character))
            XCTAssertTrue(glyph.contains { $0.contains("#") }, "\(character) is blank")
            if let other = seen[glyph] { XCTFail("\(character) looks like \(other)") }
            seen[glyph] = character
        }
    }

    func testUnknownCharactersDrawAsABox() {
        XCTAssertFalse(BitmapFont.hasGlyph("é"))
        XCTAssertFalse(BitmapFont.hasGlyph("\t"))
        XCTAssertEqual(
            art("é"),
            ["#####", "#...#", "#...#", "#...#", "#...#", "#...#", "#####", ".....", "....."])
    }

    func testSizeOfText() {
        XCTAssertEqual(BitmapFont.size(of: ""), .init(width: 0, height: 0))
        XCTAssertEqual(BitmapFont.size(of: "a"), .init(width: 5, height: 9))
        XCTAssertEqual(BitmapFont.size(of: "abc"), .init(width: 17, height: 9))
        XCTAssertEqual(BitmapFont.size(of: "abc", scale: 2), .init(width: 34, height: 18))
        XCTAssertEqual(BitmapFont.size(of: "ab\ncde"), .init(width: 17, height: 20))
        XCTAssertEqual(BitmapFont.size(of: "é"), .init(width: 5, height: 9))
    }
}

final class DrawingTests: XCTestCase {
    let grey: [UInt8] = [90, 90, 90]
    let red: [UInt8] = [255, 0, 0]

    func pixel(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] {
        let i = (y * image.width + x) * image.channels
        return Array(image.pixels[i..<(i + image.channels)])
    }

    func testDrawnTextChangesOnlyPixelsInsideItsBox() {
        let blank = Image(width: 100, height: 40, filledWith: grey)
        var image = blank
        let text = "Hi, gyd"
        let (x, y, scale) = (7, 5, 2)
        image.drawText(text, x: x, y: y, color: red, scale: scale)
        let size = BitmapFont.size(of: text, scale: scale)
        var inked = 0
        for row in 0..<image.height {
            for column in 0..<image.width where pixel(image, column, row) != grey {
                XCTAssertEqual(pixel(image, column, row), red)
                XCTAssertTrue(
                    (x..<(x + size.width)).contains(column)
                        && (y..<(y + size.height)).contains(row),
                    "pixel (\(column), \(row)) outside the text box")
                inked += 1
            }
        }
        XCTAssertGreaterThan(inked, 40 * scale * scale)
        // The box is tight: ink touches its left, right, top and bottom edges.
        let inkedColumns = (0..<image.width).filter { c in
            (0..<image.height).contains { pixel(image, c, $0) == red }
        }
        let inkedRows = (0..<image.height).filter { r in
            (0..<image.width).contains { pixel(image, $0, r) == red }
        }
        XCTAssertEqual(inkedColumns.first, x)
        XCTAssertEqual(inkedColumns.last, x + size.width - 1)
        XCTAssertEqual(inkedRows.first, y)
        XCTAssertEqual(inkedRows.last, y + size.height - 1)
    }

    func testScaledTextRepeatsEachFontPixel() {
        var image = Image(width: 20, height: 30, filledWith: [0, 0, 0])
        image.drawText("I", x: 2, y: 1, color: [255, 255, 255], scale: 3)
        for row in 0..<BitmapFont.glyphHeight {
            for column in 0..<BitmapFont.glyphWidth {
                let expected: [UInt8] =
                    BitmapFont.isInked("I", column: column, row: row)
                    ? [255, 255, 255] : [0, 0, 0]
                for dy in 0..<3 {
                    for dx in 0..<3 {
                        XCTAssertEqual(
                            pixel(image, 2 + column * 3 + dx, 1 + row * 3 + dy), expected)
                    }
                }
            }
        }
    }

    func testTextIsClippedAtTheEdgesAndOpaqueOnRGBA() {
        var image = Image(width: 8, height: 6, layout: .rgba, filledWith: [0, 0, 0, 0])
        image.drawText("MW\nMW", x: -3, y: -4, color: [10, 20, 30])
        let touched = stride(from: 0, to: image.pixels.count, by: 4).filter {
            image.pixels[$0 + 3] != 0
        }
        XCTAssertFalse(touched.isEmpty)
        for i in touched { XCTAssertEqual(Array(image.pixels[i..<(i + 4)]), [10, 20, 30, 255]) }
    }

    func testFillRectangleIsClipped() {
        var image = Image(width: 4, height: 3, filledWith: [0, 0, 0])
        image.fillRectangle(x: 2, y: -1, width: 5, height: 2, color: [7, 8, 9])
        for y in 0..<3 {
            for x in 0..<4 {
                XCTAssertEqual(pixel(image, x, y), x >= 2 && y == 0 ? [7, 8, 9] : [0, 0, 0])
            }
        }
    }

    /// Inked pixels of `image` as strings, '#' for `[9, 9, 9]`.
    func inked(_ image: Image) -> [String] {
        (0..<image.height).map { y in
            String((0..<image.width).map { pixel(image, $0, y) == [9, 9, 9] ? "#" : "." })
        }
    }

    func testLinesFollowBresenhamAndAreClipped() {
        var image = Image(width: 6, height: 4, filledWith: [0, 0, 0])
        image.drawLine(fromX: 0, y: 0, toX: 5, y: 2, color: [9, 9, 9])
        // Slope 2/5: y steps at the half-way points (Bresenham's choice of the nearer pixel).
        XCTAssertEqual(inked(image), ["##....", "..##..", "....##", "......"])
        var vertical = Image(width: 3, height: 3, filledWith: [0, 0, 0])
        vertical.drawLine(fromX: 1, y: 2, toX: 1, y: -5, color: [9, 9, 9])
        XCTAssertEqual(inked(vertical), [".#.", ".#.", ".#."])
        var thick = Image(width: 5, height: 5, filledWith: [0, 0, 0])
        thick.drawLine(fromX: 2, y: 2, toX: 2, y: 2, color: [9, 9, 9], thickness: 3)
        XCTAssertEqual(inked(thick), [".....", ".###.", ".###.", ".###.", "....."])
    }

    func testPastingConvertsLayoutAndClips() {
        let base = Image(width: 3, height: 3, filledWith: [0, 0, 0])
        let patch = Image(width: 2, height: 2, layout: .rgba, filledWith: [5, 6, 7, 128])
        let out = base.pasting(patch, atX: 2, y: 2)
        XCTAssertEqual(out.layout, .rgb)
        for y in 0..<3 {
            for x in 0..<3 {
                XCTAssertEqual(pixel(out, x, y), x == 2 && y == 2 ? [5, 6, 7] : [0, 0, 0])
            }
        }
        XCTAssertEqual(base.pasting(patch, atX: -2, y: 0), base)
        // Pasting a whole image at the origin of an equal-sized one replaces it.
        let other = Image(width: 3, height: 3, pixels: (0..<27).map(UInt8.init))
        XCTAssertEqual(base.pasting(other, atX: 0, y: 0), other)
    }

    func testScaledByRepeatsPixels() {
        let image = Image(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        let big = image.scaled(by: 3)
        XCTAssertEqual(big.width, 6)
        XCTAssertEqual(big.height, 3)
        for y in 0..<3 {
            for x in 0..<6 { XCTAssertEqual(pixel(big, x, y), x < 3 ? [1, 2, 3] : [4, 5, 6]) }
        }
        XCTAssertEqual(image.scaled(by: 1), image)
    }
}

final class HeatmapTests: XCTestCase {
    func pixel(_ image: Image, _ x: Int, _ y: Int) -> [UInt8] {
        let i = (y * image.width + x) * image.channels
        return Array(image.pixels[i..<(i + image.channels)])
    }

    func luma(_ p: [UInt8]) -> Float {
        0.299 * Float(p[0]) + 0.587 * Float(p[1]) + 0.114 * Float(p[2])
    }

    /// A 2×2 grid g[r][c] = c + 2r is linear, so bilinear upsampling to 4×4 gives u + 2v exactly,
    /// with half-pixel centres u, v ∈ {0, ¼, ¾, 1} (the outer pixels clamp to the cell centres).
    func testBilinearUpsamplingOfA2x2Grid() {
        let out = Heatmap.upsampled([0, 1, 2, 3], gridWidth: 2, gridHeight: 2, width: 4, height: 4)
        let u: [Float] = [0, 0.25, 0.75, 1]
        for y in 0..<4 {
            for x in 0..<4 {
                XCTAssertEqual(out[y * 4 + x], u[x] + 2 * u[y], accuracy: 1e-6, "(\(x), \(y))")
            }
        }
        // Non-square target: 2 columns stay at the cell centres, 3 rows put one in the middle.
        let narrow = Heatmap.upsampled(
            [0, 1, 2, 3], gridWidth: 2, gridHeight: 2, width: 2, height: 3)
        XCTAssertEqual(narrow, [0, 1, 1, 2, 2, 3])
    }

    func testUpsamplingAgreesWithBilinearImageResize() {
        let grid: [UInt8] = [0, 200, 40, 255, 10, 120]  // [2, 3]
        let image = Image(width: 3, height: 2, pixels: grid.flatMap { [$0, $0, $0] })
        let resized = image.resized(width: 11, height: 7, method: .bilinear)
        let map = Heatmap.upsampled(
            grid.map(Float.init), gridWidth: 3, gridHeight: 2, width: 11, height: 7)
        for i in 0..<(11 * 7) {
            XCTAssertEqual(map[i], Float(resized.pixels[i * 3]), accuracy: 0.51, "pixel \(i)")
        }
    }

    func testNormalizedDividesByTheMaximumAndGuardsEmptyMaps() {
        XCTAssertEqual(Heatmap.normalized([0.1, 0.4, 0.2]), [0.25, 1, 0.5])
        XCTAssertEqual(Heatmap.normalized([0, 0, 0]), [0, 0, 0])
        XCTAssertEqual(Heatmap.normalized([-1, 2, .nan]), [0, 1, 0])
        XCTAssertEqual(Heatmap.normalized([-1, -2]), [0, 0])
    }

    func testColormapInterpolatesBetweenStopsAndClamps() {
        let map = Colormap(stops: [[0, 0, 0], [100, 200, 40], [200, 0, 80]])
        XCTAssertEqual(map.color(at: 0), [0, 0, 0])
        XCTAssertEqual(map.color(at: 0.25), [50, 100, 20])
        XCTAssertEqual(map.color(at: 0.5), [100, 200, 40])
        XCTAssertEqual(map.color(at: 0.75), [150, 100, 60])
        XCTAssertEqual(map.color(at: 1), [200, 0, 80])
        XCTAssertEqual(map.color(at: -3), [0, 0, 0])
        XCTAssertEqual(map.color(at: 7), [200, 0, 80])
        XCTAssertEqual(map.color(at: .nan), [0, 0, 0])
        XCTAssertEqual(Colormap(hex: ["#000000", "#ff8001"]).stops[1], [255, 128, 1])
    }

    func testInfernoAndViridisGetLighterMonotonically() {
        XCTAssertEqual(Colormap.inferno.color(at: 0), [0, 0, 4])
        XCTAssertEqual(Colormap.inferno.color(at: 1), [252, 255, 164])
        for map in [Colormap.inferno, .viridis] {
            let table = map.table(count: 64)
            let lumas = (0..<64).map { luma(Array(table[($0 * 3)..<($0 * 3 + 3)])) }
            for i in 1..<64 { XCTAssertGreaterThan(lumas[i], lumas[i - 1], "entry \(i)") }
        }
    }

    /// One-hot 4×4 grid on cell (column 3, row 1) over a flat grey 64×64 image: that cell's
    /// centre gets the brightest colour, the far corner exactly the blend with inferno(0).
    func testOneHotGridPeaksOverItsCell() {
        let image = Image(width: 64, height: 64, filledWith: [128, 128, 128])
        var weights = [Float](repeating: 0, count: 16)
        weights[1 * 4 + 3] = 0.7
        let out = image.overlayingHeatmap(weights, gridWidth: 4, gridHeight: 4, opacity: 0.5)
        // Far away: 0.5·128 + 0.5·(0, 0, 4).
        XCTAssertEqual(pixel(out, 0, 63), [64, 64, 66])
        XCTAssertEqual(pixel(out, 10, 60), [64, 64, 66])
        // Pixel (55, 23) reads the grid at (2.97, 0.97): weight 0.7·(31/32)². The upsampled
        // map's maximum, 0.7·31/32, is at x ≥ 56 (clamped to column 3), y = 24 (row 1.03), so
        // the normalised value there is 31/32.
        let centre = pixel(out, 55, 23)
        let a: Float = 31.0 / 32
        let hot = Colormap.inferno.color(at: a)
        for k in 0..<3 {
            XCTAssertEqual(Float(centre[k]), 64 + Float(hot[k]) / 2, accuracy: 1.5, "channel \(k)")
        }
        var brightest = (luma: Float(-1), x: 0, y: 0)
        for y in 0..<64 {
            for x in 0..<64 where luma(pixel(out, x, y)) > brightest.luma {
                brightest = (luma(pixel(out, x, y)), x, y)
            }
        }
        XCTAssertTrue((48..<64).contains(brightest.x) && (16..<32).contains(brightest.y))
        // Attention falls off with distance: the neighbouring cell is between the two.
        let neighbour = luma(pixel(out, 47, 23))
        XCTAssertLessThan(neighbour, luma(centre))
        XCTAssertGreaterThan(neighbour, luma(pixel(out, 0, 63)))
    }

    func testDimmingDarkensOnlyWhereAttentionIsLow() {
        let image = Image(width: 8, height: 8, layout: .rgba, filledWith: [200, 200, 200, 77])
        let weights: [Float] = [1, 0, 0, 0]  // top-left of a 2×2 grid
        let plain = image.overlayingHeatmap(weights, gridWidth: 2, gridHeight: 2, opacity: 0)
        XCTAssertEqual(plain, image)
        let dimmed = image.overlayingHeatmap(
            weights, gridWidth: 2, gridHeight: 2, opacity: 0, dimming: 0.5)
        XCTAssertEqual(pixel(dimmed, 0, 0), [200, 200, 200, 77])
        XCTAssertEqual(pixel(dimmed, 7, 7), [100, 100, 100, 77])
        // An all-zero map is drawn as "nothing attended" rather than dividing by zero.
        let none = image.overlayingHeatmap([0, 0, 0, 0], gridWidth: 2, gridHeight: 2)
        XCTAssertEqual(pixel(none, 3, 3), [100, 100, 102, 77])
    }
}
