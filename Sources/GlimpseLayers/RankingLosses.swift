// The activity ranking losses of Ma, Sigal & Sclaroff, "Learning Activity Progression in LSTMs
// for Activity Detection and Early Detection", CVPR 2016, §3.2 (Eqs. 3–6).
//
// While an activity goes on, the model should grow more confident in it: its detection score
// (and its margin over the other classes) should not fall below the highest value reached
// since the activity started. When a new activity starts, the previous one's score should drop.
// Both follow the paper's form L^t = max(0, −δ_t·(s_t − s*_t)): δ = 1 inside a segment with s*
// the running maximum since the segment began (a constant), δ = −1 at a transition with s* = 0.
import GlimpseTensor

/// Which ranking term to add to the classification loss.
public enum RankingLossKind: String, Sendable, Codable, CaseIterable {
    /// L_s on the detection score p_t^y (the softmax probability).
    case detectionScore = "score"
    /// L_m on the discriminative margin m_t^y = p_t^y − max_{y′≠y} p_t^{y′}.
    case margin
}

/// The ranking loss of one sequence, averaged over its time steps.
///
/// - Parameters:
///   - probabilities: [T, C] softmax scores p_t.
///   - labels: T ground-truth classes y_t.
/// - Returns: a one-element tensor, (1/T)·Σ_t L_r^t, where for the detection score
///   L_s^t = max(0, p*_t − p_t^{y_t}) within a segment (p*_t = max_{t_s ≤ t′ < t} p_{t′}^{y_t},
///   0 at the segment's first frame) and L_s^t = p_t^{y_{t−1}} at a transition; the margin loss
///   has the same two cases with m in place of p (at a transition max(0, m_t^{y_{t−1}})).
///   The first frame of the sequence contributes 0.
public func rankingLoss(
    _ kind: RankingLossKind, probabilities: Tensor, labels: [Int]
) -> Tensor {
    precondition(probabilities.rank == 2, "rankingLoss needs [T, C], got \(probabilities.shape)")
    let (steps, classes) = (probabilities.shape[0], probabilities.shape[1])
    precondition(labels.count == steps, "\(labels.count) labels for \(steps) time steps")
    precondition(labels.allSatisfy { (0..<classes).contains($0) }, "label outside 0..<\(classes)")
    precondition(kind == .detectionScore || classes >= 2, "the margin needs at least 2 classes")
    let p = probabilities.scalars
    func score(_ t: Int, _ y: Int) -> Float {
        switch kind {
        case .detectionScore: return p[t * classes + y]
        case .margin: return p[t * classes + y] - p[t * classes + strongestOther(t, y)]
        }
    }
    func strongestOther(_ t: Int, _ y: Int) -> Int {
        var best = y == 0 ? 1 : 0
        for c in 0..<classes where c != y && p[t * classes + c] > p[t * classes + best] { best = c }
        return best
    }

    // Within a segment: max(0, s* − s) with s = p[t, y] − (margin: p[t, other]).
    var insidePositive: [Int] = []  // flat indices of p[t, y_t]
    var insideNegative: [Int] = []  // flat indices of p[t, other] (margin only)
    var insideTargets: [Float] = []  // s*_t
    // At a transition: max(0, s) for the previous class.
    var transitionPositive: [Int] = []
    var transitionNegative: [Int] = []
    var runningMaximum = -Float.infinity
    for t in 0..<steps {
        let y = labels[t]
        if t == 0 {
            runningMaximum = score(0, y)
            continue
        }
        if labels[t - 1] == y {
            insidePositive.append(t * classes + y)
            if kind == .margin { insideNegative.append(t * classes + strongestOther(t, y)) }
            insideTargets.append(runningMaximum)
            runningMaximum = max(runningMaximum, score(t, y))
        } else {
            let previous = labels[t - 1]
            transitionPositive.append(t * classes + previous)
            if kind == .margin {
                transitionNegative.append(t * classes + strongestOther(t, previous))
            }
            runningMaximum = score(t, y)  // a new segment starts here
        }
    }

    let flat = probabilities.reshaped(to: [steps * classes, 1])
    func pick(_ indices: [Int]) -> Tensor {
        gather(flat, indices: indices).reshaped(to: [indices.count])
    }
    var total = (probabilities * 0).sum()
    if !insidePositive.isEmpty {
        var s = pick(insidePositive)
        if kind == .margin { s = s - pick(insideNegative) }
        total = total + relu(Tensor(insideTargets) - s).sum()
    }
    if !transitionPositive.isEmpty {
        var s = pick(transitionPositive)
        if kind == .margin { s = s - pick(transitionNegative) }
        total = total + relu(s).sum()
    }
    return total / Float(steps)
}
