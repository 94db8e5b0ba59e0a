// Initializers.swift — random tensors and the standard weight initialisations.
//
// Fan-in and fan-out follow PyTorch for a weight of shape [out, in, k…]: with r = Πk (the
// receptive field, 1 for a matrix), fanIn = in·r and fanOut = out·r.
//   Glorot (Xavier) uniform — Glorot & Bengio 2010, eq. 16: U(−a, a), a = gain·√(6/(fanIn+fanOut))
//   Kaiming (He) uniform/normal — He et al. 2015, eq. 10: std = gain/√fanIn, gain √2 for ReLU;
//     uniform bound a = √3·std
//   Orthogonal — Saxe et al. 2014: the Q factor of a standard normal matrix, via Gram–Schmidt.

extension Tensor {
    /// A tensor of `shape` with elements drawn uniformly from `range`.
    public init<G: RandomNumberGenerator>(
        randomUniform shape: [Int], in range: Range<Float> = 0..<1, using generator: inout G
    ) {
        let width = range.upperBound - range.lowerBound
        self.init(shape: shape) { buffer in
            for i in buffer.indices {
                buffer[i] = range.lowerBound + width * generator.nextUnitFloat()
            }
        }
    }

    /// A tensor of `shape` with elements drawn from N(mean, standardDeviation²) (Box–Muller).
    public init<G: RandomNumberGenerator>(
        randomNormal shape: [Int], mean: Float = 0, standardDeviation: Float = 1,
        using generator: inout G
    ) {
        self.init(shape: shape) { buffer in
            var i = 0
            while i < buffer.count {
                let (first, second) = generator.nextStandardNormalPair()
                buffer[i] = mean + standardDeviation * first
                if i + 1 < buffer.count { buffer[i + 1] = mean + standardDeviation * second }
                i += 2
            }
        }
    }

    /// Glorot (Xavier) uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)).
    /// `shape` is [out, in, k…] (rank ≥ 2).
    public init<G: RandomNumberGenerator>(
        glorotUniform shape: [Int], gain: Float = 1, using generator: inout G
    ) {
        let (fanIn, fanOut) = Tensor.fans(of: shape)
        let bound = gain * (6 / Float(fanIn + fanOut)).squareRoot()
        self.init(randomUniform: shape, in: -bound..<bound, using: &generator)
    }

    /// Kaiming (He) uniform: U(−a, a) with a = gain·√(3 / fanIn); the default gain √2 suits ReLU.
    /// `shape` is [out, in, k…] (rank ≥ 2).
    public init<G: RandomNumberGenerator>(
        kaimingUniform shape: [Int], gain: Float = Float(2).squareRoot(), using generator: inout G
    ) {
        let bound = gain * (3 / Float(Tensor.fans(of: shape).fanIn)).squareRoot()
        self.init(randomUniform: shape, in: -bound..<bound, using: &generator)
    }

    /// Kaiming (He) normal: N(0, σ²) with σ = gain / √fanIn; the default gain √2 suits ReLU.
    /// `shape` is [out, in, k…] (rank ≥ 2).
    public init<G: RandomNumberGenerator>(
        kaimingNormal shape: [Int], gain: Float = Float(2).squareRoot(), using generator: inout G
    ) {
        let deviation = gain / Float(Tensor.fans(of: shape).fanIn).squareRoot()
        self.init(randomNormal: shape, standardDeviation: deviation, using: &generator)
    }

    /// A (semi-)orthogonal matrix times `gain`, viewing `shape` = [rows, c…] as [rows, Πc]:
    /// orthonormal rows when rows ≤ Πc, orthonormal columns otherwise. It is the Q factor (with
    /// positive R diagonal) of a standard normal matrix, by Gram–Schmidt with reorthogonalisation.
    public init<G: RandomNumberGenerator>(
        orthogonal shape: [Int], gain: Float = 1, using generator: inout G
    ) {
        precondition(shape.count >= 2, "orthogonal init needs rank ≥ 2, shape is \(shape)")
        let rows = shape[0]
        let columns = Tensor.elementCount(of: shape) / Swift.max(rows, 1)
        // Orthonormalise `count` vectors of `length` ≥ count: the longer side of the matrix.
        let (length, count) = rows >= columns ? (rows, columns) : (columns, rows)
        let normal = Tensor(randomNormal: [count, length], using: &generator).scalars
        var vectors = (0..<count).map { k in
            normal[(k * length)..<((k + 1) * length)].map(Double.init)
        }
        func dot(_ a: [Double], _ b: [Double]) -> Double {
            zip(a, b).reduce(0) { $0 + $1.0 * $1.1 }
        }
        for k in 0..<count {
            // A second pass removes what rounding left of the earlier directions.
            for _ in 0..<2 {
                for previous in 0..<k {
                    let projection = dot(vectors[previous], vectors[k])
                    for i in 0..<length { vectors[k][i] -= projection * vectors[previous][i] }
                }
            }
            let norm = dot(vectors[k], vectors[k]).squareRoot()
            for i in 0..<length { vectors[k][i] /= norm }
        }
        // vectors[k] is row k of the result when rows ≤ columns, column k otherwise.
        self.init(shape: shape) { buffer in
            for r in 0..<rows {
                for c in 0..<columns {
                    let value = rows <= columns ? vectors[r][c] : vectors[c][r]
                    buffer[r * columns + c] = gain * Float(value)
                }
            }
        }
    }

    /// (fanIn, fanOut) of a weight of shape [out, in, k…].
    static func fans(of shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        precondition(shape.count >= 2, "fan-in needs a weight of rank ≥ 2, shape is \(shape)")
        let receptiveField = Tensor.elementCount(of: Array(shape.dropFirst(2)))
        let fanIn = shape[1] * receptiveField
        let fanOut = shape[0] * receptiveField
        precondition(fanIn > 0 && fanOut > 0, "empty weight shape \(shape)")
        return (fanIn, fanOut)
    }
}
