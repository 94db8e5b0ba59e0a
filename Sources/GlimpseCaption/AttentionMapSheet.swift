// The `--attention-map` figure: one image showing where the captioner looked for each word,
// as in Xu et al. 2015, "Show, Attend and Tell", Fig. 2–3.
//
// Layout (output pixels; each tile is the W × H input enlarged S = `scale` times):
//
//     margin
//     the caption, wrapped to the sheet width
//     margin
//     [input] [word 1] [word 2] …  `columns` tiles a row, `gap` apart, each with its label
//     [word k] …                   (word, then "peak 0.123") centred under it
//     margin
//
// Each word tile is the enlarged input with that step's attention grid α_t ([gridHeight,
// gridWidth], row-major, the softmax over feature locations) upsampled and overlaid as a heatmap.
import Foundation
import GlimpseMedia

/// Renders a captioned image and its per-word attention maps as one contact sheet.
public enum AttentionMapSheet {
    /// Blank border around the sheet, and between the caption and the tiles.
    public static let margin = 16
    /// Space between neighbouring tiles (and between a label and the next row).
    public static let gap = 12
    /// Space between a tile and its first label line, and between label lines.
    public static let labelSpacing = 4
    /// Heatmap opacity over the picture.
    public static let opacity: Float = 0.55
    /// How much the picture darkens where attention is low, so the focus stands out.
    public static let dimming: Float = 0.5

    static let background: [UInt8] = [255, 255, 255]
    static let ink: [UInt8] = [0, 0, 0]
    static let secondaryInk: [UInt8] = [100, 100, 100]
    static let frame: [UInt8] = [200, 200, 200]

    /// Where everything goes on a sheet: `render` draws exactly this.
    public struct Layout: Equatable, Sendable {
        /// Sheet size.
        public var width: Int
        public var height: Int
        /// Size of one tile: the input enlarged `scale` times.
        public var tileWidth: Int
        public var tileHeight: Int
        /// Tiles per row, and rows of tiles.
        public var columns: Int
        public var rows: Int
        /// Scale of the caption and word labels (the peak line is always at scale 1).
        public var textScale: Int
        /// The caption, wrapped, and the top of its first line (it starts at x = margin).
        public var captionLines: [String]
        public var captionTop: Int
        /// Top-left corner `[x, y]` of each tile's picture: the input first, then one per word.
        public var tileOrigins: [[Int]]
        /// Height below a tile taken by its labels.
        public var labelHeight: Int
    }

    /// The layout for `words.count` + 1 tiles of an `imageWidth` × `imageHeight` input.
    ///
    /// With c = min(columns, words + 1) columns and r = ⌈(words + 1) / c⌉ rows:
    /// width = 2·margin + c·W·S + (c − 1)·gap,
    /// height = 2·margin + captionHeight + margin + r·(H·S + labelHeight) + (r − 1)·gap.
    /// `title`, when given, is the text above the tiles instead of the words joined (a VQA
    /// sheet shows its question and answer there).
    public static func layout(
        imageWidth: Int, imageHeight: Int, words: [String], title: String? = nil, scale: Int = 3,
        columns: Int = 6
    ) -> Layout {
        precondition(
            imageWidth > 0 && imageHeight > 0, "empty image \(imageWidth)x\(imageHeight)")
        precondition(scale >= 1, "sheet scale \(scale) must be at least 1")
        precondition(columns >= 1, "sheet columns \(columns) must be at least 1")
        let tileWidth = imageWidth * scale
        let tileHeight = imageHeight * scale
        let tiles = words.count + 1
        let columns = min(columns, tiles)
        let rows = (tiles + columns - 1) / columns
        let textScale = tileWidth >= 96 ? 2 : 1
        let contentWidth = columns * tileWidth + (columns - 1) * gap
        let caption =
            title.map(singleLine)
            ?? (words.isEmpty ? "(empty caption)" : words.map(singleLine).joined(separator: " "))
        let captionLines = wrap(caption, width: contentWidth, scale: textScale)
        let captionHeight =
            BitmapFont.size(of: captionLines.joined(separator: "\n"), scale: textScale).height
        let labelHeight =
            labelSpacing + BitmapFont.glyphHeight * textScale + labelSpacing
            + BitmapFont.glyphHeight
        let tilesTop = margin + captionHeight + margin
        var origins: [[Int]] = []
        for index in 0..<tiles {
            let row = index / columns
            let column = index % columns
            origins.append([
                margin + column * (tileWidth + gap),
                tilesTop + row * (tileHeight + labelHeight + gap),
            ])
        }
        return Layout(
            width: 2 * margin + contentWidth,
            height: tilesTop + rows * (tileHeight + labelHeight) + (rows - 1) * gap + margin,
            tileWidth: tileWidth, tileHeight: tileHeight, columns: columns, rows: rows,
            textScale: textScale, captionLines: captionLines, captionTop: margin,
            tileOrigins: origins, labelHeight: labelHeight)
    }

    /// One RGB image: the caption on top, then the input enlarged `scale` times (labelled
    /// "input") and, for each word, the enlarged input under a heatmap of that word's attention
    /// map with the word and the map's largest weight centred beneath; white background,
    /// `columns` tiles a row.
    ///
    /// - Parameters:
    ///   - image: The model's input (a 64×64 crop, say); alpha is dropped.
    ///   - words: The generated caption, one entry per decoding step shown.
    ///   - attention: One map per word, each `gridWidth · gridHeight` weights, row-major
    ///     ([gridHeight, gridWidth]); each map is scaled by its own maximum for display.
    ///   - gridWidth: Columns of the encoder's feature grid.
    ///   - gridHeight: Rows of the encoder's feature grid.
    ///   - title: The text above the tiles; nil shows the words joined (the caption).
    ///   - scale: Nearest-neighbour enlargement of the input, so small images stay legible.
    ///   - columns: Tiles per row at most.
    public static func render(
        image: Image, words: [String], attention: [[Float]], gridWidth: Int, gridHeight: Int,
        title: String? = nil, scale: Int = 3, columns: Int = 6
    ) -> Image {
        precondition(
            attention.count == words.count,
            "\(attention.count) attention maps for \(words.count) words: pass one map per"
                + " generated word")
        precondition(
            gridWidth > 0 && gridHeight > 0, "attention grid \(gridWidth)x\(gridHeight) is empty")
        for (index, map) in attention.enumerated() {
            precondition(
                map.count == gridWidth * gridHeight,
                "attention map \(index) (word \"\(words[index])\") has \(map.count) weights; a"
                    + " \(gridWidth)x\(gridHeight) grid needs \(gridWidth * gridHeight)")
        }
        let layout = layout(
            imageWidth: image.width, imageHeight: image.height, words: words, title: title,
            scale: scale, columns: columns)
        let tile = image.droppingAlpha().scaled(by: scale)
        var sheet = Image(width: layout.width, height: layout.height, filledWith: background)
        sheet.drawText(
            layout.captionLines.joined(separator: "\n"), x: margin, y: layout.captionTop,
            color: ink, scale: layout.textScale)
        for index in 0...words.count {
            let x = layout.tileOrigins[index][0]
            let y = layout.tileOrigins[index][1]
            sheet.fillRectangle(
                x: x - 1, y: y - 1, width: layout.tileWidth + 2, height: layout.tileHeight + 2,
                color: frame)
            let label: String
            let detail: [String]
            if index == 0 {
                sheet.paste(tile, atX: x, y: y)
                label = "input"
                detail = [
                    "\(image.width)x\(image.height), grid \(gridWidth)x\(gridHeight)",
                    "\(image.width)x\(image.height)",
                ]
            } else {
                let map = attention[index - 1]
                sheet.paste(
                    tile.overlayingHeatmap(
                        map, gridWidth: gridWidth, gridHeight: gridHeight, opacity: opacity,
                        dimming: dimming),
                    atX: x, y: y)
                label = singleLine(words[index - 1])
                let peak = map.max() ?? 0
                detail = [String(format: "peak %.3f", peak), String(format: "%.3f", peak)]
            }
            var labelTop = y + layout.tileHeight + labelSpacing
            drawCentered(
                [label], in: &sheet, centerX: x + layout.tileWidth / 2, top: labelTop,
                maxWidth: layout.tileWidth + gap - 2, color: ink, scale: layout.textScale)
            labelTop += BitmapFont.glyphHeight * layout.textScale + labelSpacing
            drawCentered(
                detail, in: &sheet, centerX: x + layout.tileWidth / 2, top: labelTop,
                maxWidth: layout.tileWidth + gap - 2, color: secondaryInk, scale: 1)
        }
        return sheet
    }

    /// Draws the first of `candidates` (longest first) that fits in `maxWidth`, centred on
    /// `centerX`; when none does, the last one drops to scale 1 and then is shortened with "..".
    static func drawCentered(
        _ candidates: [String], in sheet: inout Image, centerX: Int, top: Int, maxWidth: Int,
        color: [UInt8], scale: Int
    ) {
        let lineHeight = BitmapFont.glyphHeight * scale
        var scale = scale
        var text =
            candidates.first { BitmapFont.size(of: $0, scale: scale).width <= maxWidth }
            ?? candidates.last ?? ""
        if scale > 1 && BitmapFont.size(of: text, scale: scale).width > maxWidth { scale = 1 }
        let fitting = max(1, (maxWidth / scale + 1) / BitmapFont.advance)
        if text.count > fitting { text = String(text.prefix(max(0, fitting - 2))) + ".." }
        let size = BitmapFont.size(of: text, scale: scale)
        // A label that fell back to scale 1 is centred vertically in its line's space too.
        sheet.drawText(
            text, x: centerX - size.width / 2, y: top + (lineHeight - size.height) / 2,
            color: color, scale: scale)
    }

    /// `text` with line breaks turned into spaces, so a token cannot break the layout.
    static func singleLine(_ text: String) -> String {
        String(text.map { $0.isNewline ? " " : $0 })
    }

    /// `text` broken at spaces into lines at most `width` pixels wide at `scale`; a word longer
    /// than a line is split.
    static func wrap(_ text: String, width: Int, scale: Int) -> [String] {
        let perLine = max(1, (width / scale + 1) / BitmapFont.advance)
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ") {
            var word = String(word)
            while word.count > perLine {
                if !current.isEmpty {
                    lines.append(current)
                    current = ""
                }
                lines.append(String(word.prefix(perLine)))
                word = String(word.dropFirst(perLine))
            }
            if current.isEmpty {
                current = word
            } else if current.count + 1 + word.count <= perLine {
                current += " " + word
            } else {
                lines.append(current)
                current = word
            }
        }
        if !current.isEmpty || lines.isEmpty { lines.append(current) }
        return lines
    }
}
