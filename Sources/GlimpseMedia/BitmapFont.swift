// A built-in 5×9 bitmap font for printable ASCII (32–126) and the text drawing built on it:
// enough to label figures (attention maps, contact sheets) without a font file or FreeType.
//
// Each glyph is 5 columns by 9 rows: rows 0–6 sit on the baseline (capitals and digits use all
// seven, lower case rows 2–6) and rows 7–8 hold descenders (g, j, p, q, y, comma). A cell is one
// column and two rows wider than its glyph, so text set in it never touches.

/// A fixed-width 5×9 pixel font covering printable ASCII; other characters draw as a box.
///
/// Measurements, in unscaled pixels: every character advances ``advance`` = 6 columns, a line
/// is ``glyphHeight`` = 9 rows tall and lines are ``lineHeight`` = 11 rows apart. All scale
/// linearly with the `scale` of ``size(of:scale:)`` and ``Image/drawText(_:x:y:color:scale:)``.
public enum BitmapFont {
    /// Columns of ink a glyph may use.
    public static let glyphWidth = 5
    /// Rows a glyph may use: 7 above the baseline and 2 of descender.
    public static let glyphHeight = 9
    /// Rows from the top of a glyph to the bottom of its baseline row (capital height).
    public static let ascent = 7
    /// Columns from one character's left edge to the next.
    public static let advance = 6
    /// Rows from one line's top to the next.
    public static let lineHeight = 11

    /// The pixel extent of a piece of text.
    public struct Size: Equatable, Sendable {
        public var width: Int
        public var height: Int

        public init(width: Int, height: Int) {
            self.width = width
            self.height = height
        }
    }

    /// The box ``Image/drawText(_:x:y:color:scale:)`` inks for `text` at `scale`.
    ///
    /// For lines of at most `n` characters (split at `"\n"`), k lines:
    /// width = (6n − 1)·scale, height = (11(k − 1) + 9)·scale; the empty string is 0 × 0.
    public static func size(of text: String, scale: Int = 1) -> Size {
        precondition(scale >= 1, "text scale \(scale) must be at least 1")
        guard !text.isEmpty else { return Size(width: 0, height: 0) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let longest = lines.map(\.count).max() ?? 0
        let width = longest == 0 ? 0 : (longest * advance - 1) * scale
        return Size(width: width, height: ((lines.count - 1) * lineHeight + glyphHeight) * scale)
    }

    /// Whether `character`'s glyph inks column `column` (0..<5) of row `row` (0..<9).
    /// Characters outside printable ASCII use the replacement box.
    public static func isInked(_ character: Character, column: Int, row: Int) -> Bool {
        precondition(
            (0..<glyphWidth).contains(column) && (0..<glyphHeight).contains(row),
            "glyph pixel (\(column), \(row)) outside \(glyphWidth)x\(glyphHeight)")
        return rows[glyphIndex(character) * glyphHeight + row] & (1 << (glyphWidth - 1 - column))
            != 0
    }

    /// Whether `character` has its own glyph (printable ASCII) rather than the box.
    public static func hasGlyph(_ character: Character) -> Bool {
        glyphIndex(character) != replacementIndex
    }

    /// Row bitmaps, `glyphHeight` per glyph in ASCII order from 32, then the replacement box;
    /// bit 4 is the leftmost column.
    static let rows: [UInt8] = {
        var rows: [UInt8] = []
        for (index, glyph) in (glyphArt + [replacementArt]).enumerated() {
            let lines = glyph.split(separator: " ")
            precondition(lines.count <= glyphHeight, "glyph \(index + 32) has \(lines.count) rows")
            for r in 0..<glyphHeight {
                var bits: UInt8 = 0
                if r < lines.count {
                    precondition(lines[r].count == glyphWidth, "glyph \(index + 32) row \(r)")
                    for pixel in lines[r] { bits = bits << 1 | (pixel == "#" ? 1 : 0) }
                }
                rows.append(bits)
            }
        }
        return rows
    }()

    static let replacementIndex = 95

    static func glyphIndex(_ character: Character) -> Int {
        guard let ascii = character.asciiValue, (32...126).contains(ascii) else {
            return replacementIndex
        }
        return Int(ascii) - 32
    }

    /// Shown for characters outside printable ASCII: an outlined box.
    static let replacementArt = "##### #...# #...# #...# #...# #...# #####"

    /// Printable ASCII 32…126 as 5-column rows top to bottom ('#' inks); missing rows are blank.
    static let glyphArt: [String] = [
        "",  // space
        "..#.. ..#.. ..#.. ..#.. ..#.. ..... ..#..",  // !
        ".#.#. .#.#. .#.#.",  // "
        ".#.#. .#.#. ##### .#.#. ##### .#.#. .#.#.",  // #
        "..#.. .#### #.#.. .###. ..#.# ####. ..#..",  // $
        "##... ##..# ...#. ..#.. .#... #..## ...##",  // %
        ".##.. #..#. #.#.. .#... #.#.# #..#. .##.#",  // &
        "..#.. ..#.. .#...",  // '
        "...#. ..#.. .#... .#... .#... ..#.. ...#.",  // (
        ".#... ..#.. ...#. ...#. ...#. ..#.. .#...",  // )
        "..... ..#.. #.#.# .###. #.#.# ..#..",  // *
        "..... ..#.. ..#.. ##### ..#.. ..#..",  // +
        "..... ..... ..... ..... ..... ..##. ..##. ...#. ..#..",  // ,
        "..... ..... ..... #####",  // -
        "..... ..... ..... ..... ..... .##.. .##..",  // .
        "....# ....# ...#. ..#.. .#... #.... #....",  // /
        ".###. #...# #..## #.#.# ##..# #...# .###.",  // 0
        "..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###.",  // 1
        ".###. #...# ....# ...#. ..#.. .#... #####",  // 2
        "##### ...#. ..#.. ...#. ....# #...# .###.",  // 3
        "...#. ..##. .#.#. #..#. ##### ...#. ...#.",  // 4
        "##### #.... ####. ....# ....# #...# .###.",  // 5
        "..##. .#... #.... ####. #...# #...# .###.",  // 6
        "##### ....# ...#. ..#.. .#... .#... .#...",  // 7
        ".###. #...# #...# .###. #...# #...# .###.",  // 8
        ".###. #...# #...# .#### ....# ...#. .##..",  // 9
        "..... .##.. .##.. ..... .##.. .##..",  // :
        "..... .##.. .##.. ..... .##.. .##.. ..#.. .#...",  // ;
        "...#. ..#.. .#... #.... .#... ..#.. ...#.",  // <
        "..... ..... ##### ..... #####",  // =
        ".#... ..#.. ...#. ....# ...#. ..#.. .#...",  // >
        ".###. #...# ....# ...#. ..#.. ..... ..#..",  // ?
        ".###. #...# ....# .##.# #.#.# #.#.# .###.",  // @
        ".###. #...# #...# ##### #...# #...# #...#",  // A
        "####. #...# #...# ####. #...# #...# ####.",  // B
        ".###. #...# #.... #.... #.... #...# .###.",  // C
        "###.. #..#. #...# #...# #...# #..#. ###..",  // D
        "##### #.... #.... ####. #.... #.... #####",  // E
        "##### #.... #.... ####. #.... #.... #....",  // F
        ".###. #...# #.... #.### #...# #...# .####",  // G
        "#...# #...# #...# ##### #...# #...# #...#",  // H
        ".###. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",  // I
        "..### ...#. ...#. ...#. ...#. #..#. .##..",  // J
        "#...# #..#. #.#.. ##... #.#.. #..#. #...#",  // K
        "#.... #.... #.... #.... #.... #.... #####",  // L
        "#...# ##.## #.#.# #.#.# #...# #...# #...#",  // M
        "#...# #...# ##..# #.#.# #..## #...# #...#",  // N
        ".###. #...# #...# #...# #...# #...# .###.",  // O
        "####. #...# #...# ####. #.... #.... #....",  // P
        ".###. #...# #...# #...# #.#.# #..#. .##.#",  // Q
        "####. #...# #...# ####. #.#.. #..#. #...#",  // R
        ".#### #.... #.... .###. ....# ....# ####.",  // S
        "##### ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",  // T
        "#...# #...# #...# #...# #...# #...# .###.",  // U
        "#...# #...# #...# #...# #...# .#.#. ..#..",  // V
        "#...# #...# #...# #.#.# #.#.# #.#.# .#.#.",  // W
        "#...# #...# .#.#. ..#.. .#.#. #...# #...#",  // X
        "#...# #...# .#.#. ..#.. ..#.. ..#.. ..#..",  // Y
        "##### ....# ...#. ..#.. .#... #.... #####",  // Z
        ".###. .#... .#... .#... .#... .#... .###.",  // [
        "#.... #.... .#... ..#.. ...#. ....# ....#",  // backslash
        ".###. ...#. ...#. ...#. ...#. ...#. .###.",  // ]
        "..#.. .#.#. #...#",  // ^
        "..... ..... ..... ..... ..... ..... ..... #####",  // _
        ".#... ..#..",  // `
        "..... ..... .###. ....# .#### #...# .####",  // a
        "#.... #.... #.##. ##..# #...# #...# ####.",  // b
        "..... ..... .###. #.... #.... #...# .###.",  // c
        "....# ....# .##.# #..## #...# #...# .####",  // d
        "..... ..... .###. #...# ##### #.... .###.",  // e
        "..##. .#..# .#... ###.. .#... .#... .#...",  // f
        "..... ..... .#### #...# #...# #...# .#### ....# .###.",  // g
        "#.... #.... #.##. ##..# #...# #...# #...#",  // h
        "..#.. ..... .##.. ..#.. ..#.. ..#.. .###.",  // i
        "...#. ..... ..##. ...#. ...#. ...#. ...#. #..#. .##..",  // j
        "#.... #.... #..#. #.#.. ##... #.#.. #..#.",  // k
        ".##.. ..#.. ..#.. ..#.. ..#.. ..#.. .###.",  // l
        "..... ..... ##.#. #.#.# #.#.# #.#.# #.#.#",  // m
        "..... ..... #.##. ##..# #...# #...# #...#",  // n
        "..... ..... .###. #...# #...# #...# .###.",  // o
        "..... ..... ####. #...# #...# #...# ####. #.... #....",  // p
        "..... ..... .#### #...# #...# #...# .#### ....# ....#",  // q
        "..... ..... #.##. ##..# #.... #.... #....",  // r
        "..... ..... .###. #.... .###. ....# ####.",  // s
        ".#... .#... ###.. .#... .#... .#..# ..##.",  // t
        "..... ..... #...# #...# #...# #..## .##.#",  // u
        "..... ..... #...# #...# #...# .#.#. ..#..",  // v
        "..... ..... #...# #...# #.#.# #.#.# .#.#.",  // w
        "..... ..... #...# .#.#. ..#.. .#.#. #...#",  // x
        "..... ..... #...# #...# #...# #...# .#### ....# .###.",  // y
        "..... ..... ##### ...#. ..#.. .#... #####",  // z
        "...#. ..#.. ..#.. .#... ..#.. ..#.. ...#.",  // {
        "..#.. ..#.. ..#.. ..#.. ..#.. ..#.. ..#..",  // |
        ".#... ..#.. ..#.. ...#. ..#.. ..#.. .#...",  // }
        "..... ..... .#... #.#.# ...#.",  // ~
    ]
}

extension Image {
    /// Draws `text` in ``BitmapFont`` with its top-left corner at (`x`, `y`), each font pixel a
    /// `scale` × `scale` square of `color` (one sample per channel, or RGB on an RGBA image,
    /// which is drawn opaque). `"\n"` starts a new line. Pixels outside the image are clipped;
    /// only pixels inside ``BitmapFont/size(of:scale:)`` at (`x`, `y`) can change.
    public mutating func drawText(_ text: String, x: Int, y: Int, color: [UInt8], scale: Int = 1) {
        precondition(scale >= 1, "text scale \(scale) must be at least 1")
        let ink = opaqueColor(color)
        var lineTop = y
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            var left = x
            for character in line {
                let glyph = BitmapFont.glyphIndex(character) * BitmapFont.glyphHeight
                for row in 0..<BitmapFont.glyphHeight {
                    let bits = BitmapFont.rows[glyph + row]
                    if bits == 0 { continue }
                    for column in 0..<BitmapFont.glyphWidth
                    where bits & (1 << (BitmapFont.glyphWidth - 1 - column)) != 0 {
                        fillRectangle(
                            x: left + column * scale, y: lineTop + row * scale, width: scale,
                            height: scale, color: ink)
                    }
                }
                left += BitmapFont.advance * scale
            }
            lineTop += BitmapFont.lineHeight * scale
        }
    }

    /// `color` with an opaque alpha appended when the image is RGBA and `color` is RGB.
    func opaqueColor(_ color: [UInt8]) -> [UInt8] {
        if layout == .rgba && color.count == 3 { return color + [255] }
        precondition(
            color.count == channels,
            "colour needs \(channels) samples for a \(layout) image, got \(color.count)")
        return color
    }
}
