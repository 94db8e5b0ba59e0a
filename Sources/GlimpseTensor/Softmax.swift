// Softmax.swift — softmax and log-softmax along an axis, numerically stable.
//
// With m = maxₖ xₖ over the axis, softmax(x)ᵢ = e^(xᵢ−m) / Σₖ e^(xₖ−m) and
// logSoftmax(x)ᵢ = xᵢ − m − ln Σₖ e^(xₖ−m): subtracting m keeps every exponent ≤ 0, so nothing
// overflows and the sum is at least 1. Pullbacks (Σ along the same axis):
//   softmax:     ∂xᵢ = yᵢ·(∂yᵢ − Σₖ ∂yₖ·yₖ)
//   logSoftmax:  ∂xᵢ = ∂yᵢ − e^(yᵢ)·Σₖ ∂yₖ

import CVectorMath
import Foundation

/// softmax(x)ᵢ = e^(xᵢ) / Σₖ e^(xₖ) along `axis` (negative counts from the end): each slice along
/// the axis becomes a probability distribution.
public func softmax(_ x: Tensor, axis: Int) -> Tensor {
    let axis = x.normalizedAxis(axis)
    let y = Kernels.softmax(x, axis: axis, logarithm: false)
    return record(y, x) { dy in
        y * (dy - (dy * y).sum(alongAxis: axis, keepDims: true))
    }
}

/// logSoftmax(x)ᵢ = xᵢ − ln Σₖ e^(xₖ) along `axis`, computed without forming the softmax (exact
/// for very negative log-probabilities, unlike log(softmax(x))).
public func logSoftmax(_ x: Tensor, axis: Int) -> Tensor {
    let axis = x.normalizedAxis(axis)
    let y = Kernels.softmax(x, axis: axis, logarithm: true)
    return record(y, x) { dy in
        dy - exp(y) * dy.sum(alongAxis: axis, keepDims: true)
    }
}

extension Kernels {
    /// Softmax (or log-softmax when `logarithm` is set) of each slice of `x` along `axis`.
    static func softmax(_ x: Tensor, axis: Int, logarithm: Bool) -> Tensor {
        let (outer, n, inner) = x.extentsAround(axis: axis)
        let px = UnsafePointer(x.storage.base)
        if inner == 1 { return contiguousSoftmax(x, rows: outer, n, logarithm: logarithm) }
        return Tensor(shape: x.shape) { y in
            for o in 0..<outer {
                for i in 0..<inner {
                    // Slice elements are at base + k·inner, k in 0..<n.
                    let base = o &* n &* inner &+ i
                    var maximum = -Float.infinity
                    for k in 0..<n { maximum = Swift.max(maximum, px[base &+ k &* inner]) }
                    var total: Float = 0
                    for k in 0..<n {
                        let e = exp(px[base &+ k &* inner] - maximum)
                        y[base &+ k &* inner] = e
                        total += e
                    }
                    if logarithm {
                        let shift = maximum + log(total)
                        for k in 0..<n { y[base &+ k &* inner] = px[base &+ k &* inner] - shift }
                    } else {
                        let scale = 1 / total
                        for k in 0..<n { y[base &+ k &* inner] *= scale }
                    }
                }
            }
        }
    }

    /// `softmax` along the last axis, [rows, n] contiguous: the exponentials of a row in one
    /// vectorised pass (CVectorMath), rows split across threads for large tensors.
    private static func contiguousSoftmax(_ x: Tensor, rows: Int, _ n: Int, logarithm: Bool)
        -> Tensor
    {
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: x.shape) { y in
            guard let py = y.baseAddress else { return }
            let minimum = Swift.max(1, transcendentalChunk / Swift.max(1, n))
            Parallelism.forEachChunk(of: rows, minimumChunk: minimum) { _, chunk in
                for o in chunk {
                    let (row, out) = (px + o &* n, py + o &* n)
                    var maximum = -Float.infinity
                    for k in 0..<n { maximum = Swift.max(maximum, row[k]) }
                    for k in 0..<n { out[k] = row[k] - maximum }
                    glimpse_exp(out, out, n)
                    let total = rowSum(out, count: n)
                    if logarithm {
                        let shift = maximum + log(total)
                        for k in 0..<n { out[k] = row[k] - shift }
                    } else {
                        let scale = 1 / total
                        for k in 0..<n { out[k] *= scale }
                    }
                }
            }
        }
    }
}
