// Colormaps for heatmaps: a short table of RGB stops, evenly spaced over [0, 1], read with
// linear interpolation. The built-in tables are matplotlib's perceptually uniform `inferno` and
// `viridis` (van der Walt & Smith, 2015) sampled at 10 points, as R's `viridisLite::inferno(10)`.

/// A map from a value in [0, 1] to an RGB colour, by linear interpolation between evenly spaced
/// stops: stop `i` of `n` sits at `i / (n − 1)`.
public struct Colormap: Equatable, Sendable {
    /// RGB stops, first for 0 and last for 1.
    public let stops: [[UInt8]]

    /// A colormap through `stops` (at least two, three samples each).
    public init(stops: [[UInt8]]) {
        precondition(stops.count >= 2, "a colormap needs at least 2 stops, got \(stops.count)")
        precondition(stops.allSatisfy { $0.count == 3 }, "colormap stops must be RGB triples")
        self.stops = stops
    }

    /// A colormap through stops written as `"#rrggbb"`.
    public init(hex: [String]) {
        self.init(
            stops: hex.map { code in
                let digits = code.hasPrefix("#") ? code.dropFirst() : Substring(code)
                precondition(digits.count == 6, "colour \(code) is not #rrggbb")
                guard let value = UInt32(digits, radix: 16) else {
                    preconditionFailure("colour \(code) is not #rrggbb")
                }
                return [UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
            })
    }

    /// The colour at `t`, clamped to [0, 1] (NaN reads as 0): with s = t·(n − 1), i = ⌊s⌋,
    /// colour = (1 − (s − i))·stops[i] + (s − i)·stops[i + 1], rounded.
    public func color(at t: Float) -> [UInt8] {
        let clamped = t.isNaN ? 0 : min(max(t, 0), 1)
        let position = clamped * Float(stops.count - 1)
        let low = min(Int(position), stops.count - 2)
        let f = position - Float(low)
        return (0..<3).map { c in
            let a = Float(stops[low][c])
            let b = Float(stops[low + 1][c])
            return UInt8(min(255, max(0, (a + (b - a) * f).rounded())))
        }
    }

    /// `count` colours at t = i / (count − 1), flattened RGB: the lookup table the heatmap
    /// overlay reads instead of interpolating per pixel.
    public func table(count: Int = 256) -> [UInt8] {
        precondition(count >= 2, "a colormap table needs at least 2 entries")
        return (0..<count).flatMap { color(at: Float($0) / Float(count - 1)) }
    }

    /// Black through purple, red and orange to pale yellow; monotonic in lightness.
    public static let inferno = Colormap(hex: [
        "#000004", "#1b0c41", "#4a0c6b", "#781c6d", "#a52c60",
        "#cf4446", "#ed6925", "#fb9b06", "#f7d13d", "#fcffa4",
    ])

    /// Dark blue through teal to yellow; monotonic in lightness.
    public static let viridis = Colormap(hex: [
        "#440154", "#482878", "#3e4989", "#31688e", "#26828e",
        "#1f9e89", "#35b779", "#6ece58", "#b5de2b", "#fde725",
    ])
}
