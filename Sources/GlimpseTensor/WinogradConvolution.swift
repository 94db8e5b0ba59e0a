// WinogradConvolution.swift — conv2dReLUMaxPool's forward pass for 3×3 "same" convolutions
// followed by a 2×2 max pool, the blocks of small CNNs: Winograd's F(2×2, 3×3) (CVectorMath's
// winograd.c) multiplies 2.25× less than im2col + GEMM. Each 2×2 output tile is exactly one
// pooling window, so tiles are pooled as they are transformed back and the full-size activation
// is never written.
//
// Per band of about 32 tiles (V and M then stay in the core's cache): V[ξ] = Bᵀ d B of every
// tile and channel, 16 products M[ξ] = U[ξ]·V[ξ], then y = relu(max over the tile of Aᵀ M A + b).
// The input transform writes V[ξ] straight into the panel layout of CVectorMath's packed
// product, which runs the 16 small products (k = C) without the two copies per call that
// OpenBLAS's sgemm makes. The transformed weights U are made once per weight and cached.
// Values differ from im2col + GEMM by rounding only (the transforms add; U also halves).
//
// Measured for the benchmark CNN (conv 3→32→64→128, 64×64 input): the 32→64 and 64→128 layers
// went from ~250 to ~175 and ~135 µs at batch 1 and from ~17 and ~16 to ~14 and ~10 ms at batch
// 64 in inference; in training (keeping the argmax) from ~17 and ~16 to ~15.5 and ~10–13 ms.
// With 3 input channels the products are too thin to pay for the transforms (~80 → ~140 µs),
// hence at least 16. The backward pass stays im2col + GEMM (Convolution.swift).
import CVectorMath

extension Kernels {
    /// Whether `winogradReLUMaxPool` computes this conv2dReLUMaxPool: a 3×3 kernel, stride 1,
    /// padding 1, an even input size, 16 or more input channels and a 2×2 pool with stride 2.
    static func runsWinograd(_ g: WindowGeometry, _ pool: WindowGeometry) -> Bool {
        g.kernelHeight == 3 && g.kernelWidth == 3 && g.strideY == 1 && g.strideX == 1
            && g.paddingY == 1 && g.paddingX == 1 && g.height % 2 == 0 && g.width % 2 == 0
            && pool.isHalvingPool && g.channels >= 16
    }

    /// y = relu(maxPool₂ₓ₂(conv2d(x, weight, padding: 1)) + b) for geometries where
    /// `runsWinograd` holds, and the pool's argmax offsets into the H × W product planes when
    /// `argmax` is not nil. x: [N, C, H, W], weight: [O, C, 3, 3], bias: [O] -> y and argmax into
    /// [N, O, H/2, W/2].
    static func winogradReLUMaxPool(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ g: WindowGeometry,
        into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>?
    ) {
        func transformed(_ weight: Tensor) -> (value: Tensor, floats: Int) {
            let (outputs, channels) = (weight.shape[0], weight.shape[1])
            let u = Tensor(shape: [16, outputs, channels]) { u in
                glimpse_winograd_weights(weight.storage.base, outputs, channels, u.baseAddress!)
            }
            return (u, u.count)
        }
        // In training the weights change every step: transformed anew (O·C·~100 flops), not
        // cached.
        let u =
            argmax == nil
            ? winogradWeights.value(for: weight, derive: transformed) : transformed(weight).value
        let (outputs, tileRows, tilesPerRow) = (weight.shape[0], g.height / 2, g.width / 2)
        let pooled = tileRows &* tilesPerRow
        let px = UnsafePointer(x.storage.base)
        let pu = UnsafePointer(u.storage.base)
        let pb = bias.map { UnsafePointer($0.storage.base) }
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
                        image, g.channels, g.height, g.width, first, band, v, rowScratch)
                    let vStride = glimpse_packed_count(g.channels, count)
                    for xi in 0..<16 {
                        glimpse_packed_product(
                            pu + xi &* outputs &* g.channels, g.channels, v + xi &* vStride,
                            m + xi &* outputs &* count, count, outputs, count, g.channels, 0)
                    }
                    let offset = n &* outputs &* pooled &+ first &* tilesPerRow
                    glimpse_winograd_output_pooled(
                        m, outputs, count, pb, y + offset, pooled, argmax.map { $0 + offset },
                        first &* tilesPerRow, tilesPerRow)
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
