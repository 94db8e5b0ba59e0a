// Reductions.swift — sum, mean and max over all elements or along one axis.
//
// Along an axis, a tensor is viewed as [outer, n, inner]: `outer` is the product of the extents
// before the axis, `n` its extent and `inner` the product after it. Reducing gives [outer, inner]
// (with the axis kept as 1 when `keepDims` is set).

extension Tensor {
    /// (outer, n, inner) of the [outer, n, inner] view of this tensor around `axis`.
    func extentsAround(axis: Int) -> (outer: Int, n: Int, inner: Int) {
        let outer = Tensor.elementCount(of: Array(shape[..<axis]))
        let inner = Tensor.elementCount(of: Array(shape[(axis + 1)...]))
        return (outer, shape[axis], inner)
    }

    /// `shape` with `axis` reduced: set to 1 when `keepDims`, otherwise removed.
    func shape(reducing axis: Int, keepDims: Bool) -> [Int] {
        var result = shape
        if keepDims { result[axis] = 1 } else { result.remove(at: axis) }
        return result
    }

    /// Σᵢ xᵢ over all elements, as a scalar tensor.   ∂xᵢ = ∂y
    public func sum() -> Tensor {
        let inputShape = shape
        let total = Kernels.sum(viewed(as: [1, count, 1])).viewed(as: [])
        return record(total, self) { upstream in
            Tensor(repeating: upstream.scalar, shape: inputShape)
        }
    }

    /// (1/N) Σᵢ xᵢ over all N elements, as a scalar tensor.   ∂xᵢ = ∂y/N
    public func mean() -> Tensor {
        precondition(count > 0, "mean of an empty tensor")
        return sum() / Float(count)
    }

    /// yⱼ = Σₖ xⱼₖ along `axis` (negative counts from the end); the axis is removed, or kept with
    /// extent 1 when `keepDims` is set.   ∂xⱼₖ = ∂yⱼ
    public func sum(alongAxis axis: Int, keepDims: Bool = false) -> Tensor {
        let axis = normalizedAxis(axis)
        let (outer, n, inner) = extentsAround(axis: axis)
        let result = Kernels.sum(viewed(as: [outer, n, inner]))
            .viewed(as: shape(reducing: axis, keepDims: keepDims))
        let (inputShape, keptShape) = (shape, shape(reducing: axis, keepDims: true))
        return record(result, self) { upstream in
            Kernels.broadcast(upstream.viewed(as: keptShape), to: inputShape)
        }
    }

    /// yⱼ = (1/n) Σₖ xⱼₖ along `axis`, where n is the axis's extent.   ∂xⱼₖ = ∂yⱼ/n
    public func mean(alongAxis axis: Int, keepDims: Bool = false) -> Tensor {
        let n = shape[normalizedAxis(axis)]
        precondition(n > 0, "mean along empty axis \(axis) of shape \(shape)")
        return sum(alongAxis: axis, keepDims: keepDims) / Float(n)
    }

    /// yⱼ = maxₖ xⱼₖ along `axis`, with the index k of the first maximum of each slice.
    ///
    /// `indices` holds one index per element of `values`, in row-major order. The gradient flows
    /// only to the selected elements: ∂xⱼₖ = ∂yⱼ if k = indices[j], else 0.
    public func max(
        alongAxis axis: Int, keepDims: Bool = false
    ) -> (values: Tensor, indices: [Int]) {
        let axis = normalizedAxis(axis)
        let (outer, n, inner) = extentsAround(axis: axis)
        precondition(n > 0, "max along empty axis \(axis) of shape \(shape)")
        let (values, indices) = Kernels.max(viewed(as: [outer, n, inner]))
        let reduced = values.viewed(as: shape(reducing: axis, keepDims: keepDims))
        let inputShape = shape
        let result = record(reduced, self) { upstream in
            Kernels.scatter(upstream, at: indices, alongMiddleOf: [outer, n, inner])
                .viewed(as: inputShape)
        }
        return (result, indices)
    }
}

extension Kernels {
    /// y[o, i] = Σₖ x[o, k, i].   x: [outer, n, inner] -> y: [outer, inner]
    static func sum(_ x: Tensor) -> Tensor {
        let (outer, n, inner) = (x.shape[0], x.shape[1], x.shape[2])
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: [outer, inner]) { y in
            if inner == 1 {
                // Along the last axis (a global average pool): one contiguous sum per row, in
                // eight lanes (the loop below does one scalar addition per element).
                for o in 0..<outer { y[o] = rowSum(px + o &* n, count: n) }
                return
            }
            y.initialize(repeating: 0)
            for o in 0..<outer {
                let output = o &* inner
                for k in 0..<n {
                    let input = (o &* n &+ k) &* inner
                    for i in 0..<inner { y[output &+ i] += px[input &+ i] }
                }
            }
        }
    }

    /// Σ x[0..<count], accumulated in eight lanes.
    static func rowSum(_ x: UnsafePointer<Float>, count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var i = 0
        while i &+ 8 <= count {
            lanes += UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            i &+= 8
        }
        var total = lanes.sum()
        while i < count {
            total += x[i]
            i &+= 1
        }
        return total
    }

    /// y[o, i] = maxₖ x[o, k, i] and the first such k.   x: [outer, n, inner], n > 0
    /// -> y: [outer, inner], indices: outer·inner
    static func max(_ x: Tensor) -> (values: Tensor, indices: [Int]) {
        let (outer, n, inner) = (x.shape[0], x.shape[1], x.shape[2])
        let px = UnsafePointer(x.storage.base)
        var indices = [Int](repeating: 0, count: outer &* inner)
        let values = Tensor(shape: [outer, inner]) { y in
            if inner == 1 {
                // Along the last axis (the arg max of logits): one contiguous scan per row.
                indices.withUnsafeMutableBufferPointer { indices in
                    for o in 0..<outer {
                        let row = px + o &* n
                        var (best, at) = (row[0], 0)
                        for k in 1..<n where row[k] > best {
                            (best, at) = (row[k], k)
                        }
                        (y[o], indices[o]) = (best, at)
                    }
                }
                return
            }
            for o in 0..<outer {
                let output = o &* inner
                for i in 0..<inner { y[output &+ i] = px[o &* n &* inner &+ i] }
                for k in 1..<n {
                    let input = (o &* n &+ k) &* inner
                    for i in 0..<inner where px[input &+ i] > y[output &+ i] {
                        y[output &+ i] = px[input &+ i]
                        indices[output &+ i] = k
                    }
                }
            }
        }
        return (values, indices)
    }

    /// dx[o, indices[o·inner + i], i] = dy[o, i], zero elsewhere; the pullback of `max`.
    /// dy: outer·inner elements -> dx: `shape` = [outer, n, inner]
    static func scatter(_ dy: Tensor, at indices: [Int], alongMiddleOf shape: [Int]) -> Tensor {
        let (outer, n, inner) = (shape[0], shape[1], shape[2])
        let pdy = UnsafePointer(dy.storage.base)
        return Tensor(shape: shape) { dx in
            dx.initialize(repeating: 0)
            for o in 0..<outer {
                for i in 0..<inner {
                    let j = o &* inner &+ i
                    dx[(o &* n &+ indices[j]) &* inner &+ i] = pdy[j]
                }
            }
        }
    }
}
