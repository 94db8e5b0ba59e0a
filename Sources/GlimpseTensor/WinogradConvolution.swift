// WinogradConvolution.swift — 3×3 "same" convolutions by Winograd's F(2×2, 3×3) (CVectorMath's
// winograd.c), which multiplies 2.25× less than im2col + GEMM: conv2d, the forward pass of
// conv2dReLUMaxPool (the block of small CNNs), and the input and weight gradients of both.
// In conv2dReLUMaxPool each 2×2 output tile is exactly one pooling window, so tiles are pooled as
// they are transformed back and the full-size activation is never written. The input gradient
// dX = conv2d(dY, W′, padding: 1), with W′ the weights turned by 180° and their channels
// swapped, is another such convolution (without pool), so it needs no col2im. The weight
// gradient sums, over images and tiles, the 3×3 correlation of each 4×4 input window with dY's
// 2×2 tile there: F(3×3, 2×2), whose 16 products per band of tiles are [O, tiles]·[tiles, C].
//
// Per band of about 32 tiles (V and M then stay in the core's cache): V[ξ] = Bᵀ d B of every
// tile and channel, 16 products M[ξ] = U[ξ]·V[ξ], then y = Aᵀ M A (+ b), or relu(max over the
// tile of it + b). The input transform writes V[ξ] straight into the panel layout of
// CVectorMath's packed product, which runs the 16 small products (k = C) without the two copies
// per call that OpenBLAS's sgemm makes. In inference the transformed weights U are made once per
// weight and cached.
// Values differ from im2col + GEMM by rounding only (the transforms add; U also halves).
//
// Measured for the benchmark CNN (conv 3→32→64→128, 64×64 input): the 32→64 and 64→128 layers
// went from ~250 to ~175 and ~135 µs at batch 1 and from ~17 and ~16 to ~14 and ~10 ms at batch
// 64 in inference; in training (keeping the argmax) from ~17 and ~16 to ~15.5 and ~10–13 ms.
// conv2d alone, 32→64 and 64→128 channels: ~325 → ~240 and ~325 → ~213 µs at batch 1, ~21 → ~17
// and ~20 → ~13.5 ms at batch 64 (inference, 2 alternated runs each, minima).
// The input gradients made training 5–20% faster (5 alternated pairs of runs, each faster), the
// weight gradients another ~5% (4 pairs of 5 faster). With 3 input channels the products are
// too thin to pay for the transforms (~80 → ~140 µs at batch 1; the first layer's weight
// gradient was slower in 3 pairs of 5), hence at least 16.
import CVectorMath

extension Kernels {
    /// Whether `winogradReLUMaxPool` computes this conv2dReLUMaxPool: a 3×3 kernel, stride 1,
    /// padding 1, an even input size, 16 or more input channels and a 2×2 pool with stride 2.
    static func runsWinograd(_ g: WindowGeometry, _ pool: WindowGeometry) -> Bool {
        isEvenSameThreeByThree(g) && pool.isHalvingPool && g.channels >= 16
    }

    /// Whether `winogradInputGradient` computes this convolution's input gradient: the same
    /// geometry, with 16 or more outputs (the input channels of the gradient's convolution).
    static func runsWinogradInputGradient(_ g: WindowGeometry, outputs: Int) -> Bool {
        isEvenSameThreeByThree(g) && outputs >= 16
    }

    /// A 3×3 kernel, stride 1, padding 1 (the output as large as the input) and an even size.
    private static func isEvenSameThreeByThree(_ g: WindowGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.paddingY == 1 && g.paddingX == 1 && g.height % 2 == 0 && g.width % 2 == 0
    }

    /// y = relu(maxPool₂ₓ₂(conv2d(x, weight, padding: 1)) + b) for geometries where
    /// `runsWinograd` holds, and the pool's argmax offsets into the H × W product planes when
    /// `argmax` is not nil. x: [N, C, H, W], weight: [O, C, 3, 3], bias: [O] -> y and argmax into
    /// [N, O, H/2, W/2].
    static func winogradReLUMaxPool(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ g: WindowGeometry,
        into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?
    ) {
        // In training the weights change every step: transformed anew (O·C·~100 flops), not
        // cached.
        let u =
            argmax == nil
            ? winogradWeights.value(for: weight) { ($0.winogradTransformed, 16 &* $0.count / 9) }
            : weight.winogradTransformed
        let outputs = weight.shape[0]
        let (pooled, tilesPerRow) = (g.outputPlaneSize / 4, g.width / 2)
        let pb = bias.map { UnsafePointer($0.storage.base) }
        winogradBands(of: x, g, weights: u) { m, n, firstRow, count in
            let offset = n &* outputs &* pooled &+ firstRow &* tilesPerRow
            glimpse_winograd_output_pooled(
                m, outputs, count, pb, y + offset, pooled, argmax.map { $0 + offset },
                firstRow &* tilesPerRow, tilesPerRow)
        }
    }

    /// Whether `winogradConvolution` computes this conv2d: the same geometry, with 16 or more
    /// input channels.
    static func runsWinogradConvolution(_ g: WindowGeometry) -> Bool {
        isEvenSameThreeByThree(g) && g.channels >= 16
    }

    /// y = conv2d(x, weight, bias, padding: 1) for geometries where `runsWinogradConvolution`
    /// holds. x: [N, C, H, W], weight: [O, C, 3, 3], bias: [O] -> y: [N, O, H, W]
    static func winogradConvolution(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ g: WindowGeometry
    ) -> Tensor {
        // Weights that may change every step (while recording) are transformed anew.
        let u =
            GradientMode.isRecording
            ? weight.winogradTransformed
            : winogradWeights.value(for: weight) { ($0.winogradTransformed, 16 &* $0.count / 9) }
        let outputs = weight.shape[0]
        let pb = bias.map { UnsafePointer($0.storage.base) }
        return Tensor(shape: [g.batch, outputs, g.height, g.width]) { y in
            guard let py = y.baseAddress else { return }
            winogradBands(of: x, g, weights: u) { m, n, firstRow, count in
                glimpse_winograd_output(
                    m, outputs, count, pb, py + n &* outputs &* g.planeSize, g.planeSize,
                    firstRow, g.width / 2)
            }
        }
    }

    /// ∂x = conv2d(∂y, W′, padding: 1) for geometries where `runsWinogradInputGradient` holds,
    /// with W′[c, o, u, v] = W[o, c, 2 − u, 2 − v]: the weights turned by 180° and their
    /// channels swapped. dy: [N, O, H, W], weight: [O, C, 3, 3] -> dx: [N, C, H, W]
    static func winogradInputGradient(_ dy: Tensor, weight: Tensor, _ g: WindowGeometry) -> Tensor {
        let (outputs, channels) = (weight.shape[0], weight.shape[1])
        let turned = Tensor(shape: [channels, outputs, 3, 3]) { turned in
            let w = weight.storage.base
            for o in 0..<outputs {
                for c in 0..<channels {
                    let (from, to) = ((o &* channels &+ c) &* 9, (c &* outputs &+ o) &* 9)
                    for i in 0..<9 { turned[to &+ i] = w[from &+ 8 &- i] }
                }
            }
        }
        let gradient = WindowGeometry(
            "conv2d input gradient", input: dy.shape, kernel: (3, 3), stride: (1, 1),
            padding: (1, 1))
        return Tensor(shape: [g.batch, channels, g.height, g.width]) { dx in
            guard let pdx = dx.baseAddress else { return }
            winogradBands(of: dy, gradient, weights: turned.winogradTransformed) {
                m, n, firstRow, count in
                glimpse_winograd_output(
                    m, channels, count, nil, pdx + n &* channels &* g.planeSize, g.planeSize,
                    firstRow, g.width / 2)
            }
        }
    }

    /// Whether `winogradWeightGradient` computes this convolution's weight gradient: the same
    /// geometry, with 16 or more input channels and outputs.
    static func runsWinogradWeightGradient(_ g: WindowGeometry, outputs: Int) -> Bool {
        isEvenSameThreeByThree(g) && g.channels >= 16 && outputs >= 16
    }

    /// dW for geometries where `runsWinogradWeightGradient` holds, by Winograd's F(3×3, 2×2): per
    /// band of an image's tile rows, V[ξ] of the input's 4×4 windows (as in the forward pass) and
    /// Ĝ[ξ] of dY's 2×2 tiles, M[ξ] += Ĝ[ξ]·V[ξ]ᵀ (OpenBLAS, the band's tiles as the inner
    /// dimension), then dW = Aᵀ·M·A. Each chunk of images sums into its own M; they are added in chunk order.
    /// dy: [N, O, H, W], x: [N, C, H, W] -> dw: [O, C, 3, 3]
    static func winogradWeightGradient(_ dy: Tensor, x: Tensor, _ g: WindowGeometry) -> Tensor {
        let (outputs, channels) = (dy.shape[1], g.channels)
        let (tileRows, tilesPerRow) = (g.height / 2, g.width / 2)
        // Bands of about 256 tiles (an image of the benchmark CNN's second layer): the scratch
        // stays a few MB whatever the image size, and the products' inner dimension long.
        let bandRows = Swift.max(1, Swift.min(tileRows, 256 / tilesPerRow))
        let tiles = bandRows &* tilesPerRow
        let size = 16 &* outputs &* channels
        let chunks = Parallelism.chunkCount(of: g.batch)
        let sums = UnsafeMutablePointer<Float>.allocate(capacity: chunks &* size)
        defer { sums.deallocate() }
        let px = UnsafePointer(x.storage.base)
        let pdy = UnsafePointer(dy.storage.base)
        forEachImageChunk(g) { chunk, images, split in
            let m = sums + chunk &* size
            m.initialize(repeating: 0, count: size)
            let scratch = UnsafeMutablePointer<Float>.allocate(
                capacity: 16 &* (channels &+ outputs) &* tiles &+ (2 &* bandRows &+ 2)
                    &* (g.width &+ 18))
            defer { scratch.deallocate() }
            let (v, gradientTiles) = (scratch, scratch + 16 &* channels &* tiles)
            let rowScratch = gradientTiles + 16 &* outputs &* tiles
            for n in images {
                for first in stride(from: 0, to: tileRows, by: bandRows) {
                    let band = Swift.min(bandRows, tileRows &- first)
                    let count = band &* tilesPerRow
                    glimpse_winograd_input(
                        px + n &* channels &* g.planeSize, channels, g.height, g.width, first,
                        band, count, v, rowScratch)
                    glimpse_winograd_gradient_tiles(
                        pdy + n &* outputs &* g.planeSize, outputs, g.height, g.width, first,
                        band, gradientTiles)
                    for xi in 0..<16 {
                        sgemm(
                            transposeA: false, transposeB: true, m: outputs, n: channels,
                            k: count, gradientTiles + xi &* outputs &* count, lda: count,
                            v + xi &* channels &* count, ldb: count, beta: 1,
                            m + xi &* size / 16, ldc: channels, split: split)
                    }
                }
            }
        }
        for chunk in 1..<Swift.max(1, chunks) {
            let partial = sums + chunk &* size
            for i in 0..<size { sums[i] += partial[i] }
        }
        return Tensor(shape: [outputs, channels, 3, 3]) { dw in
            glimpse_winograd_weight_gradient(sums, outputs, channels, dw.baseAddress!)
        }
    }

    /// Runs F(2×2, 3×3) over x [N, C, H, W] (g's geometry) with transformed weights u
    /// [16, O, C], band by band of tile rows: V[ξ], then M[ξ] = U[ξ]·V[ξ], then
    /// `output(M, image, first tile row, tile count)` with M [16, O, count], on the thread that
    /// made it. Images split across threads, or the bands of a lone image.
    private static func winogradBands(
        of x: Tensor, _ g: WindowGeometry, weights u: Tensor,
        _ output: (UnsafePointer<Float>, Int, Int, Int) -> Void
    ) {
        let (outputs, tileRows, tilesPerRow) = (u.shape[1], g.height / 2, g.width / 2)
        let px = UnsafePointer(x.storage.base)
        let pu = UnsafePointer(u.storage.base)
        // Bands of about `bandTiles` tiles keep V and M (16·(C + O) floats per tile) in cache.
        let rowsPerBand = Swift.max(1, Swift.min(tileRows, bandTiles / tilesPerRow))
        func transform(images: Range<Int>, rows: Range<Int>, bandRows: Int) {
            let tiles = bandRows &* tilesPerRow
            let packedCount = glimpse_packed_count(g.channels, tiles)
            let scratch = UnsafeMutablePointer<Float>.allocate(
                capacity: 16 &* (packedCount &+ outputs &* tiles)
                    &+ (2 &* bandRows &+ 2) &* (g.width &+ 18))
            defer { scratch.deallocate() }
            let (v, m) = (scratch, scratch + 16 &* packedCount)
            let rowScratch = m + 16 &* outputs &* tiles
            for n in images {
                let image = px + n &* g.channels &* g.planeSize
                for first in stride(from: rows.lowerBound, to: rows.upperBound, by: bandRows) {
                    let band = Swift.min(bandRows, rows.upperBound &- first)
                    let count = band &* tilesPerRow
                    glimpse_winograd_input(
                        image, g.channels, g.height, g.width, first, band, 16, v, rowScratch)
                    let vStride = glimpse_packed_count(g.channels, count)
                    for xi in 0..<16 {
                        glimpse_packed_product(
                            pu + xi &* outputs &* g.channels, g.channels, v + xi &* vStride,
                            m + xi &* outputs &* count, count, outputs, count, g.channels, 0)
                    }
                    output(m, n, first, count)
                }
            }
        }
        forEachImageChunk(g) { images, split in
            guard split else {
                return transform(images: images, rows: 0..<tileRows, bandRows: rowsPerBand)
            }
            for n in images {  // one image: its bands across threads
                Parallelism.forEachChunk(of: tileRows) { _, rows in
                    transform(
                        images: n..<(n + 1), rows: rows,
                        bandRows: Swift.min(rows.count, rowsPerBand))
                }
            }
        }
    }

    /// Tiles per band: V and M of a band take 64·(C + O) bytes per tile.
    private static let bandTiles = 32

    /// U [16, O, C] of the 3×3 weights [O, C, 3, 3] of the most recent convolutions.
    private static let winogradWeights = WeightCache<Tensor>(capacity: 8, capacityFloats: 16 << 20)
}

extension Tensor {
    /// U = G·w·Gᵀ [16, O, C] of 3×3 weights w [O, C, 3, 3] (CVectorMath's winograd.c).
    fileprivate var winogradTransformed: Tensor {
        let (outputs, channels) = (shape[0], shape[1])
        return Tensor(shape: [16, outputs, channels]) { u in
            glimpse_winograd_weights(storage.base, outputs, channels, u.baseAddress!)
        }
    }
}
