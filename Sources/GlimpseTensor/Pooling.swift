// Pooling.swift — max, average and global average pooling over NCHW tensors (PyTorch semantics).
//
// N = batch, C = channels, H×W = input size, KH×KW = window, (sh, sw) = stride, (ph, pw) =
// padding, OH = ⌊(H + 2ph − KH)/sh⌋ + 1 (OW likewise); the window of output (i, j) covers input
// rows i·sh − ph ..< i·sh − ph + KH and columns j·sw − pw ..< j·sw − pw + KW. Padding must be at
// most half the window (as in PyTorch), so every window holds at least one input element.
//   max:     y = max over the window (padding counts as −∞); ∂x[argmax] += ∂y, where argmax is
//            the first maximum in row-major window order
//   average: y = (1/(KH·KW)) Σ window (padding counts as 0 and in the divisor, PyTorch's
//            count_include_pad=True); ∂x[window] += ∂y/(KH·KW)
//   global:  y[n, c] = mean of x[n, c, :, :]

import CVectorMath

/// Max pooling: y[n,c,i,j] = max over the KH×KW window at (i·sh − ph, j·sw − pw).
///
/// x: [N, C, H, W] -> y: [N, C, OH, OW], OH = ⌊(H + 2·ph − KH)/sh⌋ + 1 (OW likewise).
/// Padding counts as −∞ and must be at most half the kernel. The gradient flows to the first
/// maximum of each window (row-major order): ∂x[argmax] += ∂y.
public func maxPool2d(
    _ x: Tensor, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0)
) -> Tensor {
    let geometry = WindowGeometry.pooling("maxPool2d", x.shape, kernel, stride, padding)
    let (y, argmax) = Kernels.maxPool2d(x, geometry)
    return record(y, x) { dy in
        Kernels.maxPool2dGradient(dy, argmax: argmax, geometry)
    }
}

/// Average pooling: y[n,c,i,j] = (1/(KH·KW)) Σ over the KH×KW window at (i·sh − ph, j·sw − pw).
///
/// x: [N, C, H, W] -> y: [N, C, OH, OW], OH = ⌊(H + 2·ph − KH)/sh⌋ + 1 (OW likewise).
/// Padding counts as 0 and is included in the divisor (PyTorch's `count_include_pad=True`); it
/// must be at most half the kernel. ∂x[window] += ∂y/(KH·KW).
public func avgPool2d(
    _ x: Tensor, kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int) = (0, 0)
) -> Tensor {
    let geometry = WindowGeometry.pooling("avgPool2d", x.shape, kernel, stride, padding)
    let y = Kernels.avgPool2d(x, geometry)
    return record(y, x) { dy in
        Kernels.avgPool2dGradient(dy, geometry)
    }
}

/// The mean of each channel: y[n, c] = (1/(H·W)) Σ_{i,j} x[n, c, i, j].
///
/// x: [N, C, H, W] -> y: [N, C].   ∂x[n, c, i, j] = ∂y[n, c]/(H·W)
public func globalAveragePool(_ x: Tensor) -> Tensor {
    precondition(
        x.rank == 4 && x.shape[2] * x.shape[3] > 0,
        "globalAveragePool needs a non-empty [N, C, H, W] input, got \(x.shape)")
    let (n, c) = (x.shape[0], x.shape[1])
    return x.reshaped(to: [n, c, x.shape[2] * x.shape[3]]).mean(alongAxis: 2)
}

extension WindowGeometry {
    /// Whether this is the 2×2 pool with stride 2 and no padding (CVectorMath's kernel).
    var isHalvingPool: Bool {
        kernelHeight == 2 && kernelWidth == 2 && strideY == 2 && strideX == 2 && paddingY == 0
            && paddingX == 0
    }

    /// The geometry of a pooling window, with PyTorch's bound on the padding.
    static func pooling(
        _ operation: String, _ shape: [Int], _ kernel: (Int, Int), _ stride: (Int, Int),
        _ padding: (Int, Int)
    ) -> WindowGeometry {
        let geometry = WindowGeometry(
            operation, input: shape, kernel: kernel, stride: stride, padding: padding)
        precondition(
            2 * padding.0 <= kernel.0 && 2 * padding.1 <= kernel.1,
            "\(operation): padding \(padding) must be at most half the kernel \(kernel) "
                + "(input \(shape))")
        return geometry
    }

    /// Calls `body(plane, i, j, rows, columns)` for every output element: `plane` = n·C + c,
    /// and `rows`/`columns` are the window's input coordinates clipped to the image.
    @inline(__always)
    func forEachWindow(_ body: (Int, Int, Int, Range<Int>, Range<Int>) -> Void) {
        for plane in 0..<(batch &* channels) {
            for i in 0..<outputHeight {
                let top = i &* strideY &- paddingY
                let rows = Swift.max(top, 0)..<Swift.min(top &+ kernelHeight, height)
                for j in 0..<outputWidth {
                    let left = j &* strideX &- paddingX
                    let columns = Swift.max(left, 0)..<Swift.min(left &+ kernelWidth, width)
                    body(plane, i, j, rows, columns)
                }
            }
        }
    }
}

extension Kernels {
    /// y = window maxima and, per output, the offset of its first maximum in its input plane.
    /// x: [N, C, H, W] -> y: [N, C, OH, OW], argmax: N·C·OH·OW offsets in 0..<H·W
    static func maxPool2d(_ x: Tensor, _ g: WindowGeometry) -> (Tensor, [Int32]) {
        precondition(g.planeSize <= Int(Int32.max), "maxPool2d: plane \(x.shape) too large")
        let px = UnsafePointer(x.storage.base)
        var argmax = [Int32](repeating: 0, count: g.batch &* g.channels &* g.outputPlaneSize)
        let y = Tensor(shape: [g.batch, g.channels, g.outputHeight, g.outputWidth]) { y in
            argmax.withUnsafeMutableBufferPointer { argmax in
                guard let py = y.baseAddress, let pa = argmax.baseAddress else { return }
                Parallelism.forEachChunk(of: g.batch &* g.channels, minimumChunk: 16) { _, planes in
                    for plane in planes {
                        let output = plane &* g.outputPlaneSize
                        maxPool(
                            plane: px + plane &* g.planeSize, g, into: py + output,
                            argmax: pa + output)
                    }
                }
            }
        }
        return (y, argmax)
    }

    /// Max pooling of one plane, with a vectorised kernel for the common 2×2 windows with stride
    /// 2 and no padding; `argmax` (if given) receives each maximum's offset.
    /// x: [H, W] -> y: [OH, OW], argmax: [OH, OW] offsets in 0..<H·W
    static func maxPool(
        plane x: UnsafePointer<Float>, _ g: WindowGeometry, into y: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>?
    ) {
        if g.isHalvingPool {
            glimpse_max_pool_2x2(x, g.height, g.width, y, argmax)
        } else {
            maxPoolPlane(x, g, into: y, argmax: argmax)
        }
    }

    /// Whether `value` replaces `maximum` as a window's maximum: it is larger, or it is the
    /// window's first NaN (NaN propagates, as in PyTorch). Branch-free, so random data costs no
    /// mispredictions.
    @inline(__always)
    private static func exceeds(_ value: Float, _ maximum: Float) -> Bool {
        (value > maximum) || (value != value && maximum == maximum)
    }

    /// Max pooling of one plane, any window.   x: [H, W] -> y: [OH, OW], argmax: [OH, OW]
    private static func maxPoolPlane(
        _ x: UnsafePointer<Float>, _ g: WindowGeometry, into y: UnsafeMutablePointer<Float>,
        argmax: UnsafeMutablePointer<Int32>?
    ) {
        let width = g.width
        for i in 0..<g.outputHeight {
            let top = i &* g.strideY &- g.paddingY
            let (rowStart, rowEnd) = (Swift.max(top, 0), Swift.min(top &+ g.kernelHeight, g.height))
            for j in 0..<g.outputWidth {
                let left = j &* g.strideX &- g.paddingX
                let columnStart = Swift.max(left, 0)
                let columnEnd = Swift.min(left &+ g.kernelWidth, width)
                var best = rowStart &* width &+ columnStart
                var maximum = x[best]
                var row = rowStart
                while row < rowEnd {
                    var offset = row &* width &+ columnStart
                    let end = row &* width &+ columnEnd
                    while offset < end {
                        let value = x[offset]
                        let larger = exceeds(value, maximum)
                        maximum = larger ? value : maximum
                        best = larger ? offset : best
                        offset &+= 1
                    }
                    row &+= 1
                }
                y[i &* g.outputWidth &+ j] = maximum
                argmax?[i &* g.outputWidth &+ j] = Int32(truncatingIfNeeded: best)
            }
        }
    }

    /// dx[n, c, argmax] += dy.   dy: [N, C, OH, OW] -> dx: [N, C, H, W]
    static func maxPool2dGradient(_ dy: Tensor, argmax: [Int32], _ g: WindowGeometry) -> Tensor {
        let pdy = UnsafePointer(dy.storage.base)
        let (planeSize, outputPlaneSize) = (g.planeSize, g.outputPlaneSize)
        return Tensor(shape: [g.batch, g.channels, g.height, g.width]) { dx in
            guard let pdx = dx.baseAddress else { return }
            argmax.withUnsafeBufferPointer { argmax in
                Parallelism.forEachChunk(of: g.batch &* g.channels, minimumChunk: 16) { _, planes in
                    for plane in planes {
                        // Zeroing plane by plane keeps it in cache for the scatter.
                        let input = pdx + plane &* planeSize
                        input.initialize(repeating: 0, count: planeSize)
                        let output = plane &* outputPlaneSize
                        for k in 0..<outputPlaneSize {
                            input[Int(argmax[output &+ k])] += pdy[output &+ k]
                        }
                    }
                }
            }
        }
    }

    /// y = window sums / (KH·KW).   x: [N, C, H, W] -> y: [N, C, OH, OW]
    static func avgPool2d(_ x: Tensor, _ g: WindowGeometry) -> Tensor {
        let px = UnsafePointer(x.storage.base)
        let scale = 1 / Float(g.kernelHeight &* g.kernelWidth)
        let (width, outputPlaneSize) = (g.width, g.outputPlaneSize)
        return Tensor(shape: [g.batch, g.channels, g.outputHeight, g.outputWidth]) { y in
            g.forEachWindow { plane, i, j, rows, columns in
                let input = px + plane &* g.planeSize
                var total: Float = 0
                for row in rows {
                    for column in columns { total += input[row &* width &+ column] }
                }
                y[plane &* outputPlaneSize &+ i &* g.outputWidth &+ j] = total * scale
            }
        }
    }

    /// dx[window] += dy/(KH·KW).   dy: [N, C, OH, OW] -> dx: [N, C, H, W]
    static func avgPool2dGradient(_ dy: Tensor, _ g: WindowGeometry) -> Tensor {
        let pdy = UnsafePointer(dy.storage.base)
        let scale = 1 / Float(g.kernelHeight &* g.kernelWidth)
        let (width, outputPlaneSize) = (g.width, g.outputPlaneSize)
        return Tensor(shape: [g.batch, g.channels, g.height, g.width]) { dx in
            dx.initialize(repeating: 0)
            g.forEachWindow { plane, i, j, rows, columns in
                let input = plane &* g.planeSize
                let share = pdy[plane &* outputPlaneSize &+ i &* g.outputWidth &+ j] * scale
                for row in rows {
                    for column in columns { dx[input &+ row &* width &+ column] += share }
                }
            }
        }
    }
}
