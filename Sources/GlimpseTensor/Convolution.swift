// Convolution.swift — 2-D convolution over NCHW tensors (PyTorch's conv2d, dilation 1, groups 1)
// by im2col and one matrix product per image.
//
// N = batch, C = input channels, H×W = input size, O = output channels, KH×KW = kernel,
// (sh, sw) = stride, (ph, pw) = zero padding, OH = ⌊(H + 2ph − KH)/sh⌋ + 1 (OW likewise),
// K = C·KH·KW (one receptive field), P = OH·OW (output locations of one image).
//
//   y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·sh + u − ph, j·sw + v − pw]  (x = 0 outside)
//
// im2col copies each receptive field of image n into a column, cols[(c,u,v), (i,j)], so that
//   forward:  Y_n = W·cols_n                 W: [O, K], cols_n: [K, P] -> Y_n: [O, P]
//   backward: dW  = Σ_n dY_n·cols_nᵀ          [O, K]
//             dX_n = col2im(Wᵀ·dY_n)          col2im adds each column back where it was read
//             db  = Σ_{n,i,j} dY             [O]
// Working image by image keeps the [K, P] column buffer in cache and writes Y_n in NCHW order
// directly (one GEMM over the whole batch would need the result permuted, costing more than it
// saves at these sizes); the backward pass recomputes cols_n instead of keeping N of them alive.
// Chunks of the batch run on separate threads (Parallelism.swift); a batch of one image splits
// its products instead. 3×3 "same" convolutions (with 16 or more channels) and their gradients
// run by Winograd's minimal filtering instead (WinogradConvolution.swift): dX is itself such a
// convolution of dY, and dW a sum of correlations of the input's 4×4 windows with dY's 2×2 tiles.

import COpenBLAS

/// The sliding-window arithmetic shared by convolution and pooling over [N, C, H, W] tensors.
struct WindowGeometry {
    let batch, channels, height, width: Int  // N, C, H, W
    let kernelHeight, kernelWidth: Int  // KH, KW
    let strideY, strideX: Int  // sh, sw
    let paddingY, paddingX: Int  // ph, pw
    let outputHeight, outputWidth: Int  // OH, OW

    /// Checks the arguments of `operation` on input `shape` and derives the output size.
    init(
        _ operation: String, input shape: [Int], kernel: (Int, Int), stride: (Int, Int),
        padding: (Int, Int)
    ) {
        precondition(shape.count == 4, "\(operation) needs an [N, C, H, W] input, got \(shape)")
        precondition(
            kernel.0 > 0 && kernel.1 > 0 && stride.0 > 0 && stride.1 > 0 && padding.0 >= 0
                && padding.1 >= 0,
            "\(operation): kernel \(kernel) and stride \(stride) must be positive, padding "
                + "\(padding) non-negative")
        (batch, channels, height, width) = (shape[0], shape[1], shape[2], shape[3])
        (kernelHeight, kernelWidth) = kernel
        (strideY, strideX) = stride
        (paddingY, paddingX) = padding
        precondition(
            height + 2 * paddingY >= kernelHeight && width + 2 * paddingX >= kernelWidth,
            "\(operation): kernel \(kernel) larger than the padded input (input \(shape), "
                + "padding \(padding))")
        outputHeight = (height + 2 * paddingY - kernelHeight) / strideY + 1
        outputWidth = (width + 2 * paddingX - kernelWidth) / strideX + 1
    }

    /// The geometry of `operation`'s convolution of x: [N, C, H, W] by weight: [O, C, KH, KW],
    /// after checking the shapes (and bias: [O]).
    static func convolution(
        _ operation: String, _ x: Tensor, weight: Tensor, bias: Tensor?, stride: (Int, Int),
        padding: (Int, Int)
    ) -> WindowGeometry {
        precondition(
            weight.rank == 4 && x.rank == 4 && weight.shape[1] == x.shape[1]
                && !weight.shape.contains(0),
            "\(operation) needs x [N, C, H, W] and weight [O, C, KH, KW] with equal C, got x "
                + "\(x.shape), weight \(weight.shape)")
        let outputs = weight.shape[0]
        precondition(
            bias == nil || bias!.shape == [outputs],
            "\(operation) bias must be [\(outputs)] for weight \(weight.shape), got "
                + "\(bias!.shape)")
        return WindowGeometry(
            operation, input: x.shape, kernel: (weight.shape[2], weight.shape[3]), stride: stride,
            padding: padding)
    }

    var planeSize: Int { height &* width }  // H·W
    var outputPlaneSize: Int { outputHeight &* outputWidth }  // P = OH·OW
    var receptiveField: Int { channels &* kernelHeight &* kernelWidth }  // K = C·KH·KW

    /// The output locations j (along one axis of extent `outputs`) whose input coordinate
    /// j·stride + offset falls inside 0..<extent; the others read padding.
    @inline(__always)
    static func validRange(outputs: Int, stride: Int, offset: Int, extent: Int) -> Range<Int> {
        // j·stride + offset ≥ 0  ⇔  j ≥ ⌈−offset/stride⌉;  j·stride + offset < extent.
        let low = offset >= 0 ? 0 : (stride &- 1 &- offset) / stride
        let lastInside = extent &- 1 &- offset
        let high = lastInside < 0 ? 0 : Swift.min(outputs, lastInside / stride &+ 1)
        return low..<Swift.max(low, high)
    }
}

/// 2-D convolution (cross-correlation, as PyTorch's `conv2d`) with zero padding.
///
/// y[n,o,i,j] = b[o] + Σ_{c,u,v} w[o,c,u,v] · x[n, c, i·sh + u − ph, j·sw + v − pw],
/// reading 0 outside the input.
///
/// x: [N, C, H, W], weight: [O, C, KH, KW], bias: [O] -> y: [N, O, OH, OW] with
/// OH = ⌊(H + 2·ph − KH)/sh⌋ + 1 and OW = ⌊(W + 2·pw − KW)/sw⌋ + 1.
/// Gradients: ∂w = Σₙ ∂Yₙ·colsₙᵀ, ∂x = col2im(Wᵀ·∂Yₙ), ∂b = Σ_{n,i,j} ∂y.
public func conv2d(
    _ x: Tensor, weight: Tensor, bias: Tensor? = nil, stride: (Int, Int) = (1, 1),
    padding: (Int, Int) = (0, 0)
) -> Tensor {
    let geometry = WindowGeometry.convolution(
        "conv2d", x, weight: weight, bias: bias, stride: stride, padding: padding)
    let y = Kernels.conv2d(x, weight: weight, bias: bias, geometry)  // [N, O, OH, OW]
    let inputs = bias.map { [x, weight, $0] } ?? [x, weight]
    return record(y, inputs, Kernels.conv2dPullback(x: x, weight: weight, geometry))
}

extension Kernels {
    /// ∂x, ∂weight and ∂bias (inputs 0, 1 and 2 of conv2d) from ∂y.
    static func conv2dPullback(
        x: Tensor, weight: Tensor, _ g: WindowGeometry
    ) -> @Sendable (Tensor, Int) -> Tensor {
        { dy, index in
            switch index {
            case 0: conv2dInputGradient(dy, weight: weight, g)  // [N, C, H, W]
            case 1: conv2dWeightGradient(dy, x: x, g)  // [O, C, KH, KW]
            default: conv2dBiasGradient(dy)  // [O]
            }
        }
    }

    /// Y_n = W·cols_n + b for each image, or Winograd's convolution where
    /// `runsWinogradConvolution` holds.
    /// x: [N, C, H, W], weight: [O, C, KH, KW], bias: [O] -> y: [N, O, OH, OW]
    static func conv2d(_ x: Tensor, weight: Tensor, bias: Tensor?, _ g: WindowGeometry) -> Tensor {
        if runsWinogradConvolution(g) {
            return winogradConvolution(x, weight: weight, bias: bias, g)
        }
        let (outputs, k, p) = (weight.shape[0], g.receptiveField, g.outputPlaneSize)
        let px = UnsafePointer(x.storage.base)
        let pw = UnsafePointer(weight.storage.base)
        let pb = bias.map { UnsafePointer($0.storage.base) }
        return Tensor(shape: [g.batch, outputs, g.outputHeight, g.outputWidth]) { y in
            guard let py = y.baseAddress else { return }
            forEachImageChunk(g) { images, split in
                withColumns(g) { cols in
                    for n in images {
                        let columns = im2col(px + n &* g.channels &* g.planeSize, g, into: cols)
                        let yn = py + n &* outputs &* p  // [O, P]
                        if let pb {
                            for o in 0..<outputs {
                                (yn + o &* p).initialize(repeating: pb[o], count: p)
                            }
                        }
                        sgemm(
                            transposeA: false, transposeB: false, m: outputs, n: p, k: k, pw,
                            lda: k, columns, ldb: p, beta: pb == nil ? 0 : 1, yn, ldc: p,
                            split: split)
                    }
                }
            }
        }
    }

    /// dX_n = col2im(Wᵀ·dY_n), or Winograd's convolution of dY where `runsWinogradInputGradient`
    /// holds.   dy: [N, O, OH, OW], weight: [O, C, KH, KW] -> dx: [N, C, H, W]
    static func conv2dInputGradient(_ dy: Tensor, weight: Tensor, _ g: WindowGeometry) -> Tensor {
        if runsWinogradInputGradient(g, outputs: weight.shape[0]) {
            return winogradInputGradient(dy, weight: weight, g)
        }
        let (outputs, k, p) = (weight.shape[0], g.receptiveField, g.outputPlaneSize)
        let pdy = UnsafePointer(dy.storage.base)
        let pw = UnsafePointer(weight.storage.base)
        let imageSize = g.channels &* g.planeSize
        return Tensor(shape: [g.batch, g.channels, g.height, g.width]) { dx in
            guard let pdx = dx.baseAddress else { return }
            forEachImageChunk(g) { images, split in
                withColumns(g) { dcols in  // [K, P]
                    for n in images {
                        sgemm(
                            transposeA: true, transposeB: false, m: k, n: p, k: outputs, pw,
                            lda: k, pdy + n &* outputs &* p, ldb: p, dcols, ldc: p, split: split)
                        // Zeroing image by image keeps it in cache for col2im.
                        (pdx + n &* imageSize).initialize(repeating: 0, count: imageSize)
                        col2im(dcols, g, addingInto: pdx + n &* imageSize)
                    }
                }
            }
        }
    }

    /// dW = Σ_n dY_n·cols_nᵀ, or by Winograd where `runsWinogradWeightGradient` holds.
    /// dy: [N, O, OH, OW], x: [N, C, H, W] -> dw: [O, C, KH, KW]
    static func conv2dWeightGradient(_ dy: Tensor, x: Tensor, _ g: WindowGeometry) -> Tensor {
        if runsWinogradWeightGradient(g, outputs: dy.shape[1]) {
            return winogradWeightGradient(dy, x: x, g)
        }
        let (outputs, k, p) = (dy.shape[1], g.receptiveField, g.outputPlaneSize)
        let pdy = UnsafePointer(dy.storage.base)
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: [outputs, g.channels, g.kernelHeight, g.kernelWidth]) { dw in
            guard let pdw = dw.baseAddress else { return }
            // Each chunk of images sums into its own [O, K] buffer (chunk 0 into dw); the
            // buffers are added at the end, so the result depends only on the chunk count.
            let chunks = Parallelism.chunkCount(of: g.batch)
            let size = outputs &* k
            let partials = UnsafeMutablePointer<Float>.allocate(capacity: (chunks &- 1) &* size)
            defer { partials.deallocate() }
            forEachImageChunk(g) { chunk, images, split in
                let sum = chunk == 0 ? pdw : partials + (chunk &- 1) &* size
                sum.initialize(repeating: 0, count: size)
                withColumns(g) { cols in
                    for n in images {
                        let columns = im2col(px + n &* g.channels &* g.planeSize, g, into: cols)
                        sgemm(
                            transposeA: false, transposeB: true, m: outputs, n: k, k: p,
                            pdy + n &* outputs &* p, lda: p, columns, ldb: p, beta: 1, sum,
                            ldc: k, split: split)
                    }
                }
            }
            for chunk in 1..<Swift.max(1, chunks) {
                let partial = partials + (chunk &- 1) &* size
                for index in 0..<size { pdw[index] += partial[index] }
            }
        }
    }

    /// db[o] = Σ_{n,p} dy[n, o, p], as one matrix–vector product per image.
    /// dy: [N, O, OH, OW] -> db: [O]
    static func conv2dBiasGradient(_ dy: Tensor) -> Tensor {
        let (batch, outputs) = (dy.shape[0], dy.shape[1])
        let p = dy.shape[2] &* dy.shape[3]
        let pdy = UnsafePointer(dy.storage.base)
        return Tensor(shape: [outputs]) { db in
            guard let pdb = db.baseAddress else { return }
            pdb.initialize(repeating: 0, count: outputs)
            let ones = [Float](repeating: 1, count: p)
            for n in 0..<batch {
                cblas_sgemv(
                    CblasRowMajor, CblasNoTrans, blasint(outputs), blasint(p), 1,
                    pdy + n &* outputs &* p, blasint(p), ones, 1, 1, pdb, 1)
            }
        }
    }

    /// Calls `body(images, split)` on chunks of the batch, one per thread. `split` tells whether
    /// the chunk is the whole batch on one thread, so its products may use the threads instead.
    static func forEachImageChunk(
        _ g: WindowGeometry, _ body: (Range<Int>, Bool) -> Void
    ) {
        forEachImageChunk(g) { _, images, split in body(images, split) }
    }

    /// `forEachImageChunk` that also passes the chunk's index (0..<chunkCount).
    static func forEachImageChunk(
        _ g: WindowGeometry, _ body: (Int, Range<Int>, Bool) -> Void
    ) {
        Parallelism.forEachChunk(of: g.batch) { chunk, images in
            body(chunk, images, images.count == g.batch)
        }
    }

    /// Calls `body` with a scratch buffer for one image's columns, [K, P].
    private static func withColumns(
        _ g: WindowGeometry, _ body: (UnsafeMutablePointer<Float>) -> Void
    ) {
        let cols = UnsafeMutablePointer<Float>.allocate(
            capacity: g.receptiveField &* g.outputPlaneSize)
        defer { cols.deallocate() }
        body(cols)
    }

    /// True when cols_n is image n itself: a 1×1 kernel with stride 1 and no padding.
    static func isPointwise(_ g: WindowGeometry) -> Bool {
        g.kernelHeight == 1 && g.kernelWidth == 1 && g.strideY == 1 && g.strideX == 1
            && g.paddingY == 0 && g.paddingX == 0
    }

    /// Whether each row of cols lines up with the image rows: stride 1 and OW = W (the "same"
    /// padding of odd kernels). Then the valid part of a cols row (c, u, v) is one contiguous run
    /// of the plane, shifted by δ = (u − ph)·W + (v − pw), except for the few columns that read
    /// padding, which are fixed up afterwards.
    private static func isRowAligned(_ g: WindowGeometry) -> Bool {
        g.strideY == 1 && g.strideX == 1 && g.outputWidth == g.width
    }

    /// cols[(c·KH + u)·KW + v, i·OW + j] = x[c, i·sh + u − ph, j·sw + v − pw], 0 outside.
    /// x: one image [C, H, W] -> cols: [K, P]. Returns `cols`, or `x` itself when the
    /// convolution is pointwise (cols would equal x).
    static func im2col(
        _ x: UnsafePointer<Float>, _ g: WindowGeometry, into cols: UnsafeMutablePointer<Float>
    ) -> UnsafePointer<Float> {
        if isPointwise(g) { return x }
        im2col(x, g, outputRows: 0..<g.outputHeight, into: cols)
        return UnsafePointer(cols)
    }

    /// The columns of output rows `band` only: cols[(c·KH + u)·KW + v, (i − i₀)·OW + j] for i in
    /// `band` = i₀..<i₁.   x: one image [C, H, W] -> cols: [K, (i₁ − i₀)·OW]
    static func im2col(
        _ x: UnsafePointer<Float>, _ g: WindowGeometry, outputRows band: Range<Int>,
        into cols: UnsafeMutablePointer<Float>
    ) {
        let (width, outputWidth, strideX) = (g.width, g.outputWidth, g.strideX)
        let p = band.count &* outputWidth
        let aligned = isRowAligned(g)
        var out = cols  // [i₁ − i₀, OW] block of row (c, u, v)
        for c in 0..<g.channels {
            let plane = x + c &* g.planeSize
            for u in 0..<g.kernelHeight {
                let valid = WindowGeometry.validRange(
                    outputs: g.outputHeight, stride: g.strideY, offset: u &- g.paddingY,
                    extent: g.height)
                let rows = valid.clamped(to: band)
                for v in 0..<g.kernelWidth {
                    defer { out += p }
                    let offset = v &- g.paddingX
                    let columns = WindowGeometry.validRange(
                        outputs: outputWidth, stride: strideX, offset: offset, extent: width)
                    let (low, high) = (columns.lowerBound, columns.upperBound)
                    if rows.isEmpty || columns.isEmpty {
                        out.update(repeating: 0, count: p)
                        continue
                    }
                    if aligned {
                        // Offsets in the block; block offset q reads plane[q + i₀·W + δ].
                        let first = (rows.lowerBound &- band.lowerBound) &* width &+ low
                        let last = (rows.upperBound &- 1 &- band.lowerBound) &* width &+ high
                        let shift = (band.lowerBound &+ u &- g.paddingY) &* width &+ offset
                        out.update(repeating: 0, count: first)
                        (out + first).update(from: plane + (first &+ shift), count: last &- first)
                        (out + last).update(repeating: 0, count: p &- last)
                        // The run wrapped across row ends: clear the columns that read padding.
                        if low > 0 || high < outputWidth {
                            for i in rows {
                                let line = out + (i &- band.lowerBound) &* outputWidth
                                for j in 0..<low { line[j] = 0 }
                                for j in high..<outputWidth { line[j] = 0 }
                            }
                        }
                        continue
                    }
                    // Rows are short (OW floats): plain loops beat memcpy/memset calls here.
                    for i in band {
                        let line = out + (i &- band.lowerBound) &* outputWidth  // [OW]
                        guard rows.contains(i) else {
                            for j in 0..<outputWidth { line[j] = 0 }
                            continue
                        }
                        let inputRow: Int = i &* g.strideY &+ u &- g.paddingY
                        let source = plane + (inputRow &* width &+ offset)
                        for j in 0..<low { line[j] = 0 }
                        if strideX == 1 {
                            for j in low..<high { line[j] = source[j] }
                        } else {
                            for j in low..<high { line[j] = source[j &* strideX] }
                        }
                        for j in high..<outputWidth { line[j] = 0 }
                    }
                }
            }
        }
    }

    /// The adjoint of `im2col`: dx[c, i·sh + u − ph, j·sw + v − pw] += dcols[(c,u,v), (i,j)]
    /// for the positions inside the image.   dcols: [K, P] -> dx: one image [C, H, W]
    /// `dcols` is scratch: entries that map to padding may be overwritten with 0.
    static func col2im(
        _ dcols: UnsafeMutablePointer<Float>, _ g: WindowGeometry,
        addingInto dx: UnsafeMutablePointer<Float>
    ) {
        let (width, outputWidth, strideX, p) = (
            g.width, g.outputWidth, g.strideX, g.outputPlaneSize
        )
        let aligned = isRowAligned(g)
        var source = dcols  // [OH, OW] block of row (c, u, v)
        for c in 0..<g.channels {
            let plane = dx + c &* g.planeSize
            for u in 0..<g.kernelHeight {
                let rows = WindowGeometry.validRange(
                    outputs: g.outputHeight, stride: g.strideY, offset: u &- g.paddingY,
                    extent: g.height)
                for v in 0..<g.kernelWidth {
                    defer { source += p }
                    let offset = v &- g.paddingX
                    let columns = WindowGeometry.validRange(
                        outputs: outputWidth, stride: strideX, offset: offset, extent: width)
                    if rows.isEmpty || columns.isEmpty { continue }
                    let (low, high) = (columns.lowerBound, columns.upperBound)
                    if aligned {
                        // Zero the entries that read padding, then add one contiguous run: the
                        // zeros land on in-image neighbours and change nothing.
                        if low > 0 || high < outputWidth {
                            for i in rows {
                                let line = source + i &* outputWidth
                                for j in 0..<low { line[j] = 0 }
                                for j in high..<outputWidth { line[j] = 0 }
                            }
                        }
                        let first = rows.lowerBound &* width &+ low
                        let last = (rows.upperBound &- 1) &* width &+ high
                        let target = plane + ((u &- g.paddingY) &* width &+ offset)  // + δ
                        for q in first..<last { target[q] += source[q] }
                        continue
                    }
                    for i in rows {
                        let line = source + i &* outputWidth  // [OW]
                        let inputRow: Int = i &* g.strideY &+ u &- g.paddingY
                        let target = plane + (inputRow &* width &+ offset)
                        if strideX == 1 {
                            for j in columns { target[j] += line[j] }
                        } else {
                            for j in columns { target[j &* strideX] += line[j] }
                        }
                    }
                }
            }
        }
    }
}
