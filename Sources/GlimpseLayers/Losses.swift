// Classification losses: cross-entropy with ignored targets or per-example weights (padded
// sequences), and binary cross-entropy on logits.
import GlimpseTensor

/// PyTorch's default `ignore_index`.
public let ignoredTarget = -100

/// Mean negative log-likelihood of `targets` under softmax(`logits`):
/// L = Σₙ wₙ·(−log softmax(xₙ)[tₙ]) / Σₙ wₙ.
///
/// - Parameters:
///   - logits: [N, C] unnormalised scores.
///   - targets: N class indices; ``ignoredTarget`` (−100) marks positions that do not count
///     (padding), as PyTorch's `ignore_index`.
///   - weights: optional per-example weights (a mask of 0 and 1 for padded captions).
/// - Returns: a one-element tensor; 0 when nothing counts.
public func crossEntropy(logits: Tensor, targets: [Int], weights: [Float]? = nil) -> Tensor {
    precondition(logits.rank == 2, "crossEntropy needs logits [N, C], got \(logits.shape)")
    let (n, classes) = (logits.shape[0], logits.shape[1])
    precondition(targets.count == n, "\(targets.count) targets for \(n) rows of logits")
    precondition(weights == nil || weights!.count == n, "\(weights!.count) weights for \(n) rows")
    var picked: [Int] = []
    var pickedWeights: [Float] = []
    for (row, target) in targets.enumerated() where target != ignoredTarget {
        precondition(
            (0..<classes).contains(target), "target \(target) outside 0..<\(classes) at row \(row)")
        let weight = weights?[row] ?? 1
        guard weight != 0 else { continue }
        picked.append(row * classes + target)
        pickedWeights.append(weight)
    }
    let total = pickedWeights.reduce(0, +)
    guard !picked.isEmpty, total != 0 else { return (logits * 0).sum() }
    let logProbabilities = logSoftmax(logits, axis: 1).reshaped(to: [n * classes, 1])
    let selected = gather(logProbabilities, indices: picked).reshaped(to: [picked.count])  // [K]
    return -(selected * Tensor(pickedWeights)).sum() / total
}

/// Mean binary cross-entropy of `targets` (each in [0, 1]) under σ(`logits`), computed stably
/// as max(x, 0) − x·y + log(1 + e^(−|x|)), PyTorch's `BCEWithLogitsLoss`. Any shape.
public func binaryCrossEntropy(logits: Tensor, targets: Tensor) -> Tensor {
    precondition(
        logits.shape == targets.shape,
        "binaryCrossEntropy: logits \(logits.shape) vs targets \(targets.shape)")
    let absolute = relu(logits) + relu(-logits)
    return (relu(logits) - logits * targets.detached() + log(exp(-absolute) + 1)).mean()
}
