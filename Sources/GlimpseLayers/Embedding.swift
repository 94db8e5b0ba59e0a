// Token embedding table, PyTorch's nn.Embedding layout and initialisation.
import GlimpseTensor

/// y[p] = W[indices[p]]: row lookup in a learned table.   W: [count, dimension] (key `weight`).
///
/// The gradient of a row is the sum of the gradients at every position that selected it.
public struct Embedding: Layer {
    public var parameters: [Parameter] { [weight] }

    public typealias Input = [Int]
    public typealias Output = Tensor

    public let weight: Parameter  // [count, dimension]
    public let count: Int
    public let dimension: Int

    /// Rows drawn from N(0, 1), as PyTorch's default.
    public init(count: Int, dimension: Int, in scope: ParameterScope) {
        precondition(
            count > 0 && dimension > 0,
            "Embedding needs a positive count and dimension, got \(count) × \(dimension)")
        self.count = count
        self.dimension = dimension
        weight = scope.parameter("weight", shape: [count, dimension]) {
            Tensor(randomNormal: [count, dimension], using: &$0)
        }
    }

    /// n indices in 0..<count -> [n, dimension]
    public func callAsFunction(_ indices: [Int]) -> Tensor {
        gather(weight.value, indices: indices)
    }

    /// B sequences of T indices each -> [B, T, dimension]
    public func callAsFunction(_ sequences: [[Int]]) -> Tensor {
        let length = sequences.first?.count ?? 0
        precondition(
            sequences.allSatisfy { $0.count == length },
            "Embedding needs sequences of equal length, got lengths \(sequences.map(\.count))")
        return self(sequences.flatMap { $0 }).reshaped(to: [sequences.count, length, dimension])
    }
}
