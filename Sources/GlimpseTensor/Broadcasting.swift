// Broadcasting.swift — numpy broadcasting rules and the strided kernels behind them.
//
// Two shapes broadcast when, aligned at their last axes, each pair of extents is equal or one of
// them is 1 (a missing leading axis counts as 1). The result takes the larger extent; an input
// is read with stride 0 along the axes it is broadcast over. The gradient of a broadcast input is
// the upstream gradient summed over those axes (`Kernels.sum(_:toShape:)`).

/// Namespace of the functions that touch raw tensor memory or call BLAS. Ops elsewhere are
/// written in terms of these and of other ops.
enum Kernels {}

/// The shape `a` and `b` broadcast to.
func broadcastShape(_ a: [Int], _ b: [Int]) -> [Int] {
    let rank = max(a.count, b.count)
    var result = [Int](repeating: 1, count: rank)
    for axis in 0..<rank {
        let extentA = axis < rank - a.count ? 1 : a[axis - (rank - a.count)]
        let extentB = axis < rank - b.count ? 1 : b[axis - (rank - b.count)]
        precondition(
            extentA == extentB || extentA == 1 || extentB == 1,
            "shapes \(a) and \(b) do not broadcast")
        result[axis] = extentA == 1 ? extentB : extentA
    }
    return result
}

/// Strides that read a tensor of `shape` as if broadcast to `target`: 0 along broadcast axes.
func broadcastStrides(of shape: [Int], to target: [Int]) -> [Int] {
    precondition(shape.count <= target.count, "cannot broadcast \(shape) to \(target)")
    let strides = Tensor.strides(of: shape)
    let offset = target.count - shape.count
    return target.indices.map { axis in
        guard axis >= offset else { return 0 }
        let extent = shape[axis - offset]
        precondition(
            extent == target[axis] || extent == 1, "cannot broadcast \(shape) to \(target)")
        return extent == 1 ? 0 : strides[axis - offset]
    }
}

extension Tensor {
    /// This tensor repeated along the axes where `shape` is larger (numpy broadcasting).
    ///
    /// Gradient: ∂loss/∂x is the upstream gradient summed over the broadcast axes.
    public func broadcasted(to shape: [Int]) -> Tensor {
        if shape == self.shape { return self }
        let sourceShape = self.shape
        let result = Kernels.broadcast(self, to: shape)
        return record(result, self) { upstream in Kernels.sum(upstream, toShape: sourceShape) }
    }
}

extension Kernels {
    /// Calls `body(offsetA, offsetB)` for every row (every index of all axes but the last) of a
    /// tensor of `shape`, with the offsets of that row under `stridesA` and `stridesB`. Rows are
    /// visited in row-major order, so row r starts at r·shape.last in a contiguous tensor.
    @inline(__always)
    static func forEachRow(
        of shape: [Int], stridesA: [Int], stridesB: [Int],
        _ body: (_ offsetA: Int, _ offsetB: Int) -> Void
    ) {
        let outerRank = shape.count - 1
        guard outerRank > 0 else {
            if shape.allSatisfy({ $0 > 0 }) { body(0, 0) }
            return
        }
        let rows = Tensor.elementCount(of: Array(shape[..<outerRank]))
        guard rows > 0, shape[outerRank] > 0 else { return }
        var index = [Int](repeating: 0, count: outerRank)
        var offsetA = 0
        var offsetB = 0
        for _ in 0..<rows {
            body(offsetA, offsetB)
            var axis = outerRank - 1
            while axis >= 0 {
                index[axis] &+= 1
                offsetA &+= stridesA[axis]
                offsetB &+= stridesB[axis]
                if index[axis] < shape[axis] { break }
                offsetA &-= stridesA[axis] &* shape[axis]
                offsetB &-= stridesB[axis] &* shape[axis]
                index[axis] = 0
                axis -= 1
            }
        }
    }

    /// c = f(a, b) elementwise with broadcasting; same shapes and one-element operands take
    /// loops without index arithmetic.
    @inline(__always)
    static func zip(_ a: Tensor, _ b: Tensor, _ f: (Float, Float) -> Float) -> Tensor {
        let pa = UnsafePointer(a.storage.base)
        let pb = UnsafePointer(b.storage.base)
        if a.shape == b.shape {
            return Tensor(shape: a.shape) { c in
                for i in 0..<c.count { c[i] = f(pa[i], pb[i]) }
            }
        }
        let shape = broadcastShape(a.shape, b.shape)
        if b.count == 1 && shape == a.shape {
            let scalar = pb[0]
            return Tensor(shape: shape) { c in
                for i in 0..<c.count { c[i] = f(pa[i], scalar) }
            }
        }
        if a.count == 1 && shape == b.shape {
            let scalar = pa[0]
            return Tensor(shape: shape) { c in
                for i in 0..<c.count { c[i] = f(scalar, pb[i]) }
            }
        }
        let stridesA = broadcastStrides(of: a.shape, to: shape)
        let stridesB = broadcastStrides(of: b.shape, to: shape)
        let width = shape.last ?? 1
        let stepA = stridesA.last ?? 0
        let stepB = stridesB.last ?? 0
        return Tensor(shape: shape) { c in
            var row = 0
            forEachRow(of: shape, stridesA: stridesA, stridesB: stridesB) { offsetA, offsetB in
                for j in 0..<width {
                    c[row &+ j] = f(pa[offsetA &+ j &* stepA], pb[offsetB &+ j &* stepB])
                }
                row &+= width
            }
        }
    }

    /// `x` repeated to `shape` (numpy broadcasting).
    static func broadcast(_ x: Tensor, to shape: [Int]) -> Tensor {
        let strides = broadcastStrides(of: x.shape, to: shape)
        let width = shape.last ?? 1
        let step = strides.last ?? 0
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: shape) { out in
            var row = 0
            forEachRow(of: shape, stridesA: strides, stridesB: strides) { offset, _ in
                for j in 0..<width { out[row &+ j] = px[offset &+ j &* step] }
                row &+= width
            }
        }
    }

    /// `x` summed over the axes along which `shape` was broadcast to `x.shape`; the inverse of
    /// `broadcast(_:to:)` for gradients.
    static func sum(_ x: Tensor, toShape shape: [Int]) -> Tensor {
        if x.shape == shape { return x }
        let strides = broadcastStrides(of: shape, to: x.shape)
        let width = x.shape.last ?? 1
        let step = strides.last ?? 0
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: shape) { out in
            out.initialize(repeating: 0)
            var row = 0
            forEachRow(of: x.shape, stridesA: strides, stridesB: strides) { offset, _ in
                for j in 0..<width { out[offset &+ j &* step] += px[row &+ j] }
                row &+= width
            }
        }
    }
}
