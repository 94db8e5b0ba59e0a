// ConvReLUPool.swift — the block of small CNNs, maxPool(relu(conv2d(x) + b)), as one op.
//
// Adding a per-channel bias and ReLU are monotone (so is Float rounding), so they commute with
// taking a maximum: maxPool(relu(Z + b)) = relu(maxPool(Z) + b), with Z_n = W·cols_n the
// bias-free product (Convolution.swift). The values match conv2d's up to rounding, which may add
// the bias inside the product's sum instead of after it. Each image's Z_n goes to a per-thread
// scratch [O, P], is pooled plane by plane while still in cache, and only the pooled planes are
// written out, with bias and ReLU. The separate ops write and read the full-size activation three times
// (conv2d, relu, maxPool2d); this writes a quarter of it once, for 2×2 pools.
//
// A single image in inference (a batch-1 latency) is split into bands of output rows, whole 2×2
// pooling windows each: every thread builds its band's columns, multiplies and pools them. One
// hand-off per layer instead of two (product, then pool), and the columns are built in parallel
// (measured 11–18% faster for the benchmark CNN at batch 1). 3×3 "same" convolutions of 16 or
// more channels with 2×2 pools run Winograd's F(2×2, 3×3) instead (WinogradConvolution.swift),
// which also gives the pool's argmax for the backward pass.
//
// Gradients: ∂Z[argmax] = ∂y where y > 0 (0 elsewhere), the pool's and ReLU's pullbacks; from
// ∂Z, conv2d's own. ∂Z gets a graph node of its own, so it is computed once for all three
// inputs, but Z itself is never stored.

import CVectorMath

/// maxPool2d(relu(conv2d(x, weight, bias, stride, padding)), kernel: pool, stride: poolStride,
/// padding: poolPadding) as one op: the values (up to rounding) and gradients of the three ops,
/// without storing the full-size activation.
///
/// x: [N, C, H, W], weight: [O, C, KH, KW], bias: [O] -> y: [N, O, OH', OW'], where OH × OW is
/// conv2d's output size and OH' × OW' the pool's output size on it.
public func conv2dReLUMaxPool(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
    padding: (Int, Int) = (0, 0), pool: (Int, Int), poolStride: (Int, Int)? = nil,
    poolPadding: (Int, Int) = (0, 0)
) -> Tensor {
    let convolution = WindowGeometry.convolution(
        "conv2dReLUMaxPool", x, weight: weight, bias: bias, stride: stride, padding: padding)
    let productShape = [
        convolution.batch, weight.shape[0], convolution.outputHeight, convolution.outputWidth,
    ]
    let pooling = WindowGeometry.pooling(
        "conv2dReLUMaxPool", productShape, pool, poolStride ?? pool, poolPadding)
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    let recording = GradientMode.isRecording && inputs.contains { $0.requiresGradient }
    let (y, argmax) = Kernels.conv2dReLUMaxPool(
        x, weight: weight, bias: bias, convolution, pooling, keepingArgmax: recording)
    guard
        let product = node(
            ofShape: productShape, on: inputs,
            Kernels.conv2dPullback(x: x, weight: weight, convolution))
    else { return y }
    let pullback: Pullback = { dy in
        Kernels.maxPool2dGradient(Kernels.reluGradient(dy, y), argmax: argmax, pooling)
    }
    let node = GraphNode(shape: y.shape, parents: [product], pullbacks: [pullback])
    return Tensor(shape: y.shape, storage: y.storage, node: node)
}

extension Kernels {
    /// y_n = relu(maxPool(W·cols_n) + b) for each image, and with `keepingArgmax` the pool's
    /// argmax offsets into the product planes (else an empty array).
    /// x: [N, C, H, W], weight: [O, C, KH, KW], bias: [O] -> y: [N, O, OH', OW'],
    /// argmax: N·O·OH'·OW' offsets in 0..<OH·OW
    static func conv2dReLUMaxPool(
        _ x: Tensor, weight: Tensor, bias: Tensor?, _ g: WindowGeometry, _ pool: WindowGeometry,
        keepingArgmax: Bool
    ) -> (Tensor, [Int32]) {
        precondition(
            pool.planeSize <= Int(Int32.max), "conv2dReLUMaxPool: plane \(pool.planeSize) too large"
        )
        let (outputs, k, p) = (weight.shape[0], g.receptiveField, g.outputPlaneSize)
        let pooled = pool.outputPlaneSize
        let px = UnsafePointer(x.storage.base)
        let pw = UnsafePointer(weight.storage.base)
        let pb = bias.map { UnsafePointer($0.storage.base) }
        var argmax = [Int32](repeating: 0, count: keepingArgmax ? g.batch &* outputs &* pooled : 0)
        let y = Tensor(shape: [g.batch, outputs, pool.outputHeight, pool.outputWidth]) { y in
            argmax.withUnsafeMutableBufferPointer { argmax in
                guard let py = y.baseAddress else { return }
                if runsWinograd(g, pool) {
                    return winogradReLUMaxPool(
                        x, weight: weight, bias: bias, g, into: py,
                        argmax: keepingArgmax ? argmax.baseAddress : nil)
                }
                forEachImageChunk(g) { images, split in
                    if split && !keepingArgmax && pool.isHalvingPool && !isPointwise(g) {
                        for n in images {
                            pooledBands(
                                image: px + n &* g.channels &* g.planeSize, weight: pw, bias: pb,
                                g, pool, into: py + n &* outputs &* pooled)
                        }
                        return
                    }
                    // Per thread: the image's columns [K, P] and its product [O, P].
                    let scratch = UnsafeMutablePointer<Float>.allocate(
                        capacity: k &* p &+ outputs &* p)
                    defer { scratch.deallocate() }
                    let product = scratch + k &* p
                    for n in images {
                        let columns = im2col(px + n &* g.channels &* g.planeSize, g, into: scratch)
                        sgemm(
                            transposeA: false, transposeB: false, m: outputs, n: p, k: k, pw,
                            lda: k, columns, ldb: p, product, ldc: p, split: split)
                        let yn = py + n &* outputs &* pooled
                        let an = keepingArgmax ? argmax.baseAddress! + n &* outputs &* pooled : nil
                        func poolPlanes(_ planes: Range<Int>) {
                            for o in planes {
                                let plane = yn + o &* pooled
                                maxPool(
                                    plane: product + o &* p, pool, into: plane,
                                    argmax: an.map { $0 + o &* pooled })
                                let b = pb?[o] ?? 0
                                for i in 0..<pooled { plane[i] = Swift.max(plane[i] + b, 0) }
                            }
                        }
                        if split {
                            Parallelism.forEachChunk(of: outputs, minimumChunk: 8) {
                                poolPlanes($1)
                            }
                        } else {
                            poolPlanes(0..<outputs)
                        }
                    }
                }
            }
        }
        return (y, argmax)
    }

    /// One image's y = relu(maxPool₂ₓ₂(W·cols) + b), its pooled rows split across threads: each
    /// thread builds the columns of its band of output rows (whole pooling windows), multiplies
    /// and pools them, so one hand-off serves the layer and the columns are built in parallel.
    /// x: [C, H, W], weight: [O, K], bias: [O] -> y: [O, OH', OW']
    private static func pooledBands(
        image x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
        bias: UnsafePointer<Float>?, _ g: WindowGeometry, _ pool: WindowGeometry,
        into y: UnsafeMutablePointer<Float>
    ) {
        let (outputs, k, width) = (pool.channels, g.receptiveField, g.outputWidth)
        let (pooledWidth, pooled) = (pool.outputWidth, pool.outputPlaneSize)
        Parallelism.forEachChunk(of: pool.outputHeight) { _, pooledRows in
            let band = (2 &* pooledRows.lowerBound)..<(2 &* pooledRows.upperBound)
            let p = band.count &* width
            let scratch = UnsafeMutablePointer<Float>.allocate(capacity: (k &+ outputs) &* p)
            defer { scratch.deallocate() }
            let product = scratch + k &* p
            im2col(x, g, outputRows: band, into: scratch)
            sgemm(
                transposeA: false, transposeB: false, m: outputs, n: p, k: k, weight, lda: k,
                scratch, ldb: p, product, ldc: p, split: false)
            for o in 0..<outputs {
                let plane = y + (o &* pooled &+ pooledRows.lowerBound &* pooledWidth)
                glimpse_max_pool_2x2(product + o &* p, band.count, width, plane, nil)
                let b = bias?[o] ?? 0
                for i in 0..<(pooledRows.count &* pooledWidth) {
                    plane[i] = Swift.max(plane[i] + b, 0)
                }
            }
        }
    }
}
