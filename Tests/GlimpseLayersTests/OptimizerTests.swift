// Optimizers against torch.optim's update rules (reference/optimizer_reference.py), clipping,
// schedules and exact resume from saved state.
import Foundation
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class OptimizerTests: XCTestCase {
    /// The gradient of step k: g_i = sin(k + i)·(i + 1), as in the reference script.
    func gradient(_ k: Int) -> Tensor {
        Tensor((0..<4).map { i in Float(sin(Double(k + i)) * Double(i + 1)) })
    }

    /// A store with one parameter [0.5, −1, 2, 0.1] and `optimizer` stepped three times.
    func run<O: Optimizer>(_ make: ([Parameter]) -> O, steps: Int = 3) -> (Parameter, O) {
        let store = ParameterStore()
        let p = store.root.parameter("p", shape: [4]) { _ in Tensor([0.5, -1, 2, 0.1]) }
        var optimizer = make(store.parameters)
        for k in 0..<steps {
            (p.value * gradient(k)).sum().backward()  // ∂/∂p = g_k
            optimizer.step()
        }
        return (p, optimizer)
    }

    func testUpdatesMatchTorchRules() {
        let expected: [String: [Float]] = [
            "sgd": [0.3249232, -1.378378, 1.911916, 0.7298427],
            "sgdMomentum": [0.2464723, -1.823408, 1.397212, 0.9051167],
            "sgdNesterov": [0.09919485, -2.125229, 1.378525, 1.455032],
            "sgdClipped": [0.4570269, -1.107659, 1.954413, 0.2496372],
            "adagrad": [0.2266564, -1.184309, 1.947, 0.1762694],
            "rmsprop": [0.3264351, -1.184965, 1.948485, 0.1764598],
            "adam": [0.4839631, -1.028426, 1.981664, 0.1040152],
            "adamClippedDecay": [0.4714477, -1.025312, 1.974474, 0.1032974],
        ]
        func check(_ name: String, _ p: Parameter) {
            assertClose(
                p.value.scalars, expected[name]!, absoluteTolerance: 1e-6, relativeTolerance: 1e-5)
        }
        check("sgd", run { SGD(parameters: $0, learningRate: 0.1) }.0)
        check(
            "sgdMomentum",
            run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, weightDecay: 0.01) }.0)
        check(
            "sgdNesterov",
            run { SGD(parameters: $0, learningRate: 0.1, momentum: 0.9, nesterov: true) }.0)
        check(
            "sgdClipped",
            run {
                var sgd = SGD(parameters: $0, learningRate: 0.1)
                sgd.clipping = .globalNorm(1)
                return sgd
            }.0)
        check("adagrad", run { Adagrad(parameters: $0, learningRate: 0.1, weightDecay: 0.01) }.0)
        check("rmsprop", run { RMSprop(parameters: $0, learningRate: 0.01) }.0)
        check("adam", run { Adam(parameters: $0, learningRate: 0.01) }.0)
        check(
            "adamClippedDecay",
            run {
                var adam = Adam(parameters: $0, learningRate: 0.01, weightDecay: 0.1)
                adam.clipping = .globalNorm(0.5)
                return adam
            }.0)
    }

    func testStepClearsGradientsAndReportsTheNorm() {
        let (p, optimizer) = run({ SGD(parameters: $0, learningRate: 0.1) }, steps: 1)
        XCTAssertNil(p.gradient)
        // |g_0| = |(0, sin 1·2, sin 2·3, sin 3·4)|.
        let norm = (0..<4).map { i in pow(sin(Double(i)) * Double(i + 1), 2) }.reduce(0, +)
            .squareRoot()
        XCTAssertEqual(Double(optimizer.lastGradientNorm), norm, accuracy: 1e-5)
    }

    func testValueClippingClampsEachElement() {
        let store = ParameterStore()
        let p = store.root.parameter("p", shape: [3]) { _ in Tensor([0, 0, 0]) }
        var sgd = SGD(parameters: store.parameters, learningRate: 1)
        sgd.clipping = .value(5)
        (p.value * Tensor([10, -2, -7])).sum().backward()
        sgd.step()
        assertClose(p.value.scalars, [-5, 2, 5])
    }

    func testRestoredStateContinuesExactly() throws {
        // Two steps, save, restore into a fresh optimizer on a copy, one more step each.
        let (p, adam) = run({ Adam(parameters: $0, learningRate: 0.01) }, steps: 2)
        let store = ParameterStore()
        let q = store.root.parameter("p", shape: p.shape) { _ in p.value.detached() }
        var resumed = Adam(parameters: store.parameters, learningRate: 0.01)
        try resumed.restore(adam.state)
        XCTAssertEqual(resumed.state.step, 2)
        var original = adam
        for (parameter, var optimizer) in [(p, original), (q, resumed)] as [(Parameter, Adam)] {
            (parameter.value * gradient(2)).sum().backward()
            optimizer.step()
        }
        original.learningRate = 0.01
        XCTAssertEqual(p.value.scalars, q.value.scalars)
        assertClose(
            p.value.scalars, [0.4839631, -1.028426, 1.981664, 0.1040152], relativeTolerance: 1e-5)
    }

    func testRestoreRefusesMismatchedState() {
        let (_, adam) = run({ Adam(parameters: $0) }, steps: 1)
        var other = Adam(parameters: [
            ParameterStore().root.parameter("p", shape: [2]) { _ in .zeros([2]) }
        ])
        XCTAssertThrowsError(try other.restore(adam.state)) {
            XCTAssertEqual(
                $0 as? ParameterError,
                .shapeMismatch(name: "exp_avg.p", checkpoint: [4], model: [2]))
        }
    }

    func testStepSchedule() {
        let schedule = StepLearningRate(initial: 0.1, stepSize: 10, gamma: 0.5)
        XCTAssertEqual(schedule.learningRate(atStep: 0), 0.1)
        XCTAssertEqual(schedule.learningRate(atStep: 9), 0.1)
        XCTAssertEqual(schedule.learningRate(atStep: 10), 0.05)
        XCTAssertEqual(schedule.learningRate(atStep: 25), 0.025)
    }
}
