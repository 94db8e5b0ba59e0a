// Tensor.swift — the Float32 n-dimensional array at the base of GlimpseTensor.
//
// A `Tensor` is a value: a shape, a reference to contiguous row-major storage that is copied on
// write, and (when it takes part in automatic differentiation) a reference to its node in the
// gradient graph (Autodiff.swift). Copies of a tensor share storage until one of them is written,
// so reshaping or passing tensors around never copies scalars.

/// Contiguous, 64-byte aligned Float32 buffer shared by tensors until one of them is written.
///
/// `@unchecked Sendable`: scalars are written only through `Tensor`'s mutating API after a
/// uniqueness check (copy on write), or by kernels filling a buffer nothing else references yet,
/// the same discipline as `Array`'s buffer.
final class TensorStorage: @unchecked Sendable {
    let count: Int
    let base: UnsafeMutablePointer<Float>

    /// Allocates `count` uninitialised scalars; traps if their byte count overflows (callers
    /// validate sizes that come from files or arguments before asking for storage).
    init(count: Int) {
        self.count = count
        base = LargeBufferCache.allocate(byteCount: Self.byteCount(count))
            .bindMemory(to: Float.self, capacity: Swift.max(count, 1))
    }

    deinit {
        LargeBufferCache.release(UnsafeMutableRawPointer(base), byteCount: Self.byteCount(count))
    }

    private static func byteCount(_ count: Int) -> Int {
        let (bytes, overflow) = Swift.max(count, 1).multipliedReportingOverflow(
            by: MemoryLayout<Float>.stride)
        precondition(!overflow, "\(count) Float32 scalars do not fit in memory")
        return bytes
    }

    var buffer: UnsafeMutableBufferPointer<Float> {
        UnsafeMutableBufferPointer(start: base, count: count)
    }

    func copy() -> TensorStorage {
        let result = TensorStorage(count: count)
        result.base.update(from: base, count: count)
        return result
    }
}

/// A Float32 tensor: a shape and row-major scalars, with value semantics.
///
/// A tensor that requires gradients (see `requiringGradient()`) carries a node in the gradient
/// graph; every op applied to it records how to propagate gradients back, and
/// `backward()` on a scalar result accumulates `∂loss/∂x` into `x.gradient` for every such leaf.
public struct Tensor: Sendable {
    /// The extent of each axis, outermost first. `[]` is a scalar (one element).
    public let shape: [Int]
    var storage: TensorStorage
    /// This tensor's node in the gradient graph; `nil` when no gradient flows through it.
    let node: GraphNode?

    init(shape: [Int], storage: TensorStorage, node: GraphNode? = nil) {
        precondition(
            storage.count == Tensor.elementCount(of: shape),
            "storage holds \(storage.count) scalars, shape \(shape) needs "
                + "\(Tensor.elementCount(of: shape))")
        self.shape = shape
        self.storage = storage
        self.node = node
    }

    /// Creates a tensor of `shape` whose scalars are written by `initializer`, which must
    /// initialise every element of the buffer it is given.
    init(shape: [Int], initializingWith initializer: (UnsafeMutableBufferPointer<Float>) -> Void) {
        let storage = TensorStorage(count: Tensor.elementCount(of: shape))
        initializer(storage.buffer)
        self.init(shape: shape, storage: storage)
    }

    /// Creates a tensor from row-major `scalars`; `scalars.count` must equal the product of
    /// `shape`.
    public init(shape: [Int], scalars: [Float]) {
        let count = Tensor.elementCount(of: shape)
        precondition(
            scalars.count == count,
            "shape \(shape) needs \(count) scalars, got \(scalars.count)")
        self.init(shape: shape) { buffer in
            _ = buffer.initialize(from: scalars)
        }
    }

    /// Creates a rank-1 tensor holding `scalars`.
    public init(_ scalars: [Float]) {
        self.init(shape: [scalars.count], scalars: scalars)
    }

    /// Creates a rank-0 (scalar) tensor.
    public init(_ scalar: Float) {
        self.init(shape: [], scalars: [scalar])
    }

    /// Creates a tensor of `shape` with every element equal to `value`.
    public init(repeating value: Float, shape: [Int]) {
        self.init(shape: shape) { buffer in
            buffer.initialize(repeating: value)
        }
    }

    /// Creates the rank-1 tensor `[start, start + stride, …]` of the values below `end`
    /// (above `end` when `stride` is negative), like numpy's `arange`.
    public init(rangeFrom start: Float, to end: Float, stride: Float = 1) {
        precondition(stride != 0, "arange stride must be non-zero")
        let count = Swift.max(0, Int(((end - start) / stride).rounded(.up)))
        self.init(shape: [count]) { buffer in
            for index in 0..<count {
                buffer.initializeElement(at: index, to: start + Float(index) * stride)
            }
        }
    }

    /// A tensor of `shape` filled with zeros.
    public static func zeros(_ shape: [Int]) -> Tensor {
        Tensor(repeating: 0, shape: shape)
    }

    /// A tensor of `shape` filled with ones.
    public static func ones(_ shape: [Int]) -> Tensor {
        Tensor(repeating: 1, shape: shape)
    }

    /// The number of axes.
    public var rank: Int { shape.count }

    /// The number of elements (the product of `shape`; 1 for a scalar).
    public var count: Int { storage.count }

    /// All elements in row-major order.
    public var scalars: [Float] {
        Array(UnsafeBufferPointer(storage.buffer))
    }

    /// The value of a one-element tensor, such as a loss.
    public var scalar: Float {
        precondition(count == 1, "scalar needs a one-element tensor, shape is \(shape)")
        return storage.base[0]
    }

    /// The element at `indices` (one index per axis).
    public subscript(_ indices: Int...) -> Float {
        precondition(
            indices.count == rank, "\(indices.count) indices for a tensor of shape \(shape)")
        var offset = 0
        for (axis, index) in indices.enumerated() {
            precondition(
                index >= 0 && index < shape[axis],
                "index \(index) out of range for axis \(axis) of shape \(shape)")
            offset = offset &* shape[axis] &+ index
        }
        return storage.base[offset]
    }

    /// Calls `body` with the row-major scalars.
    public func withUnsafeBufferPointer<R>(
        _ body: (UnsafeBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        try body(UnsafeBufferPointer(storage.buffer))
    }

    /// Calls `body` with writable row-major scalars, first copying the storage if another tensor
    /// shares it. The tensor keeps its gradient node, so an optimizer can update a parameter in
    /// place; graphs recorded earlier keep the old values.
    public mutating func withUnsafeMutableBufferPointer<R>(
        _ body: (UnsafeMutableBufferPointer<Float>) throws -> R
    ) rethrows -> R {
        if !isKnownUniquelyReferenced(&storage) {
            storage = storage.copy()
        }
        return try body(storage.buffer)
    }

    /// The product of `shape`; preconditions that no extent is negative and that the product
    /// does not overflow (a wrapped count would allocate too little and be written past).
    static func elementCount(of shape: [Int]) -> Int {
        var count = 1
        for extent in shape {
            precondition(extent >= 0, "negative extent in shape \(shape)")
            let (product, overflow) = count.multipliedReportingOverflow(by: extent)
            precondition(!overflow, "shape \(shape) has more elements than Int can count")
            count = product
        }
        return count
    }

    /// Row-major strides of `shape`: `strides[k]` is the distance between neighbours on axis k.
    static func strides(of shape: [Int]) -> [Int] {
        var strides = [Int](repeating: 1, count: shape.count)
        var stride = 1
        for axis in shape.indices.reversed() {
            strides[axis] = stride
            stride &*= shape[axis]
        }
        return strides
    }

    /// `axis` in `0..<rank`, counting negative values from the end (`-1` is the last axis).
    func normalizedAxis(_ axis: Int, rank: Int? = nil) -> Int {
        let rank = rank ?? self.rank
        let normalized = axis < 0 ? axis + rank : axis
        precondition(
            normalized >= 0 && normalized < rank, "axis \(axis) out of range for shape \(shape)")
        return normalized
    }
}

extension Tensor: CustomStringConvertible {
    /// `Tensor([2, 3], [0.0, 1.0, …])`, listing at most the first 12 scalars.
    public var description: String {
        let shown = scalars.prefix(12).map { "\($0)" }.joined(separator: ", ")
        let more = count > 12 ? ", … (\(count) scalars)" : ""
        let tracking = requiresGradient ? ", requiresGradient" : ""
        return "Tensor(\(shape), [\(shown)\(more)]\(tracking))"
    }
}
