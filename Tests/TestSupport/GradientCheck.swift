// GradientCheck.swift — finite-difference gradient checks and float comparisons for tensor tests.
//
// checkGradients compares the analytic gradient from `backward()` with central differences
//   ∂L/∂xᵢ ≈ (L(x + ε·eᵢ) − L(x − ε·eᵢ)) / 2ε
// for every element of every input, where L = Σ w ⊙ f(x) with fixed pseudo-random weights w, so
// every output element matters and terms that cancel under a plain sum (softmax) are tested too.
import GlimpseTensor
import XCTest

/// Asserts that `actual` and `expected` have equal length and that every pair satisfies
/// |a − e| ≤ absoluteTolerance + relativeTolerance·|e|.
public func assertClose(
    _ actual: [Float], _ expected: [Float],
    absoluteTolerance: Float = 1e-5, relativeTolerance: Float = 1e-5,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    guard actual.count == expected.count else {
        XCTFail(
            "\(message()): \(actual.count) values, expected \(expected.count)",
            file: file, line: line)
        return
    }
    let failures = actual.indices.filter { i in
        !(abs(actual[i] - expected[i]) <= absoluteTolerance + relativeTolerance * abs(expected[i]))
    }
    if let first = failures.first {
        XCTFail(
            "\(message()): \(failures.count) of \(actual.count) values differ; first at "
                + "[\(first)]: \(actual[first]) vs expected \(expected[first])",
            file: file, line: line)
    }
}

/// Asserts that two tensors have the same shape and close scalars (see the array overload).
public func assertClose(
    _ actual: Tensor, _ expected: Tensor,
    absoluteTolerance: Float = 1e-5, relativeTolerance: Float = 1e-5,
    _ message: @autoclosure () -> String = "",
    file: StaticString = #filePath, line: UInt = #line
) {
    XCTAssertEqual(actual.shape, expected.shape, "\(message()): shape", file: file, line: line)
    guard actual.shape == expected.shape else { return }
    assertClose(
        actual.scalars, expected.scalars, absoluteTolerance: absoluteTolerance,
        relativeTolerance: relativeTolerance, message(), file: file, line: line)
}

/// Checks the gradient of `function` with respect to each of `inputs` against central finite
/// differences, element by element. A pair passes when
/// |analytic − numeric| ≤ absoluteTolerance + relativeTolerance·max(|analytic|, |numeric|).
///
/// Use small inputs of magnitude about 1, away from kinks (relu at 0, ties in max, clamp bounds),
/// so that ε = 1e-2 in Float32 gives a numeric gradient accurate to about 1e-4.
public func checkGradients(
    _ inputs: [Tensor],
    epsilon: Float = 1e-2, relativeTolerance: Float = 1e-2, absoluteTolerance: Float = 1e-3,
    file: StaticString = #filePath, line: UInt = #line,
    _ function: ([Tensor]) -> Tensor
) {
    let leaves = inputs.map { $0.detached().requiringGradient() }
    let output = function(leaves)
    XCTAssertTrue(
        output.requiresGradient, "output does not require gradients", file: file, line: line)
    var generator = SplitMix64(seed: 0x9_5EED)
    let weights = Tensor(randomUniform: output.shape, in: -1..<1, using: &generator)
    (output * weights).sum().backward()

    // L(x) in Double, without recording, for the finite differences.
    func projectedLoss(_ arguments: [Tensor]) -> Double {
        let values = withoutGradients { function(arguments) }.scalars
        return zip(values, weights.scalars).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    for (index, input) in inputs.enumerated() {
        guard let analytic = leaves[index].gradient else {
            XCTFail("input \(index): no gradient reached it", file: file, line: line)
            continue
        }
        XCTAssertEqual(analytic.shape, input.shape, "input \(index)", file: file, line: line)
        let analyticValues = analytic.scalars
        var failures: [String] = []
        for element in 0..<input.count {
            var arguments = inputs
            arguments[index].withUnsafeMutableBufferPointer { $0[element] += epsilon }
            let plus = projectedLoss(arguments)
            arguments[index].withUnsafeMutableBufferPointer { $0[element] -= 2 * epsilon }
            let minus = projectedLoss(arguments)
            let numeric = Float((plus - minus) / (2 * Double(epsilon)))
            let exact = analyticValues[element]
            let bound = absoluteTolerance + relativeTolerance * max(abs(exact), abs(numeric))
            if !(abs(exact - numeric) <= bound) {
                failures.append("[\(element)] analytic \(exact), numeric \(numeric)")
            }
        }
        if !failures.isEmpty {
            XCTFail(
                "input \(index) \(input.shape): \(failures.count) of \(input.count) gradients "
                    + "differ: " + failures.prefix(4).joined(separator: "; "),
                file: file, line: line)
        }
    }
}
