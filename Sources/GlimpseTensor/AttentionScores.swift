// AttentionScores.swift — the scores of additive attention in one fused op, the hot loop of a
// Show-Attend-Tell decoder step.
//
// N = batch, P = locations, A = attention size; w = full_att's weight [1, A], b its bias [1]:
//   u[n,p,:] = projected[n,p,:] + query[n,:],   t = tanh(u),   e[n,p] = w·t[n,p,:] + b
// and backward, from ∂e:
//   ∂projected[n,p,a] = ∂e[n,p]·w[a]·(1 − t²[n,p,a])
//   ∂query[n,a]       = w[a]·Σ_p ∂e[n,p]·(1 − t²[n,p,a])
//   ∂w[a]             = Σ_{n,p} ∂e[n,p]·t[n,p,a],   ∂b = Σ ∂e
// Composed from separate ops (broadcast add, tanh, a product with w) the forward pass makes five
// passes over [N, P, A] and allocates two such tensors, the backward pass more; fused, the
// forward pass writes t once (kept for the backward pass) and each gradient is one pass over t.

import COpenBLAS
import CVectorMath

/// Additive attention scores e[n, p] = w · tanh(projected[n, p, :] + query[n, :]) + b.
///
/// projected: [N, P, A], query: [N, A], weight: [1, A] (an `A → 1` linear layer's), bias: [1]
/// or nil -> scores [N, P]. tanh is the vectorised kernel of `tanh(_:)` (CVectorMath).
public func additiveAttentionScores(
    projected: Tensor, query: Tensor, weight: Tensor, bias: Tensor?
) -> Tensor {
    precondition(
        projected.rank == 3 && query.rank == 2 && query.shape[0] == projected.shape[0]
            && query.shape[1] == projected.shape[2] && weight.shape == [1, projected.shape[2]]
            && (bias == nil || bias!.shape == [1]),
        "additiveAttentionScores needs projected [N, P, A], query [N, A], weight [1, A] and "
            + "bias [1], got \(projected.shape), \(query.shape), \(weight.shape) and "
            + "\(bias?.shape ?? [])")
    let inputs = [projected, query, weight] + (bias.map { [$0] } ?? [])
    let recording = GradientMode.isRecording && inputs.contains { $0.requiresGradient }
    let (scores, activations) = Kernels.attentionScores(
        projected: projected, query: query, weight: weight, bias: bias, saving: recording)
    guard recording, let activations else { return scores }
    return record(scores, inputs) { dScores, index in
        switch index {
        case 0: Kernels.attentionProjectedGradient(dScores, activations, weight: weight)
        case 1: Kernels.attentionQueryGradient(dScores, activations, weight: weight)
        case 2: Kernels.attentionWeightGradient(dScores, activations)
        default: Tensor(shape: [1], scalars: [dScores.scalars.reduce(0, +)])
        }
    }
}

extension Kernels {
    /// e = w·tanh(projected + query) + b, and t = tanh(…) [N, P, A] when `saving`.
    static func attentionScores(
        projected: Tensor, query: Tensor, weight: Tensor, bias: Tensor?, saving: Bool
    ) -> (scores: Tensor, activations: Tensor?) {
        let (batch, locations, width) = (projected.shape[0], projected.shape[1], projected.shape[2])
        let rows = batch &* locations
        let pp = UnsafePointer(projected.storage.base)
        let pq = UnsafePointer(query.storage.base)
        let pw = UnsafePointer(weight.storage.base)
        let offset = bias?.scalar ?? 0
        let saved = saving ? TensorStorage(count: rows &* width) : nil
        let scores = Tensor(shape: [batch, locations]) { scores in
            guard let pe = scores.baseAddress, width > 0 else {
                scores.initialize(repeating: offset)
                return
            }
            // Chunks of at least 8K elements (~5 µs of tanh): smaller ones do not repay the
            // hand-off.
            let minimum = Swift.max(1, 8_192 / width)
            Parallelism.forEachChunk(of: rows, minimumChunk: minimum) { _, chunk in
                // t for this chunk's rows goes into the saved activations, all at once, or else
                // block by block into a 32 KB scratch that stays in cache for the product.
                let blockRows = saved == nil ? Swift.max(1, 8_192 / width) : chunk.count
                let scratch =
                    saved == nil
                    ? UnsafeMutablePointer<Float>.allocate(capacity: blockRows &* width) : nil
                defer { scratch?.deallocate() }
                var start = chunk.lowerBound
                while start < chunk.upperBound {
                    let end = Swift.min(start &+ blockRows, chunk.upperBound)
                    let block = scratch ?? saved!.base + start &* width
                    for row in start..<end {
                        glimpse_tanh_of_sum(
                            pp + row &* width, pq + (row / locations) &* width,
                            block + (row &- start) &* width, width)
                    }
                    // e[rows] = t[rows, A]·w + b in one matrix–vector product.
                    (pe + start).initialize(repeating: offset, count: end &- start)
                    cblas_sgemv(
                        CblasRowMajor, CblasNoTrans, blasint(end &- start), blasint(width), 1,
                        block, blasint(width), pw, 1, 1, pe + start, 1)
                    start = end
                }
            }
        }
        return (scores, saved.map { Tensor(shape: projected.shape, storage: $0) })
    }

    /// ∂projected[n,p,a] = ∂e[n,p]·w[a]·(1 − t²).   -> [N, P, A]
    static func attentionProjectedGradient(
        _ dScores: Tensor, _ activations: Tensor, weight: Tensor
    ) -> Tensor {
        let width = activations.shape[2]
        let pt = UnsafePointer(activations.storage.base)
        let pde = UnsafePointer(dScores.storage.base)
        let pw = UnsafePointer(weight.storage.base)
        return Tensor(shape: activations.shape) { dProjected in
            guard let pd = dProjected.baseAddress else { return }
            Parallelism.forEachChunk(of: dScores.count, minimumChunk: Swift.max(1, 16_384 / width))
            { _, chunk in
                for row in chunk {
                    let (t, d, scale) = (pt + row &* width, pd + row &* width, pde[row])
                    for a in 0..<width { d[a] = scale * pw[a] * (1 - t[a] * t[a]) }
                }
            }
        }
    }

    /// ∂query[n,a] = w[a]·Σ_p ∂e[n,p]·(1 − t²[n,p,a]).   -> [N, A]
    static func attentionQueryGradient(
        _ dScores: Tensor, _ activations: Tensor, weight: Tensor
    ) -> Tensor {
        let (batch, locations, width) = (
            activations.shape[0], activations.shape[1], activations.shape[2]
        )
        let pt = UnsafePointer(activations.storage.base)
        let pde = UnsafePointer(dScores.storage.base)
        let pw = UnsafePointer(weight.storage.base)
        return Tensor(shape: [batch, width]) { dQuery in
            guard let pd = dQuery.baseAddress else { return }
            for n in 0..<batch {
                let d = pd + n &* width
                d.initialize(repeating: 0, count: width)
                for p in 0..<locations {
                    let row = n &* locations &+ p
                    let (t, scale) = (pt + row &* width, pde[row])
                    for a in 0..<width { d[a] += scale * (1 - t[a] * t[a]) }
                }
                for a in 0..<width { d[a] *= pw[a] }
            }
        }
    }

    /// ∂w = ∂eᵀ·t as one matrix–vector product over all N·P rows.   -> [1, A]
    static func attentionWeightGradient(_ dScores: Tensor, _ activations: Tensor) -> Tensor {
        let width = activations.shape[2]
        let rows = dScores.count
        let pt = UnsafePointer(activations.storage.base)
        let pde = UnsafePointer(dScores.storage.base)
        return Tensor(shape: [1, width]) { dWeight in
            guard let pd = dWeight.baseAddress else { return }
            pd.initialize(repeating: 0, count: width)
            guard rows > 0 else { return }
            cblas_sgemv(
                CblasRowMajor, CblasTrans, blasint(rows), blasint(width), 1, pt, blasint(width),
                pde, 1, 0, pd, 1)
        }
    }
}
