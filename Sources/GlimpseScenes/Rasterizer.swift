// Rasterizer.swift — painting a scene: background (solid or gradient, plus grey noise), then
// each object as a flat-coloured shape with 2×2 supersampled anti-aliasing.
//
// Geometry is integer-exact: offsets are measured in quarter pixels from the object's centre
// point (x + ½, y + ½), and the four samples of pixel (px, py) sit at quarter offsets
//   dx₄ = 4·(px − x) ± 1,   dy₄ = 4·(py − y) ± 1.
// With r₄ = 4·radius the shapes are
//   circle    dx₄² + dy₄² ≤ r₄²
//   square    |dx₄| ≤ ⅞·r₄ and |dy₄| ≤ ⅞·r₄          (area ≈ a circle's)
//   triangle  −r₄ ≤ dy₄ ≤ r₄ and 2·|dx₄| ≤ dy₄ + r₄    (apex up, base 2·radius wide)
//   diamond   |dx₄| + |dy₄| ≤ r₄
// so every shape lies in the square of half-side `radius`, and the centre pixel is fully covered.
import GlimpseMedia

extension SceneObject {
    /// How many of pixel (`column`, `row`)'s four samples fall inside the shape: 0 (outside)
    /// to 4 (fully covered).
    @inline(__always)
    public func coverage(column: Int, row: Int) -> Int {
        var inside = 0
        let r4 = 4 * radius
        for sy in stride(from: -1, through: 1, by: 2) {
            let dy = 4 * (row - y) + sy
            for sx in stride(from: -1, through: 1, by: 2) {
                let dx = 4 * (column - x) + sx
                if contains(dx4: dx, dy4: dy, r4: r4) { inside += 1 }
            }
        }
        return inside
    }

    @inline(__always)
    func contains(dx4 dx: Int, dy4 dy: Int, r4: Int) -> Bool {
        switch shape {
        case .circle: return dx * dx + dy * dy <= r4 * r4
        case .square:
            let half = r4 * 7 / 8
            return abs(dx) <= half && abs(dy) <= half
        case .triangle: return dy >= -r4 && dy <= r4 && 2 * abs(dx) <= dy + r4
        case .diamond: return abs(dx) + abs(dy) <= r4
        }
    }
}

extension Scene {
    /// The scene as an 8-bit RGB image of `width`×`height`.
    public func render() -> Image {
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        pixels.withUnsafeMutableBufferPointer { buffer in
            paintBackground(buffer)
            for object in objects { paint(object, buffer) }
        }
        return Image(width: width, height: height, layout: .rgb, pixels: pixels)
    }

    /// Paints the background: pixel colour `from` + (`to` − `from`)·t / (n − 1) along the
    /// gradient (t = row or column, n = height or width), plus one noise value for all channels.
    private func paintBackground(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        let from = background.from.map(Int.init)
        let to = background.to.map(Int.init)
        let noise = background.noise
        var state = UInt32(truncatingIfNeeded: SceneRandom.mix(UInt64(background.noiseSeed)))
        for row in 0..<height {
            for column in 0..<width {
                var step = 0
                var steps = 1
                switch background.kind {
                case .solid: break
                case .verticalGradient: (step, steps) = (row, max(1, height - 1))
                case .horizontalGradient: (step, steps) = (column, max(1, width - 1))
                }
                // xorshift32 per pixel: cheap, and the same on every machine.
                state ^= state << 13
                state ^= state >> 17
                state ^= state << 5
                let jitter = noise == 0 ? 0 : Int(state % UInt32(2 * noise + 1)) - noise
                let offset = (row * width + column) * 3
                for c in 0..<3 {
                    let base = from[c] + (to[c] - from[c]) * step / steps
                    buffer[offset + c] = UInt8(clamping: base + jitter)
                }
            }
        }
    }

    /// Blends `object`'s colour over the pixels its bounding square touches by sample coverage.
    private func paint(_ object: SceneObject, _ buffer: UnsafeMutableBufferPointer<UInt8>) {
        let color = object.color.rgb.map(Int.init)
        let rows =
            max(0, object.y - object.radius - 1)...min(height - 1, object.y + object.radius + 1)
        let columns =
            max(0, object.x - object.radius - 1)...min(width - 1, object.x + object.radius + 1)
        for row in rows {
            for column in columns {
                let covered = object.coverage(column: column, row: row)
                guard covered > 0 else { continue }
                let offset = (row * width + column) * 3
                for c in 0..<3 {
                    let under = Int(buffer[offset + c])
                    buffer[offset + c] = UInt8((under * (4 - covered) + color[c] * covered + 2) / 4)
                }
            }
        }
    }
}
