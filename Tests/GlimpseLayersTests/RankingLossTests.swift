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
