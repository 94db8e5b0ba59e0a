// Autodiff.swift — reverse-mode automatic differentiation without global state.
//
// Every tensor that requires gradients carries a `GraphNode`. A leaf node (made by
// `requiringGradient()`) owns the gradient accumulated into it; an op node holds the nodes of its
// inputs that require gradients and, for each, a pullback: the vector–Jacobian product mapping
// ∂loss/∂output to ∂loss/∂input. `backward()` visits nodes in reverse topological order, sums
// the pullbacks' results per node and adds each leaf's total to its stored gradient. Ops record
// nothing when no input requires gradients or inside `withoutGradients { … }`, a task-local mode.

import Synchronization

/// Maps ∂loss/∂output to ∂loss/∂input for one input of an op.
typealias Pullback = @Sendable (Tensor) -> Tensor

/// A tensor's identity in the gradient graph.
///
/// `@unchecked Sendable`: `parents` and `pullbacks` are written only in `init` and while tearing
/// down nodes nothing else references (`deinit`); the leaf gradient is guarded by a mutex.
final class GraphNode: @unchecked Sendable {
    /// Shape of the tensor this node belongs to, to check every pullback's result.
    let shape: [Int]
    /// Whether this is a leaf, which accumulates gradients instead of passing them on.
    let isLeaf: Bool
    /// Nodes of the inputs that require gradients; `pullbacks[k]` sends gradient to `parents[k]`.
    private(set) var parents: [GraphNode]
    private(set) var pullbacks: [Pullback]
    /// ∂loss/∂leaf summed over `backward()` calls since the last `zeroGradient()`.
    let accumulated = Mutex<Tensor?>(nil)

    /// A leaf node.
    init(leafOfShape shape: [Int]) {
        self.shape = shape
        isLeaf = true
        parents = []
        pullbacks = []
    }

    /// An op node.
    init(shape: [Int], parents: [GraphNode], pullbacks: [Pullback]) {
        precondition(parents.count == pullbacks.count && !parents.isEmpty)
        self.shape = shape
        isLeaf = false
        self.parents = parents
        self.pullbacks = pullbacks
    }

    /// Releases the graph behind this node iteratively: a recursive release of a long chain
    /// (an unrolled sequence of thousands of ops) would overflow a task's small stack.
    deinit {
        // Pullbacks may capture input tensors; each such input's node is also in `parents`, so
        // dropping the closures first leaves `parents` as the last owners.
        pullbacks.removeAll()
        var pending = parents
        parents.removeAll()
        while var parent = pending.popLast() {
            guard isKnownUniquelyReferenced(&parent) else { continue }
            parent.pullbacks.removeAll()
            pending.append(contentsOf: parent.parents)
            parent.parents.removeAll()
        }
    }

    /// Nodes reachable from `self`, each after all of its parents.
    func topologicalOrder() -> [GraphNode] {
        var order: [GraphNode] = []
        var visited: Set<ObjectIdentifier> = [ObjectIdentifier(self)]
        var stack: [(node: GraphNode, nextParent: Int)] = [(self, 0)]
        while let (node, nextParent) = stack.last {
            if nextParent < node.parents.count {
                stack[stack.count - 1].nextParent += 1
                let parent = node.parents[nextParent]
                if visited.insert(ObjectIdentifier(parent)).inserted {
                    stack.append((parent, 0))
                }
            } else {
                stack.removeLast()
                order.append(node)
            }
        }
        return order
    }
}

/// Whether ops record gradient graphs in the current task (see `withoutGradients`).
enum GradientMode {
    @TaskLocal static var isRecording = true
    /// Whether a `backward()` pass is running (which records nothing either): kernels that
    /// specialise for inference check it too.
    @TaskLocal static var isDifferentiating = false
}

/// Runs `body` in inference mode: ops inside record no graph, so their results do not require
/// gradients and no gradient memory is allocated. The mode is task-local: other tasks and
/// threads keep recording.
public func withoutGradients<R>(_ body: () throws -> R) rethrows -> R {
    try GradientMode.$isRecording.withValue(false, operation: body)
}

/// Runs the asynchronous `body` in inference mode (see the synchronous overload).
public func withoutGradients<R>(
    isolation: isolated (any Actor)? = #isolation,
    _ body: () async throws -> R
) async rethrows -> R {
    try await GradientMode.$isRecording.withValue(false, operation: body)
}

extension Tensor {
    /// Whether gradients flow through this tensor: it is a leaf made by `requiringGradient()` or
    /// the result of an op recorded on such tensors.
    public var requiresGradient: Bool { node != nil }

    /// The same values as a new leaf of the gradient graph (cut from any graph this tensor was
    /// computed in): `backward()` accumulates ∂loss/∂self into its `gradient`. Copies of the
    /// result share the leaf and its gradient; a parameter keeps it across in-place updates.
    public func requiringGradient() -> Tensor {
        Tensor(shape: shape, storage: storage, node: GraphNode(leafOfShape: shape))
    }

    /// The same values with no gradient graph: gradients do not flow back through the result
    /// (use it to truncate backpropagation through time). Shares storage; copies nothing.
    public func detached() -> Tensor {
        Tensor(shape: shape, storage: storage)
    }

    /// ∂loss/∂self summed over the `backward()` calls since creation or the last
    /// `zeroGradient()`; `nil` if none reached this tensor or it is not a leaf.
    public var gradient: Tensor? {
        guard let node, node.isLeaf else { return nil }
        return node.accumulated.withLock { $0 }
    }

    /// Discards this leaf's accumulated gradient, so the next `backward()` starts from zero.
    public func zeroGradient() {
        node?.accumulated.withLock { $0 = nil }
    }

    /// Back-propagates from this one-element tensor (a loss): adds ∂self/∂x to the `gradient`
    /// of every leaf x it depends on. The graph is kept, so it may be called again.
    public func backward() {
        precondition(count == 1, "backward() needs a one-element loss, shape is \(shape)")
        guard let node else {
            preconditionFailure("backward() on a tensor that does not require gradients")
        }
        // Pullbacks are built from ordinary ops; recording them would grow the graph.
        GradientMode.$isDifferentiating.withValue(true) {
            GradientMode.$isRecording.withValue(false) {
                var pending: [ObjectIdentifier: Tensor] = [
                    ObjectIdentifier(node): Tensor(repeating: 1, shape: shape)
                ]
                for current in node.topologicalOrder().reversed() {
                    guard let upstream = pending.removeValue(forKey: ObjectIdentifier(current))
                    else {
                        continue
                    }
                    if current.isLeaf {
                        current.accumulated.withLock { stored in
                            stored = stored.map { $0 + upstream } ?? upstream
                        }
                        continue
                    }
                    for (parent, pullback) in zip(current.parents, current.pullbacks) {
                        let contribution = pullback(upstream)
                        precondition(
                            contribution.shape == parent.shape,
                            "pullback produced \(contribution.shape) for an input of \(parent.shape)"
                        )
                        let key = ObjectIdentifier(parent)
                        pending[key] = pending[key].map { $0 + contribution } ?? contribution
                    }
                }
            }
        }
    }
}

/// `value` as the result of a unary op on `a`: records `pullback` if `a` requires gradients.
func record(_ value: Tensor, _ a: Tensor, _ pullback: @escaping Pullback) -> Tensor {
    guard let parent = a.node, GradientMode.isRecording else { return value }
    let node = GraphNode(shape: value.shape, parents: [parent], pullbacks: [pullback])
    return Tensor(shape: value.shape, storage: value.storage, node: node)
}

/// `value` as the result of a binary op on `a` and `b`: records the pullback of each input that
/// requires gradients.
func record(
    _ value: Tensor,
    _ a: Tensor, _ pullbackA: @escaping Pullback,
    _ b: Tensor, _ pullbackB: @escaping Pullback
) -> Tensor {
    guard a.node != nil || b.node != nil, GradientMode.isRecording else { return value }
    var parents: [GraphNode] = []
    var pullbacks: [Pullback] = []
    if let parent = a.node {
        parents.append(parent)
        pullbacks.append(pullbackA)
    }
    if let parent = b.node {
        parents.append(parent)
        pullbacks.append(pullbackB)
    }
    let node = GraphNode(shape: value.shape, parents: parents, pullbacks: pullbacks)
    return Tensor(shape: value.shape, storage: value.storage, node: node)
}

/// `value` as the result of an n-ary op: `pullback(upstream, k)` is ∂loss/∂inputs[k], called only
/// for inputs that require gradients.
func record(
    _ value: Tensor, _ inputs: [Tensor],
    _ pullback: @escaping @Sendable (Tensor, Int) -> Tensor
) -> Tensor {
    guard let node = node(ofShape: value.shape, on: inputs, pullback) else { return value }
    return Tensor(shape: value.shape, storage: value.storage, node: node)
}

/// The graph node of an n-ary op's result of `shape` (see `record(_:_:_:)`), or nil when nothing
/// is recorded. A fused op uses it for an intermediate result whose values it never stores.
func node(
    ofShape shape: [Int], on inputs: [Tensor],
    _ pullback: @escaping @Sendable (Tensor, Int) -> Tensor
) -> GraphNode? {
    guard inputs.contains(where: { $0.node != nil }), GradientMode.isRecording else {
        return nil
    }
    var parents: [GraphNode] = []
    var pullbacks: [Pullback] = []
    for (index, input) in inputs.enumerated() {
        if let parent = input.node {
            parents.append(parent)
            pullbacks.append { upstream in pullback(upstream, index) }
        }
    }
    return GraphNode(shape: shape, parents: parents, pullbacks: pullbacks)
}
