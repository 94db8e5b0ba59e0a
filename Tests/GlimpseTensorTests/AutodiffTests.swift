// AutodiffTests.swift — the gradient graph: inference mode, detach, accumulation, deep graphs.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class AutodiffTests: XCTestCase {
    func testOnlyTensorsDerivedFromLeavesRequireGradients() {
        let constant = Tensor([1, 2])
        let leaf = Tensor([3, 4]).requiringGradient()
        XCTAssertFalse((constant * 2).requiresGradient)
        XCTAssertTrue((constant * leaf).requiresGradient)
        XCTAssertNil((constant * leaf).gradient, "only leaves store gradients")
    }

    func testBackwardGivesExactGradientsOfAComposite() {
        // L = Σ (a·b + a)², so ∂L/∂a = 2(a·b + a)(b + 1), ∂L/∂b = 2(a·b + a)·a.
        let a = Tensor([1, -2]).requiringGradient()
        let b = Tensor([3, 0.5]).requiringGradient()
        pow(a * b + a, 2).sum().backward()
        XCTAssertEqual(a.gradient?.scalars, [32, -9])
        XCTAssertEqual(b.gradient?.scalars, [8, 12])
    }

    func testInferenceModeRecordsNothing() {
        let weight = sample([3, 3], seed: 60).requiringGradient()
        let output = withoutGradients { tanh(matmul(weight, weight)).sum() }
        XCTAssertFalse(output.requiresGradient)
        XCTAssertTrue(tanh(weight).requiresGradient, "recording resumes after the closure")
        XCTAssertNil(weight.gradient)
    }

    func testInferenceModeIsTaskLocal() async {
        let weight = Tensor([1, 2]).requiringGradient()
        let (inside, otherTask) = await withoutGradients {
            let otherTask = await Task.detached { (weight * 2).requiresGradient }.value
            return ((weight * 2).requiresGradient, otherTask)
        }
        XCTAssertFalse(inside)
        XCTAssertTrue(otherTask, "a detached task does not inherit inference mode")
    }

    func testDetachStopsGradientFlow() {
        let x = Tensor([2, 3]).requiringGradient()
        (x * x.detached()).sum().backward()
        XCTAssertEqual(x.gradient?.scalars, [2, 3], "only the attached factor contributes")
        XCTAssertFalse(x.detached().requiresGradient)
    }

    func testGradientsAccumulateUntilZeroed() {
        let x = Tensor([1, 2]).requiringGradient()
        let loss = (x * x).sum()
        loss.backward()
        loss.backward()
        XCTAssertEqual(x.gradient?.scalars, [4, 8], "two backward calls add up")
        x.zeroGradient()
        XCTAssertNil(x.gradient)
        (x * 3).sum().backward()
        XCTAssertEqual(x.gradient?.scalars, [3, 3])
    }

    func testInPlaceUpdateKeepsTheLeafAndTheRecordedValues() {
        var parameter = Tensor([1, 2]).requiringGradient()
        let loss = (parameter * parameter).sum()
        parameter.withUnsafeMutableBufferPointer { $0[0] = 100 }
        loss.backward()
        XCTAssertEqual(parameter.gradient?.scalars, [2, 4], "the graph saw the old values")
        XCTAssertTrue(parameter.requiresGradient)
        XCTAssertEqual(parameter.scalars, [100, 2])
    }

    func testConcurrentBackwardCallsAccumulateEveryContribution() async {
        let weight = Tensor([1, 2]).requiringGradient()
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask { (weight * weight).sum().backward() }
            }
        }
        XCTAssertEqual(weight.gradient?.scalars, [16, 32])
    }

    func testCopiesOfALeafShareItsGradient() {
        let leaf = Tensor([1]).requiringGradient()
        let copy = leaf
        (copy * 5).sum().backward()
        XCTAssertEqual(leaf.gradient?.scalars, [5])
    }

    func testLongChainsBackpropagateAndReleaseOnASmallStack() {
        // 20 000 recorded ops: recursive traversal or release of the graph would need far more
        // than the 256 KiB stack this thread gets.
        let done = expectation(description: "chain finished")
        let thread = Thread {
            let x = Tensor([0.5]).requiringGradient()
            var y = x
            for _ in 0..<20_000 { y = y * 1 }
            y.sum().backward()
            XCTAssertEqual(x.gradient?.scalars, [1])
            y = x
            done.fulfill()
        }
        thread.stackSize = 256 << 10
        thread.start()
        wait(for: [done], timeout: 20)
    }

    func testCompositeOfManyOpsMatchesFiniteDifferences() {
        // One attention step: scores = tanh(e + h·W) · v over P locations, α = softmax over P,
        // context = Σₚ αₚ·featuresₚ, then a log-softmax readout of a gathered embedding.
        let features = sample([2, 3, 4], seed: 61)  // [N, P, E]
        let hidden = sample([2, 5], seed: 62)  // [N, D]
        let weight = sample([5, 4], seed: 63)  // [D, E]
        let v = sample([4, 1], seed: 64)  // [E, 1]
        let embedding = sample([6, 4], seed: 65)  // [V, E]
        checkGradients([features, hidden, weight, v, embedding]) { x in
            let projected = matmul(x[1], x[2]).unsqueezed(axis: 1)  // [N, 1, E]
            let energy = tanh(x[0] + projected).reshaped(to: [6, 4])  // [N·P, E]
            let scores = matmul(energy, x[3]).reshaped(to: [2, 3])  // [N, P]
            let alpha = softmax(scores, axis: 1).unsqueezed(axis: 1)  // [N, 1, P]
            let context = matmul(alpha, x[0]).squeezed(axis: 1)  // [N, E]
            let tokens = gather(x[4], indices: [2, 2])  // [N, E]
            return logSoftmax(concat([context, tokens], axis: 1), axis: -1)  // [N, 2E]
        }
    }
}
