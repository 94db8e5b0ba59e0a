// The attention-map sheet: its size formula, where tiles and labels land, that each word's
// heatmap peaks over the region it attended, and an example sheet written as a PNG.
import Foundation
import GlimpseCaption
import GlimpseMedia
import TestSupport
import XCTest

final class AttentionMapSheetTests: XCTestCase {
    /// A 64×64 toy scene: sky over grass, a yellow sun top right, a brown dog bottom left.
    static func scene() -> Image {
        var image = Image(width: 64, height: 64, filledWith: [110, 170, 230])
        image.fillRectangle(x: 0, y: 40, width: 64, height: 24, color: [70, 150, 60])
        for y in 0..<64 {
            for x in 0..<64 where (x - 50) * (x - 50) + (y - 12) * (y - 12) <= 49 {
                image.fillRectangle(x: x, y: y, width: 1, height: 1, color: [250, 215, 60])
            }
        }
        image.fillRectangle(x: 8, y: 34, width: 22, height: 12, color: [120, 75, 40])  // body
        image.fillRectangle(x: 24, y: 28, width: 9, height: 8, color: [120, 75, 40])  // head
        image.fillRectangle(x: 10, y: 46, width: 3, height: 8, color: [120, 75, 40])  // legs
        image.fillRectangle(x: 25, y: 46, width: 3, height: 8, color: [120, 75, 40])
        return image
    }

    /// A softmax-like map on an `n`×`n` grid: a Gaussian bump at (`cx`, `cy`) in grid cells with
    /// width `sigma`, normalised to sum to 1.
    static func bump(n: Int, cx: Float, cy: Float, sigma: Float) -> [Float] {
        var map: [Float] = []
        for y in 0..<n {
            for x in 0..<n {
                let d2 = (Float(x) - cx) * (Float(x) - cx) + (Float(y) - cy) * (Float(y) - cy)
                map.append(exp(-d2 / (2 * sigma * sigma)))
            }
        }
        let total = map.reduce(0, +)
        return map.map { $0 / total }
    }

    static let words = [
        "a", "brown", "dog", "stands", "on", "the", "green", "grass", "under", "a", "yellow", "sun",
    ]

    /// One map per word on an 8×8 grid: objects get a sharp bump on themselves, function words
    /// a broad one.
    static func attention() -> [[Float]] {
        let dog = bump(n: 8, cx: 2.2, cy: 4.8, sigma: 0.9)
        let sun = bump(n: 8, cx: 6.2, cy: 1.5, sigma: 0.8)
        let grass = bump(n: 8, cx: 4.5, cy: 6.5, sigma: 1.3)
        let broad = bump(n: 8, cx: 3.5, cy: 3.5, sigma: 3)
        return [
            broad, dog, dog, dog, grass, broad, grass, grass, broad, broad, sun, sun,
        ]
    }

    func testSheetSizeFollowsTheLayoutFormula() {
        let layout = AttentionMapSheet.layout(
            imageWidth: 64, imageHeight: 64, words: Self.words, scale: 3, columns: 6)
        let (m, g) = (AttentionMapSheet.margin, AttentionMapSheet.gap)
        XCTAssertEqual(layout.columns, 6)
        XCTAssertEqual(layout.rows, 3)  // 13 tiles
        XCTAssertEqual(layout.tileWidth, 192)
        XCTAssertEqual(layout.textScale, 2)
        XCTAssertEqual(layout.captionLines, [Self.words.joined(separator: " ")])
        XCTAssertEqual(layout.width, 2 * m + 6 * 192 + 5 * g)
        XCTAssertLessThanOrEqual(layout.width, 1500)
        let captionHeight = BitmapFont.glyphHeight * 2
        XCTAssertEqual(layout.labelHeight, 4 + 18 + 4 + 9)
        XCTAssertEqual(
            layout.height, m + captionHeight + m + 3 * (192 + layout.labelHeight) + 2 * g + m)
        XCTAssertEqual(layout.tileOrigins.count, 13)
        XCTAssertEqual(layout.tileOrigins[0], [m, m + captionHeight + m])
        XCTAssertEqual(layout.tileOrigins[7], [m + 192 + g, layout.tileOrigins[6][1]])

        let sheet = AttentionMapSheet.render(
            image: Self.scene(), words: Self.words, attention: Self.attention(), gridWidth: 8,
            gridHeight: 8)
        XCTAssertEqual(sheet.width, layout.width)
        XCTAssertEqual(sheet.height, layout.height)
        XCTAssertEqual(sheet.layout, .rgb)
    }

    func testFewWordsUseFewerColumnsAndLongCaptionsWrap() {
        let two = AttentionMapSheet.layout(
            imageWidth: 64, imageHeight: 32, words: ["hello", "world"], scale: 2, columns: 6)
        XCTAssertEqual(two.columns, 3)
        XCTAssertEqual(two.rows, 1)
        XCTAssertEqual(two.width, 2 * 16 + 3 * 128 + 2 * 12)
        let long = AttentionMapSheet.layout(
            imageWidth: 16, imageHeight: 16, words: Array(repeating: "word", count: 30),
            scale: 1, columns: 4)
        XCTAssertEqual(long.textScale, 1)
        XCTAssertGreaterThan(long.captionLines.count, 1)
        for line in long.captionLines {
            XCTAssertLessThanOrEqual(
                BitmapFont.size(of: line).width, long.width - 2 * AttentionMapSheet.margin)
        }
        XCTAssertEqual(long.captionLines.joined(separator: " ").split(separator: " ").count, 30)
    }

    /// A title replaces the joined words above the tiles (a VQA sheet's question and answer),
    /// wrapped like a caption; the tiles stay where the words put them.
    func testTitleReplacesTheCaptionLine() {
        let words = ["hop 1", "hop 2"]
        let plain = AttentionMapSheet.layout(imageWidth: 64, imageHeight: 64, words: words)
        XCTAssertEqual(plain.captionLines, ["hop 1 hop 2"])
        let titled = AttentionMapSheet.layout(
            imageWidth: 64, imageHeight: 64, words: words, title: "how many objects?\n2")
        XCTAssertEqual(titled.captionLines, ["how many objects? 2"])
        XCTAssertEqual(titled.tileOrigins, plain.tileOrigins)
        let long = AttentionMapSheet.layout(
            imageWidth: 64, imageHeight: 64, words: words,
            title: String(repeating: "is the small red circle left of the square ", count: 3))
        XCTAssertGreaterThan(long.captionLines.count, 1, "a long title wraps")
    }

    func testInputTileIsTheEnlargedImage() {
        let image = Self.scene()
        let sheet = AttentionMapSheet.render(
            image: image, words: Self.words, attention: Self.attention(), gridWidth: 8,
            gridHeight: 8)
        let layout = AttentionMapSheet.layout(imageWidth: 64, imageHeight: 64, words: Self.words)
        let origin = layout.tileOrigins[0]
        XCTAssertEqual(
            sheet.cropped(x: origin[0], y: origin[1], width: 192, height: 192),
            image.scaled(by: 3))
    }

    /// One-hot maps on a 4×4 grid: in each word tile the brightest pixel lies in the attended
    /// cell (48×48 on the tile), whatever the picture underneath.
    func testEachTilePeaksOverTheAttendedRegion() {
        let image = Self.scene()
        let cells = [(0, 0), (3, 0), (1, 2), (3, 3), (2, 1)]
        let maps: [[Float]] = cells.map { cell in
            var map = [Float](repeating: 0.01, count: 16)
            map[cell.1 * 4 + cell.0] = 0.85
            return map
        }
        let words = ["one", "two", "three", "four", "five"]
        let sheet = AttentionMapSheet.render(
            image: image, words: words, attention: maps, gridWidth: 4, gridHeight: 4, scale: 3,
            columns: 3)
        let layout = AttentionMapSheet.layout(
            imageWidth: 64, imageHeight: 64, words: words, scale: 3, columns: 3)
        for (index, cell) in cells.enumerated() {
            let origin = layout.tileOrigins[index + 1]
            var best = (luma: -1, x: 0, y: 0)
            for y in 0..<192 {
                for x in 0..<192 {
                    let i = ((origin[1] + y) * sheet.width + origin[0] + x) * 3
                    let luma =
                        299 * Int(sheet.pixels[i]) + 587 * Int(sheet.pixels[i + 1]) + 114
                        * Int(sheet.pixels[i + 2])
                    if luma > best.luma { best = (luma, x, y) }
                }
            }
            XCTAssertEqual(best.x / 48, cell.0, "word \(words[index])")
            XCTAssertEqual(best.y / 48, cell.1, "word \(words[index])")
        }
    }

    /// Each label is dark ink on the white band under its tile, centred on the tile.
    func testWordsAreCentredUnderTheirTiles() {
        let words = ["a", "surfboard", "in", "supercalifragilisticexpialidocious"]
        let maps = words.map { _ in Self.bump(n: 8, cx: 3, cy: 3, sigma: 1) }
        let sheet = AttentionMapSheet.render(
            image: Self.scene(), words: words, attention: maps, gridWidth: 8, gridHeight: 8)
        let layout = AttentionMapSheet.layout(imageWidth: 64, imageHeight: 64, words: words)
        for index in 0...words.count {
            let origin = layout.tileOrigins[index]
            let top = origin[1] + layout.tileHeight + 2
            let wordBand = top..<(top + 2 + BitmapFont.glyphHeight * layout.textScale)
            // The tile's column plus half a gap each side; its outermost columns stay blank, so
            // neighbouring labels never run together.
            let halfGap = AttentionMapSheet.gap / 2
            let window = (origin[0] - halfGap)..<(origin[0] + layout.tileWidth + halfGap)
            var columns: [Int] = []
            for y in wordBand {
                for x in window where sheet.pixels[(y * sheet.width + x) * 3] < 60 {
                    columns.append(x)
                }
            }
            let label = index == 0 ? "input" : words[index - 1]
            guard let first = columns.min(), let last = columns.max() else {
                XCTFail("no ink under \(label)")
                continue
            }
            XCTAssertGreaterThan(first, window.lowerBound, label)
            XCTAssertLessThan(last, window.upperBound - 1, label)
            // Centred to within a font pixel or so (glyphs are not symmetric in their cells).
            XCTAssertEqual(
                Double(first + last) / 2, Double(origin[0]) + Double(layout.tileWidth - 1) / 2,
                accuracy: 3, label)
        }
    }

    /// The example a person looks at: written as PNG, read back unchanged.
    func testWritesAnExampleSheet() throws {
        let sheet = AttentionMapSheet.render(
            image: Self.scene(), words: Self.words, attention: Self.attention(), gridWidth: 8,
            gridHeight: 8)
        let path = Fixtures.temporaryDirectory() + "/attention_map.png"
        try sheet.write(to: path)
        let decoded = try Image(contentsOf: path)
        XCTAssertEqual(decoded, sheet)
        print("attention map example: \(path)")
    }
}
