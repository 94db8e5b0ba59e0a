// The exact workloads of ../shared/perf/torch_bench.py, built from Glimpse layers.
import Foundation
import GlimpseLayers
import GlimpseTensor

enum Workloads {
    /// (a) conv3×3 3→32→64→128 with ReLU and 2×2 max-pools, global average pool, linear → 13.
    static func cnn(runs: Int) -> (train: Double, inferB64: Double, inferB1: Double) {
        let store = ParameterStore(seed: 0)
        let convolutions = [(3, 32), (32, 64), (64, 128)].enumerated().map { index, channels in
            Conv2D(
                inChannels: channels.0, outChannels: channels.1, kernelSize: 3, padding: 1,
                in: store.scope("c\(index + 1)"))
        }
        let classifier = Linear(128, 13, in: store.scope("fc"))
        let pool = MaxPool2D(kernelSize: 2)
        func forward(_ x: Tensor) -> Tensor {
            var h = x
            for convolution in convolutions { h = convolution(h, reluThen: pool) }
            return classifier(globalAveragePool(h))
        }
        var generator = SplitMix64(seed: 1)
        let x = Tensor(randomNormal: [64, 3, 64, 64], using: &generator)
        let labels = (0..<64).map { $0 % 13 }
        var adam = Adam(parameters: store.parameters)
        let train = Measure.median(runs: runs) {
            crossEntropy(logits: forward(x), targets: labels).backward()
            adam.step()
        }
        let infer = withoutGradients { Measure.median(runs: runs * 2) { _ = forward(x) } }
        let one = x.slice(axis: 0, range: 0..<1)
        let single = withoutGradients { Measure.median(runs: runs * 20) { _ = forward(one) } }
        return (64 / train, 64 / infer, single * 1000)
    }

    /// (c) nn.LSTM(128, 256), batch 32, 32 steps.
    static func lstm(runs: Int) -> (train: Double, infer: Double) {
        let store = ParameterStore(seed: 0)
        let lstm = LSTM(inputSize: 128, hiddenSize: 256, in: store.root)
        var generator = SplitMix64(seed: 2)
        let x = Tensor(randomNormal: [32, 32, 128], using: &generator)
        let train = Measure.median(runs: runs) {
            lstm(x).sum().backward()
            for parameter in store.parameters { parameter.zeroGradient() }
        }
        let infer = withoutGradients { Measure.median(runs: runs * 2) { _ = lstm(x) } }
        return (32 / train, 32 / infer)
    }

    /// (b) The Show-Attend-Tell decoder of torch_bench.py: features 8×8×128, vocabulary 1000,
    /// embedding 128, hidden 256, attention 256, 16 steps, teacher forcing, Adam; greedy decoding.
    static func attentionDecoder(runs: Int) -> (train: Double, greedyB1: Double, greedyB32: Double)
    {
        let store = ParameterStore(seed: 0)
        let (v, e, h, d, a) = (1000, 128, 256, 128, 256)
        let embedding = Embedding(count: v, dimension: e, in: store.scope("embed"))
        let attention = SoftAttention(features: d, hidden: h, attention: a, in: store.scope("att"))
        let initHidden = Linear(d, h, in: store.scope("init_h"))
        let initCell = Linear(d, h, in: store.scope("init_c"))
        let cell = LSTMCell(inputSize: e + d, hiddenSize: h, in: store.scope("cell"))
        let output = Linear(h, v, in: store.scope("fc"))
        func start(_ features: Tensor) -> LSTMState {
            let mean = features.mean(alongAxis: 1)
            return LSTMState(hidden: tanh(initHidden(mean)), cell: tanh(initCell(mean)))
        }
        var generator = SplitMix64(seed: 3)
        let features = Tensor(randomNormal: [32, 64, d], using: &generator)
        let tokens = (0..<(32 * 17)).map { _ in Int(generator.next() % UInt64(v)) }
        var adam = Adam(parameters: store.parameters)
        let train = Measure.median(runs: runs) {
            let projected = attention.projectFeatures(features)
            var state = start(features)
            let embedded = embedding(Array(tokens[0..<(32 * 16)]))  // time-major [16·32, E]
            var outputs: [Tensor] = []
            for t in 0..<16 {
                let (context, _) = attention(features, projected: projected, hidden: state.hidden)
                let input = concat(
                    [embedded.slice(axis: 0, range: (t * 32)..<((t + 1) * 32)), context], axis: 1)
                state = cell(input, state)
                outputs.append(state.hidden)
            }
            let logits = output(concat(outputs, axis: 0))
            crossEntropy(logits: logits, targets: Array(tokens[32..<(32 * 17)])).backward()
            adam.step()
        }
        func greedy(_ features: Tensor) {
            withoutGradients {
                let n = features.shape[0]
                let projected = attention.projectFeatures(features)
                var state = start(features)
                var next = [Int](repeating: 1, count: n)
                for _ in 0..<16 {
                    let (context, _) = attention(
                        features, projected: projected, hidden: state.hidden)
                    state = cell(next, embeddedBy: embedding, followedBy: context, state)
                    let logits = output(state.hidden)
                    let (_, indices) = logits.max(alongAxis: 1)
                    next = indices
                }
            }
        }
        let one = features.slice(axis: 0, range: 0..<1)
        let b1 = Measure.median(runs: runs * 10) { greedy(one) }
        let b32 = Measure.median(runs: runs * 2) { greedy(features) }
        return (32 / train, b1 * 1000, 32 / b32)
    }
}

extension Workloads {
    /// (f) torch_bench.py's VQANet op for op, from Glimpse layers: embedding 1000→128, LSTM
    /// 128→256 over 12 words (q = the last state), one attention hop over the given 8×8×128
    /// grid (h = tanh(W_I v_i + W_Q q), p = softmax(wᵀh), u = W_v Σ p_i v_i + q), MLP
    /// 256→256→100; batch 64 with Adam, inference at 64 and 1.
    static func vqa(runs: Int) -> (train: Double, inferB64: Double, inferB1: Double) {
        let store = ParameterStore(seed: 0)
        let (n, steps, v, e, h, d, a, k) = (64, 12, 1000, 128, 256, 128, 256, 100)
        let embedding = Embedding(count: v, dimension: e, in: store.scope("embed"))
        let lstm = LSTM(inputSize: e, hiddenSize: h, in: store.scope("lstm"))
        let attention = SoftAttention(features: d, hidden: h, attention: a, in: store.scope("att"))
        let imageProjection = Linear(d, h, in: store.scope("img_proj"))
        let fc1 = Linear(h, h, in: store.scope("fc1"))
        let fc2 = Linear(h, k, in: store.scope("fc2"))
        /// grid [N, P, D], words time-major (T·N ids) -> logits [N, K]
        func forward(_ grid: Tensor, _ words: [Int]) -> Tensor {
            let rows = grid.shape[0]
            let outputs = lstm(embedding(words).reshaped(to: [steps, rows, e]))  // [T, N, H]
            let q = outputs.slice(axis: 0, range: (steps - 1)..<steps).reshaped(to: [rows, h])
            let (context, _) = attention(grid, hidden: q)  // [N, D]
            return fc2(relu(fc1(imageProjection(context) + q)))
        }
        var generator = SplitMix64(seed: 5)
        let grid = Tensor(randomNormal: [n, 64, d], using: &generator)
        let words = (0..<(steps * n)).map { _ in Int(generator.next() % UInt64(v)) }
        let answers = (0..<n).map { _ in Int(generator.next() % UInt64(k)) }
        var adam = Adam(parameters: store.parameters)
        let train = Measure.median(runs: runs) {
            crossEntropy(logits: forward(grid, words), targets: answers).backward()
            adam.step()
        }
        let infer = withoutGradients { Measure.median(runs: runs * 2) { _ = forward(grid, words) } }
        let one = grid.slice(axis: 0, range: 0..<1)
        let oneQuestion = (0..<steps).map { words[$0 * n] }
        let single = withoutGradients {
            Measure.median(runs: runs * 20) { _ = forward(one, oneQuestion) }
        }
        return (Double(n) / train, Double(n) / infer, single * 1000)
    }
}
