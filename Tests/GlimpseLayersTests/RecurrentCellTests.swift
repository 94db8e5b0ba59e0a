// RNNCell, LSTMCell, GRUCell: PyTorch names and initialisation, values against the numpy
// reference (fixtures/reference/recurrent.json), gradients against finite differences.
import Foundation
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

/// One case of fixtures/reference/recurrent.json, written by
/// Tests/GlimpseLayersTests/reference/recurrent_reference.py.
struct RecurrentReference: Decodable {
    /// Element k of the tensor is Float(scale · sin(frequency · k + offset)).
    struct Pattern: Decodable {
        var name: String?
        var shape: [Int]
        var scale: Double
        var frequency: Double
        var offset: Double

        var tensor: Tensor {
            let count = shape.reduce(1, *)
            return Tensor(
                shape: shape,
                scalars: (0..<count).map { Float(scale * sin(frequency * Double($0) + offset)) })
        }
    }
    struct Values: Decodable {
        var shape: [Int]
        var values: [Float]
    }

    var parameters: [Pattern]
    var inputs: [String: Pattern]
    var outputs: [String: Values]
    var layers: Int?
    var bidirectional: Bool?

    static func load(_ name: String) throws -> RecurrentReference {
        let url = URL(fileURLWithPath: Fixtures.path("reference/recurrent.json"))
        let cases = try JSONDecoder().decode(
            [String: RecurrentReference].self, from: Data(contentsOf: url))
        return try XCTUnwrap(cases[name], "no case \(name) in recurrent.json")
    }

    func input(_ name: String) -> Tensor { inputs[name]!.tensor }

    func output(_ name: String) -> Tensor {
        Tensor(shape: outputs[name]!.shape, scalars: outputs[name]!.values)
    }

    /// Asserts that the store's parameters have the fixture's names, order and shapes (PyTorch's),
    /// then gives them the fixture's values.
    func load(into store: ParameterStore, file: StaticString = #filePath, line: UInt = #line)
        throws
    {
        XCTAssertEqual(
            store.parameters.map(\.name), parameters.map { $0.name! }, file: file, line: line)
        XCTAssertEqual(
            store.parameters.map(\.shape), parameters.map(\.shape), file: file, line: line)
        try store.load(Dictionary(uniqueKeysWithValues: parameters.map { ($0.name!, $0.tensor) }))
    }
}

/// Float32 against float64 numpy through a few steps.
let referenceTolerance: Float = 2e-6

final class RecurrentCellTests: XCTestCase {
    func testParameterNamesShapesAndInitialisationFollowPyTorch() {
        let store = ParameterStore(seed: 1)
        let lstm = LSTMCell(inputSize: 3, hiddenSize: 5, in: store.scope("lstm"))
        _ = GRUCell(inputSize: 3, hiddenSize: 5, in: store.scope("gru"))
        _ = RNNCell(inputSize: 3, hiddenSize: 5, bias: false, in: store.scope("rnn"))
        XCTAssertEqual(
            store.parameters.map(\.name),
            [
                "lstm.weight_ih", "lstm.weight_hh", "lstm.bias_ih", "lstm.bias_hh",
                "gru.weight_ih", "gru.weight_hh", "gru.bias_ih", "gru.bias_hh",
                "rnn.weight_ih", "rnn.weight_hh",
            ])
        XCTAssertEqual(
            store.parameters.map(\.shape),
            [[20, 3], [20, 5], [20], [20], [15, 3], [15, 5], [15], [15], [5, 3], [5, 5]])
        // U(−1/√H, 1/√H) for every tensor, spread over the interval.
        let bound = 1 / Float(5).squareRoot()
        for parameter in store.parameters {
            let values = parameter.value.scalars
            XCTAssertTrue(values.allSatisfy { abs($0) <= bound }, parameter.name)
            XCTAssertGreaterThan(values.map(abs).max()!, 0.6 * bound, parameter.name)
        }
        XCTAssertNotNil(lstm.biasIH)
    }

    func testOrthogonalInitialisationGivesOrthogonalGateBlocks() {
        let store = ParameterStore(seed: 2)
        let cell = LSTMCell(
            inputSize: 3, hiddenSize: 4, initialization: .orthogonal, in: store.root)
        for block in cell.weightHH.value.split(count: 4, axis: 0) {
            let gram = matmul(block, block, transposeA: true)  // [4, 4]
            let identity = (0..<16).map { $0 % 5 == 0 ? Float(1) : 0 }
            assertClose(gram.scalars, identity, absoluteTolerance: 1e-5, "WᵀW of a gate block")
        }
    }

    func testLSTMCellMatchesNumpyReference() throws {
        let reference = try RecurrentReference.load("lstm_cell")
        let store = ParameterStore()
        let cell = LSTMCell(inputSize: 3, hiddenSize: 4, in: store.root)
        try reference.load(into: store)
        let state0 = LSTMState(hidden: reference.input("h0"), cell: reference.input("c0"))
        let state1 = cell(reference.input("x1"), state0)
        let state2 = cell(reference.input("x2"), state1)
        for (name, actual) in [
            ("h1", state1.hidden), ("c1", state1.cell), ("h2", state2.hidden), ("c2", state2.cell),
        ] {
            assertClose(
                actual, reference.output(name), absoluteTolerance: referenceTolerance,
                relativeTolerance: 1e-5, name)
        }
    }

    /// A decoder's step from words equals the step on the concatenated embeddings: in inference
    /// (the projected words are made on the first step and reused on the second) and in the
    /// gradients of every parameter, the embedding's included.
    func testLSTMCellReadingWordsEqualsTheConcatenatedInput() {
        let store = ParameterStore(seed: 4)
        let embedding = Embedding(count: 6, dimension: 3, in: store.scope("embedding"))
        let cell = LSTMCell(inputSize: 5, hiddenSize: 4, in: store.scope("cell"))
        let rest = sample([1, 2], seed: 20)
        let state = LSTMState(hidden: sample([1, 4], seed: 21), cell: sample([1, 4], seed: 22))
        for _ in 0..<2 {
            let expected = withoutGradients {
                cell(concat([embedding([4]), rest], axis: 1), state)
            }
            let actual = withoutGradients {
                cell([4], embeddedBy: embedding, followedBy: rest, state)
            }
            assertClose(actual.hidden, expected.hidden, absoluteTolerance: 1e-6, "h")
            assertClose(actual.cell, expected.cell, absoluteTolerance: 1e-6, "c")
        }
        let parameters = store.parameters
        var gradients: [[Tensor]] = []
        for readsWords in [false, true] {
            parameters.forEach { $0.zeroGradient() }
            let next =
                readsWords
                ? cell([4], embeddedBy: embedding, followedBy: rest, state)
                : cell(concat([embedding([4]), rest], axis: 1), state)
            (next.hidden * sample([1, 4], seed: 23)).sum().backward()
            gradients.append(parameters.map { $0.gradient ?? .zeros($0.value.shape) })
        }
        XCTAssertGreaterThan(gradients[0][0].scalars.map(abs).max()!, 0)
        for (concatenated, words) in zip(gradients[0], gradients[1]) {
            assertClose(words, concatenated, absoluteTolerance: 1e-6)
        }
    }

    func testGRUCellMatchesNumpyReference() throws {
        let reference = try RecurrentReference.load("gru_cell")
        let store = ParameterStore()
        let cell = GRUCell(inputSize: 3, hiddenSize: 4, in: store.root)
        try reference.load(into: store)
        let h1 = cell(reference.input("x1"), reference.input("h0"))
        assertClose(h1, reference.output("h1"), absoluteTolerance: referenceTolerance, "h1")
        assertClose(
            cell(reference.input("x2"), h1), reference.output("h2"),
            absoluteTolerance: referenceTolerance, "h2")
    }

    func testRNNCellMatchesNumpyReference() throws {
        let reference = try RecurrentReference.load("rnn_cell")
        let store = ParameterStore()
        let cell = RNNCell(inputSize: 3, hiddenSize: 4, in: store.root)
        try reference.load(into: store)
        let h1 = cell(reference.input("x1"), reference.input("h0"))
        assertClose(h1, reference.output("h1"), absoluteTolerance: referenceTolerance, "h1")
        assertClose(
            cell(reference.input("x2"), h1), reference.output("h2"),
            absoluteTolerance: referenceTolerance, "h2")
    }

    func testLSTMCellGradientsOfInputStateAndParameters() {
        let store = ParameterStore(seed: 3)
        let cell = LSTMCell(inputSize: 3, hiddenSize: 2, in: store.root)
        let parameters = [cell.weightIH, cell.weightHH, cell.biasIH!, cell.biasHH!]
        let x = sample([2, 3], seed: 10)
        let h = sample([2, 2], seed: 11)
        let c = sample([2, 2], seed: 12)
        checkGradients([x, h, c] + parameters.map(\.value)) { p in
            for (parameter, value) in zip(parameters, p[3...]) { parameter.value = value }
            // Two steps, so the state's gradient also flows through the recurrence.
            let state1 = cell(p[0], LSTMState(hidden: p[1], cell: p[2]))
            let state2 = cell(p[0] * 0.5, state1)
            return concat([state1.hidden, state2.hidden, state2.cell], axis: 1)
        }
    }

    func testGRUCellGradientsOfInputStateAndParameters() {
        let store = ParameterStore(seed: 4)
        let cell = GRUCell(inputSize: 3, hiddenSize: 2, in: store.root)
        checkTwoSteps(
            [cell.weightIH, cell.weightHH, cell.biasIH!, cell.biasHH!], seed: 13,
            cell.callAsFunction)
    }

    func testRNNCellGradientsOfInputStateAndParameters() {
        let store = ParameterStore(seed: 5)
        let cell = RNNCell(inputSize: 3, hiddenSize: 2, in: store.root)
        checkTwoSteps(
            [cell.weightIH, cell.weightHH, cell.biasIH!, cell.biasHH!], seed: 15,
            cell.callAsFunction)
    }

    /// Finite-difference gradients of x [2, 3], h [2, 2] and `parameters` through two steps of a
    /// cell whose state is h, the second from h₁ (so h's gradient also flows through the
    /// recurrence).
    func checkTwoSteps(
        _ parameters: [Parameter], seed: UInt64, file: StaticString = #filePath,
        line: UInt = #line, _ step: (Tensor, Tensor) -> Tensor
    ) {
        let x = sample([2, 3], seed: seed)
        let h = sample([2, 2], seed: seed + 1)
        checkGradients([x, h] + parameters.map(\.value), file: file, line: line) { p in
            for (parameter, value) in zip(parameters, p[2...]) { parameter.value = value }
            let h1 = step(p[0], p[1])
            return concat([h1, step(p[0] * -1, h1)], axis: 1)
        }
    }

    func testCellsWithoutBiasMatchZeroBias() {
        let store = ParameterStore(seed: 6)
        let plain = LSTMCell(inputSize: 2, hiddenSize: 3, bias: false, in: store.scope("a"))
        let biased = LSTMCell(inputSize: 2, hiddenSize: 3, in: store.scope("b"))
        biased.weightIH.value = plain.weightIH.value
        biased.weightHH.value = plain.weightHH.value
        biased.biasIH!.value = .zeros([12])
        biased.biasHH!.value = .zeros([12])
        let x = sample([4, 2], seed: 17)
        let state = LSTMState(hidden: sample([4, 3], seed: 18), cell: sample([4, 3], seed: 19))
        assertClose(plain(x, state).hidden, biased(x, state).hidden)
    }

    func testSequenceRunMatchesRepeatedSteps() {
        // Each cell's fast `run` against its own single steps, both directions.
        let store = ParameterStore(seed: 7)
        let inputs = sample([4, 2, 3], seed: 20)
        let steps = inputs.unstacked()
        let lstm = LSTMCell(inputSize: 3, hiddenSize: 2, in: store.scope("lstm"))
        let gru = GRUCell(inputSize: 3, hiddenSize: 2, in: store.scope("gru"))
        let rnn = RNNCell(inputSize: 3, hiddenSize: 2, in: store.scope("rnn"))
        for reversed in [false, true] {
            let order = reversed ? [3, 2, 1, 0] : [0, 1, 2, 3]
            var state = lstm.zeroState(batchSize: 2)
            var expected = [Tensor?](repeating: nil, count: 4)
            for t in order {
                state = lstm(steps[t], state)
                expected[t] = state.hidden
            }
            let run = lstm.run(inputs, from: lstm.zeroState(batchSize: 2), reversed: reversed)
            assertClose(run.outputs, stack(expected.map { $0! }, axis: 0), "LSTM")
            assertClose(run.state.cell, state.cell, "LSTM cell state")

            var h = gru.zeroState(batchSize: 2)
            var g = h
            for t in order {
                h = gru(steps[t], h)
                g = rnn(steps[t], g)
            }
            assertClose(gru.run(inputs, from: .zeros([2, 2]), reversed: reversed).state, h, "GRU")
            assertClose(rnn.run(inputs, from: .zeros([2, 2]), reversed: reversed).state, g, "RNN")
        }
    }

    func testDefaultRunForACustomCell() {
        // A cell that only implements a step gets the protocol's run().
        struct Wrapped: RecurrentCell {
            let inner: RNNCell
            var parameters: [Parameter] { inner.parameters }
            var inputSize: Int { inner.inputSize }
            var hiddenSize: Int { inner.hiddenSize }
            func zeroState(batchSize: Int) -> Tensor { inner.zeroState(batchSize: batchSize) }
            func callAsFunction(_ input: Tensor, _ state: Tensor) -> Tensor { inner(input, state) }
            func output(of state: Tensor) -> Tensor { state }
        }
        let store = ParameterStore(seed: 8)
        let cell = RNNCell(inputSize: 3, hiddenSize: 2, in: store.root)
        let inputs = sample([3, 2, 3], seed: 21)
        let h0 = sample([2, 2], seed: 22)
        let fast = cell.run(inputs, from: h0, reversed: true)
        let generic = Wrapped(inner: cell).run(inputs, from: h0, reversed: true)
        assertClose(generic.outputs, fast.outputs)
        checkGradients([inputs, h0]) { p in
            Wrapped(inner: cell).run(p[0], from: p[1], reversed: false).outputs
        }
    }
}
