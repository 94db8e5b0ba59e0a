// ShapeOps.swift — reshape, permute, slice, concat, stack, split and gather.
//
// These ops move scalars without arithmetic; each pullback moves the gradient back the other way
// (reshape back, inverse permutation, zero-padding a slice, slicing a concatenation,
// scatter-adding gathered rows). Reshaping shares storage; the others copy.

extension Tensor {
    /// The same storage under another shape with as many elements; records nothing. Ops use it
    /// to give kernels the [outer, n, inner] views they expect.
    func viewed(as shape: [Int]) -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// The same scalars under `shape`, which may contain one `-1` standing for the extent that
    /// makes the element counts match. Shares storage.   ∂x = ∂y reshaped back
    public func reshaped(to shape: [Int]) -> Tensor {
        var shape = shape
        if let inferred = shape.firstIndex(of: -1) {
            var known = shape
            known.remove(at: inferred)
            let rest = Tensor.elementCount(of: known)
            precondition(
                rest > 0 && count % rest == 0, "cannot reshape \(self.shape) to \(shape)")
            shape[inferred] = count / rest
        }
        precondition(
            Tensor.elementCount(of: shape) == count, "cannot reshape \(self.shape) to \(shape)")
        if shape == self.shape { return self }
        let sourceShape = self.shape
        return record(viewed(as: shape), self) { $0.viewed(as: sourceShape) }
    }

    /// This tensor with a new axis of extent 1 inserted at `axis` (in `0...rank`; `-1` appends).
    public func unsqueezed(axis: Int) -> Tensor {
        let axis = normalizedAxis(axis, rank: rank + 1)
        var shape = self.shape
        shape.insert(1, at: axis)
        return reshaped(to: shape)
    }

    /// This tensor without `axis`, whose extent must be 1.
    public func squeezed(axis: Int) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(shape[axis] == 1, "cannot squeeze axis \(axis) of shape \(shape)")
        var shape = self.shape
        shape.remove(at: axis)
        return reshaped(to: shape)
    }

    /// The transpose of a matrix.   x: [M, N] -> y: [N, M]
    public func transposed() -> Tensor {
        precondition(rank == 2, "transposed() needs a matrix, shape is \(shape)")
        return permuted([1, 0])
    }

    /// The axes reordered: axis k of the result is axis `axes[k]` of this tensor.
    /// ∂x = ∂y permuted by the inverse permutation.
    public func permuted(_ axes: [Int]) -> Tensor {
        precondition(
            axes.count == rank && Set(axes) == Set(0..<rank),
            "\(axes) is not a permutation of the axes of shape \(shape)")
        if axes == Array(0..<rank) { return self }
        var inverse = [Int](repeating: 0, count: rank)
        for (position, axis) in axes.enumerated() { inverse[axis] = position }
        return record(Kernels.permute(self, axes), self) { [inverse] in
            Kernels.permute($0, inverse)
        }
    }

    /// The elements whose index along `axis` lies in `range`; other axes are kept whole.
    /// ∂x = ∂y in the sliced range, 0 elsewhere.
    public func slice(axis: Int, range: Range<Int>) -> Tensor {
        let axis = normalizedAxis(axis)
        precondition(
            range.lowerBound >= 0 && range.upperBound <= shape[axis],
            "range \(range) out of bounds for axis \(axis) of shape \(shape)")
        if range == 0..<shape[axis] { return self }
        var sliceShape = shape
        sliceShape[axis] = range.count
        let result = Kernels.copySlabs(
            of: [self], along: axis, starts: [range.lowerBound], counts: [range.count],
            into: sliceShape)
        let inputShape = shape
        return record(result, self) { upstream in
            Kernels.copySlabs(
                of: [upstream], along: axis, starts: [0], counts: [range.count],
                into: inputShape, at: range.lowerBound)
        }
    }

    /// This tensor cut along `axis` into consecutive pieces of the given extents, which must sum
    /// to the axis's extent. Each piece is a `slice(axis:range:)`.
    public func split(sizes: [Int], axis: Int) -> [Tensor] {
        let axis = normalizedAxis(axis)
        precondition(
            sizes.reduce(0, +) == shape[axis] && sizes.allSatisfy { $0 >= 0 },
            "sizes \(sizes) do not partition axis \(axis) of shape \(shape)")
        var start = 0
        return sizes.map { size in
            defer { start += size }
            return slice(axis: axis, range: start..<(start + size))
        }
    }

    /// This tensor cut along `axis` into `count` pieces of equal extent.
    public func split(count: Int, axis: Int) -> [Tensor] {
        let extent = shape[normalizedAxis(axis)]
        precondition(
            count > 0 && extent % count == 0,
            "axis \(axis) of shape \(shape) does not split into \(count) equal pieces")
        return split(sizes: Array(repeating: extent / count, count: count), axis: axis)
    }
}

/// The tensors joined along `axis`; all other extents must match.
/// ∂xₖ = the slice of ∂y that xₖ occupies.
public func concat(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "concat of no tensors")
    let first = tensors[0]
    let axis = first.normalizedAxis(axis)
    var shape = first.shape
    shape[axis] = 0
    for tensor in tensors {
        precondition(
            tensor.rank == first.rank
                && first.shape.indices.allSatisfy { $0 == axis || tensor.shape[$0] == shape[$0] },
            "concat along axis \(axis) of \(tensors.map(\.shape)): other extents differ")
        shape[axis] += tensor.shape[axis]
    }
    let extents = tensors.map { $0.shape[axis] }
    let result = Kernels.copySlabs(
        of: tensors, along: axis, starts: Array(repeating: 0, count: tensors.count),
        counts: extents, into: shape)
    var starts = [0]
    for extent in extents.dropLast() { starts.append(starts.last! + extent) }
    return record(result, tensors) { [shape, starts] upstream, index in
        var pieceShape = shape
        pieceShape[axis] = extents[index]
        return Kernels.copySlabs(
            of: [upstream], along: axis, starts: [starts[index]], counts: [extents[index]],
            into: pieceShape)
    }
}

/// The tensors, which must share one shape, stacked along a new axis at `axis` (in `0...rank`).
/// [S…] × n -> [S…] with n inserted at `axis`.
public func stack(_ tensors: [Tensor], axis: Int) -> Tensor {
    precondition(!tensors.isEmpty, "stack of no tensors")
    let shape = tensors[0].shape
    precondition(
        tensors.allSatisfy { $0.shape == shape },
        "stack needs equal shapes, got \(tensors.map(\.shape))")
    let axis = tensors[0].normalizedAxis(axis, rank: shape.count + 1)
    return concat(tensors.map { $0.unsqueezed(axis: axis) }, axis: axis)
}

/// Rows of `table` selected by `indices` (an embedding lookup along axis 0).
/// table: [V, F…], indices: n values in 0..<V -> [n, F…].
/// ∂table[v] = Σ over positions p with indices[p] = v of ∂y[p] (scatter-add).
public func gather(_ table: Tensor, indices: [Int]) -> Tensor {
    precondition(table.rank >= 1, "gather needs a table of rank ≥ 1, shape is \(table.shape)")
    let rows = table.shape[0]
    precondition(
        indices.allSatisfy { $0 >= 0 && $0 < rows },
        "gather index out of range 0..<\(rows) for table of shape \(table.shape)")
    let tableShape = table.shape
    return record(Kernels.gather(table, rows: indices), table) { upstream in
        Kernels.scatterAdd(upstream, rows: indices, into: tableShape)
    }
}

extension Kernels {
    /// y[…, k, …] = x[…, axes permuted, …]: axis k of y is axis `axes[k]` of x.
    static func permute(_ x: Tensor, _ axes: [Int]) -> Tensor {
        let sourceStrides = Tensor.strides(of: x.shape)
        let shape = axes.map { x.shape[$0] }
        let strides = axes.map { sourceStrides[$0] }
        let width = shape.last ?? 1
        let step = strides.last ?? 1
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: shape) { y in
            var row = 0
            forEachRow(of: shape, stridesA: strides, stridesB: strides) { offset, _ in
                for j in 0..<width { y[row &+ j] = px[offset &+ j &* step] }
                row &+= width
            }
        }
    }

    /// Copies slabs along `axis`: from each source k, the `counts[k]` indices from `starts[k]`
    /// along `axis`, written one after another along `axis` of a new tensor of `shape` from
    /// index `destinationStart`. All other extents must match `shape`; unwritten elements are 0.
    static func copySlabs(
        of sources: [Tensor], along axis: Int, starts: [Int], counts: [Int],
        into shape: [Int], at destinationStart: Int = 0
    ) -> Tensor {
        let outer = Tensor.elementCount(of: Array(shape[..<axis]))
        let inner = Tensor.elementCount(of: Array(shape[(axis + 1)...]))
        let extent = shape[axis]
        return Tensor(shape: shape) { y in
            if counts.reduce(0, +) != extent { y.initialize(repeating: 0) }
            guard let base = y.baseAddress else { return }
            var middle = destinationStart
            for (k, source) in sources.enumerated() {
                let sourceExtent = source.shape[axis]
                let px = UnsafePointer(source.storage.base)
                for o in 0..<outer {
                    (base + (o &* extent &+ middle) &* inner).update(
                        from: px + (o &* sourceExtent &+ starts[k]) &* inner,
                        count: counts[k] &* inner)
                }
                middle &+= counts[k]
            }
        }
    }

    /// y[p] = table[rows[p]].   table: [V, F…] -> y: [rows.count, F…]
    static func gather(_ table: Tensor, rows: [Int]) -> Tensor {
        let width = table.shape.dropFirst().reduce(1, *)
        let pt = UnsafePointer(table.storage.base)
        return Tensor(shape: [rows.count] + table.shape.dropFirst()) { y in
            guard let base = y.baseAddress else { return }
            for (p, row) in rows.enumerated() {
                (base + p &* width).update(from: pt + row &* width, count: width)
            }
        }
    }

    /// dtable[rows[p]] += dy[p], from zero.   dy: [rows.count, F…] -> dtable: `shape` = [V, F…]
    static func scatterAdd(_ dy: Tensor, rows: [Int], into shape: [Int]) -> Tensor {
        let width = shape.dropFirst().reduce(1, *)
        let pdy = UnsafePointer(dy.storage.base)
        return Tensor(shape: shape) { dtable in
            dtable.initialize(repeating: 0)
            for (p, row) in rows.enumerated() {
                let source = p &* width
                let target = row &* width
                for j in 0..<width { dtable[target &+ j] += pdy[source &+ j] }
            }
        }
    }
}
