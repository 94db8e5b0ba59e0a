// Ma, Sigal & Sclaroff (CVPR 2016) ranking losses on hand-worked sequences, and their gradients.
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class RankingLossTests: XCTestCase {
    func testTwoClassSequenceByHand() {
        // labels 0 0 0 1. Scores of class 0: 0.6, 0.7, 0.5, 0.2.
        let p = Tensor(shape: [4, 2], scalars: [0.6, 0.4, 0.7, 0.3, 0.5, 0.5, 0.2, 0.8])
        let labels = [0, 0, 0, 1]
        // L_s: t1: max(0, 0.6 − 0.7) = 0; t2: max(0, 0.7 − 0.5) = 0.2; t3 (transition from 0):
        // p_3^0 = 0.2. Mean over 4 steps: 0.1.
        XCTAssertEqual(
            rankingLoss(.detectionScore, probabilities: p, labels: labels).scalar, 0.1,
            accuracy: 1e-6)
        // m^0: 0.2, 0.4, 0.0, −0.6. t1: 0; t2: max(0, 0.4 − 0) = 0.4; t3: max(0, −0.6) = 0.
        XCTAssertEqual(
            rankingLoss(.margin, probabilities: p, labels: labels).scalar, 0.1, accuracy: 1e-6)
    }

    func testThreeClassSequenceByHand() {
        let p = Tensor(
            shape: [4, 3], scalars: [0.1, 0.3, 0.6, 0.2, 0.3, 0.5, 0.1, 0.5, 0.4, 0.3, 0.4, 0.3])
        let labels = [2, 2, 1, 1]
        // L_s: t1: 0.6 − 0.5 = 0.1; t2 transition from 2: p_2^2 = 0.4; new segment of 1 starts
        // at 0.5; t3: 0.5 − 0.4 = 0.1. Sum 0.6, mean 0.15.
        XCTAssertEqual(
            rankingLoss(.detectionScore, probabilities: p, labels: labels).scalar, 0.15,
            accuracy: 1e-6)
        // m^2 = p^2 − max(p^0, p^1): 0.3, 0.2 → t1: 0.1. t2 transition: m_2^2 = 0.4 − 0.5 < 0 → 0.
        // New segment of 1: m_2^1 = 0.5 − 0.4 = 0.1; t3: m_3^1 = 0.4 − 0.3 = 0.1 → 0. Mean 0.025.
        XCTAssertEqual(
            rankingLoss(.margin, probabilities: p, labels: labels).scalar, 0.025, accuracy: 1e-6)
    }

    /// The running maxima are constants, so frames that set them are held fixed here and only
    /// the others are perturbed by the finite differences.
    func testAnActiveHingesTargetFromAnotherFrameIsHeldConstant() {
        // One segment of class 0 whose score peaks at frame 0 and falls: the hinges at frames 1
        // and 2 are active, their targets s* the scores of earlier frames of the same input.
        // The running maximum is a constant (no gradient flows into the frame that set it), so
        // the gradient must equal the finite differences of the loss with s* frozen.
        let logits = Tensor(shape: [3, 2], scalars: [2.0, 0.0, 0.5, 0.2, 0.1, 0.3])
        let labels = [0, 0, 0]
        for kind in RankingLossKind.allCases {
            let leaf = logits.detached().requiringGradient()
            rankingLoss(kind, probabilities: softmax(leaf, axis: 1), labels: labels).backward()
            let analytic = leaf.gradient?.scalars ?? []

            // Score of class 0 (margin: minus class 1, the only other) at each frame, in Double.
            func scores(_ x: [Float]) -> [Double] {
                (0..<3).map { t in
                    let (a, b) = (Double(x[2 * t]), Double(x[2 * t + 1]))
                    let p0 = exp(a) / (exp(a) + exp(b))
                    return kind == .detectionScore ? p0 : 2 * p0 - 1
                }
            }
            let frozen = scores(logits.scalars)
            let targets = [frozen[0], max(frozen[0], frozen[1])]
            XCTAssertGreaterThan(targets[0], frozen[1], "hinge at frame 1 active")
            XCTAssertGreaterThan(targets[1], frozen[2], "hinge at frame 2 active")
            func surrogate(_ x: [Float]) -> Double {
                let s = scores(x)
                return (max(0, targets[0] - s[1]) + max(0, targets[1] - s[2])) / 3
            }
            for element in 0..<6 {
                var plus = logits.scalars
                var minus = logits.scalars
                plus[element] += 1e-3
                minus[element] -= 1e-3
                let numeric = (surrogate(plus) - surrogate(minus)) / 2e-3
                XCTAssertEqual(
                    Double(analytic[element]), numeric, accuracy: 1e-4, "\(kind) [\(element)]")
            }
            // Frame 0 set both targets and gets no gradient.
            XCTAssertEqual(Array(analytic[0..<2]), [0, 0], "\(kind)")
        }
    }

    func testGradientsThroughSoftmaxScores() {
        let peak = Tensor(shape: [2, 3], scalars: [2.0, 0.1, -1.0, 2.5, 0.0, -0.5])  // frames 0, 1
        let later = Tensor(
            shape: [4, 3],
            scalars: [1.2, 0.4, -0.3, 0.9, 0.6, -0.1, 0.3, 0.8, -0.4, 0.2, 1.9, -0.6])
        let labels = [0, 0, 0, 0, 1, 1]
        for kind in RankingLossKind.allCases {
            checkGradients([later]) { inputs in
                let probabilities = softmax(concat([peak, inputs[0]], axis: 0), axis: 1)
                return rankingLoss(kind, probabilities: probabilities, labels: labels)
            }
        }
        // Inside the segment the loss falls when the true class's score rises.
        let x = later.requiringGradient()
        let loss = rankingLoss(
            .detectionScore, probabilities: softmax(concat([peak, x], axis: 0), axis: 1),
            labels: labels)
        loss.backward()
        XCTAssertLessThan(x.gradient![0, 0], 0)
    }
}
