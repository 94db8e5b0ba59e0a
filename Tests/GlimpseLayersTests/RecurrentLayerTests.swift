// LSTM, GRU and RNN over sequences: PyTorch names, values against the numpy reference,
// gradients through two bidirectional layers, truncated BPTT, and learning a small task.
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class RecurrentLayerTests: XCTestCase {
    func testParameterNamesFollowPyTorch() {
        let store = ParameterStore(seed: 1)
        let lstm = LSTM(
            inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, in: store.scope("rnn"))
        let names = store.parameters.map(\.name)
        XCTAssertEqual(names.count, 16)
        XCTAssertEqual(
            Array(names.prefix(8)),
            [
                "rnn.weight_ih_l0", "rnn.weight_hh_l0", "rnn.bias_ih_l0", "rnn.bias_hh_l0",
                "rnn.weight_ih_l0_reverse", "rnn.weight_hh_l0_reverse", "rnn.bias_ih_l0_reverse",
                "rnn.bias_hh_l0_reverse",
            ])
        XCTAssertEqual(store["rnn.weight_ih_l1"]?.shape, [16, 8], "layer 1 reads both directions")
        XCTAssertEqual(store["rnn.weight_hh_l1_reverse"]?.shape, [16, 4])
        XCTAssertEqual(lstm.layerCount, 2)
        XCTAssertEqual(lstm.directionCount, 2)
    }

    func testLSTMMatchesNumpyReference() throws {
        let reference = try RecurrentReference.load("lstm")
        let store = ParameterStore()
        let lstm = LSTM(inputSize: 3, hiddenSize: 4, layers: 2, bidirectional: true, in: store.root)
        try reference.load(into: store)
        let h0 = reference.input("h0").unstacked()
        let c0 = reference.input("c0").unstacked()
        let initial = zip(h0, c0).map { LSTMState(hidden: $0, cell: $1) }
        // Recording (step-by-step ops) and in inference (one kernel per layer and direction).
        for (mode, (outputs, states)) in [
            ("training", lstm(reference.input("x"), initialStates: initial)),
            ("inference", withoutGradients { lstm(reference.input("x"), initialStates: initial) }),
        ] {
            let tolerance = referenceTolerance
            assertClose(
                outputs, reference.output("outputs"), absoluteTolerance: tolerance,
                "\(mode) outputs")
            assertClose(
                stack(states.map(\.hidden), axis: 0), reference.output("h_n"),
                absoluteTolerance: tolerance, "\(mode) h_n")
            assertClose(
                stack(states.map(\.cell), axis: 0), reference.output("c_n"),
                absoluteTolerance: tolerance, "\(mode) c_n")
        }
    }

    func testGRUAndReluRNNMatchNumpyReference() throws {
        let gruReference = try RecurrentReference.load("gru")
        let gruStore = ParameterStore()
        let gru = GRU(inputSize: 3, hiddenSize: 4, layers: 2, in: gruStore.root)
        try gruReference.load(into: gruStore)
        let gruResult = gru(
            gruReference.input("x"), initialStates: gruReference.input("h0").unstacked())
        assertClose(
            gruResult.outputs, gruReference.output("outputs"),
            absoluteTolerance: referenceTolerance, "GRU outputs")
        assertClose(
            stack(gruResult.states, axis: 0), gruReference.output("h_n"),
            absoluteTolerance: referenceTolerance, "GRU h_n")

        let rnnReference = try RecurrentReference.load("rnn_relu")
        let rnnStore = ParameterStore()
        let rnn = RNN(
            inputSize: 3, hiddenSize: 4, bidirectional: true, nonlinearity: .relu,
            in: rnnStore.root)
        try rnnReference.load(into: rnnStore)
        let rnnResult = rnn(
            rnnReference.input("x"), initialStates: rnnReference.input("h0").unstacked())
        assertClose(
            rnnResult.outputs, rnnReference.output("outputs"),
            absoluteTolerance: referenceTolerance, "RNN outputs")
        assertClose(
            stack(rnnResult.states, axis: 0), rnnReference.output("h_n"),
            absoluteTolerance: referenceTolerance, "RNN h_n")
    }

    func testBatchFirstMatchesTimeMajor() {
        let store = ParameterStore(seed: 2)
        let timeMajor = GRU(inputSize: 3, hiddenSize: 2, bidirectional: true, in: store.scope("a"))
        // The same cells (same parameters) in a batch-first wrapper.
        let batchMajor = Recurrent<GRUCell>(
            inputSize: 3, hiddenSize: 2, bidirectional: true, batchFirst: true
        ) { _, suffix in timeMajor.cells[0][suffix.hasSuffix("_reverse") ? 1 : 0] }
        let x = sample([5, 2, 3], seed: 3)  // [T, N, in]
        let expected = timeMajor(x)  // [T, N, 4]
        let actual = batchMajor(x.permuted([1, 0, 2]))  // [N, T, 4]
        assertClose(actual, expected.permuted([1, 0, 2]))
    }

    /// Sets every parameter of `store` from `values` (in order) and returns the rest.
    func assign(_ values: ArraySlice<Tensor>, to store: ParameterStore) -> ArraySlice<Tensor> {
        for (parameter, value) in zip(store.parameters, values) { parameter.value = value }
        return values.dropFirst(store.parameters.count)
    }

    func testLSTMGradientsThroughTwoBidirectionalLayers() {
        let store = ParameterStore(seed: 4)
        let lstm = LSTM(inputSize: 2, hiddenSize: 2, layers: 2, bidirectional: true, in: store.root)
        let x = sample([3, 2, 2], seed: 5)  // T = 3, N = 2
        let h0 = (0..<4).map { sample([2, 2], seed: 10 + UInt64($0)) }
        let c0 = (0..<4).map { sample([2, 2], seed: 20 + UInt64($0)) }
        checkGradients([x] + h0 + c0 + store.parameters.map(\.value)) { p in
            _ = assign(p[9...], to: store)
            let states = (0..<4).map { LSTMState(hidden: p[1 + $0], cell: p[5 + $0]) }
            let (outputs, final) = lstm(p[0], initialStates: states)  // [3, 2, 4]
            let parts = [outputs, final[1].cell, final[2].hidden, final[3].cell]
            return concat(parts.map { $0.reshaped(to: [-1]) }, axis: 0)
        }
    }

    func testGRUAndRNNGradientsThroughBidirectionalLayers() {
        let store = ParameterStore(seed: 6)
        let gru = GRU(inputSize: 2, hiddenSize: 2, layers: 2, bidirectional: true, in: store.root)
        let x = sample([3, 2, 2], seed: 7)
        let h0 = (0..<4).map { sample([2, 2], seed: 30 + UInt64($0)) }
        checkGradients([x] + h0 + store.parameters.map(\.value)) { p in
            _ = assign(p[5...], to: store)
            let (outputs, final) = gru(p[0], initialStates: Array(p[1..<5]))
            return concat([outputs.reshaped(to: [-1]), final[3].reshaped(to: [-1])], axis: 0)
        }
        let rnnStore = ParameterStore(seed: 8)
        let rnn = RNN(inputSize: 2, hiddenSize: 3, bidirectional: true, in: rnnStore.root)
        checkGradients([x] + rnnStore.parameters.map(\.value)) { p in
            _ = assign(p[1...], to: rnnStore)
            return rnn(p[0])
        }
    }

    func testDetachedStateStopsGradients() {
        // Truncated BPTT: the second window starts from the first window's final states.
        let store = ParameterStore(seed: 9)
        let lstm = LSTM(inputSize: 2, hiddenSize: 3, layers: 2, in: store.root)
        let h0 = sample([2, 3], seed: 40).requiringGradient()
        let initial = [
            LSTMState(hidden: h0, cell: .zeros([2, 3])), lstm.zeroStates(batchSize: 2)[1],
        ]
        let (_, states) = lstm(sample([4, 2, 2], seed: 41), initialStates: initial)

        let (detachedOutputs, _) = lstm(
            sample([4, 2, 2], seed: 42), initialStates: states.map { $0.detached() })
        detachedOutputs.sum().backward()
        XCTAssertNil(h0.gradient, "no gradient crosses a detached state")
        XCTAssertNotNil(store.parameters[0].gradient, "the window's own steps still train")

        let (attachedOutputs, _) = lstm(sample([4, 2, 2], seed: 42), initialStates: states)
        attachedOutputs.sum().backward()
        let gradient = try! XCTUnwrap(h0.gradient, "without detaching, gradients reach h0")
        XCTAssertGreaterThan(gradient.scalars.map(abs).max()!, 0)
    }

    func testLSTMLearnsToPredictTheNextElementOfARepeatingSequence() {
        // The sequence 0 1 0 2 0 1 0 2 … (one-hot, 3 symbols): after a 0 the next symbol depends
        // on the one before it, so the network must remember. Four sequences start at the four
        // phases; steps t ≥ 2 are scored (before that the next symbol is ambiguous).
        let period = [0, 1, 0, 2]
        let (steps, batch, symbols) = (12, 4, 3)
        func oneHot(_ offset: Int) -> Tensor {
            var scalars = [Float](repeating: 0, count: steps * batch * symbols)
            for t in 0..<steps {
                for n in 0..<batch {
                    scalars[(t * batch + n) * symbols + period[(t + n + offset) % 4]] = 1
                }
            }
            return Tensor(shape: [steps, batch, symbols], scalars: scalars)
        }
        let (inputs, targets) = (oneHot(0), oneHot(1).slice(axis: 0, range: 2..<steps))
        let store = ParameterStore(seed: 10)
        let lstm = LSTM(inputSize: symbols, hiddenSize: 8, in: store.scope("lstm"))
        let readout = Linear(8, symbols, in: store.scope("readout"))

        // Mean cross-entropy of the next symbol over the scored steps.
        func loss() -> Tensor {
            let hidden = lstm(inputs).slice(axis: 0, range: 2..<steps)  // [10, 4, 8]
            let logits = readout(hidden)  // [10, 4, 3]
            return -(logSoftmax(logits, axis: 2) * targets).sum() / Float((steps - 2) * batch)
        }
        let initial = loss().scalar
        for _ in 0..<300 {
            loss().backward()
            for parameter in store.parameters {
                let gradient = parameter.gradient!
                parameter.value = withoutGradients { parameter.value - gradient * 1.0 }
            }
        }
        let final = loss().scalar
        XCTAssertGreaterThan(initial, 0.9, "an untrained model is near chance (ln 3 ≈ 1.10)")
        XCTAssertLessThan(final, 0.05, "trained loss \(final), started at \(initial)")
    }
}
