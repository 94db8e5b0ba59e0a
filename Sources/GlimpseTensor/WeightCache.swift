// WeightCache.swift — copies derived from weights for inference (packed for products,
// transformed for Winograd convolutions, a decoder's words projected by its LSTM's input weight),
// made on first use and reused while the weights live.
import Synchronization

/// The most recently used values derived from weights, each keyed by its weights' storages and
/// shapes: at most `capacity` entries and, but for the newest, `capacityFloats` floats together
/// with the weights they keep alive.
///
/// An entry holds its weights' storages, so that they cannot be changed in place: every writer
/// (`Tensor.withUnsafeMutableBufferPointer`, hence `Parameter.update`) copies a storage that is
/// shared, and a changed weight is a new storage, derived anew.
final class WeightCache<Value: Sendable>: Sendable {
    private struct Entry {
        let storages: [TensorStorage]
        let shapes: [[Int]]
        let value: Value
        let floats: Int  // the value's and the weights'

        func isKey(_ weights: [Tensor]) -> Bool {
            weights.count == storages.count
                && zip(weights, zip(storages, shapes)).allSatisfy {
                    $0.storage === $1.0 && $0.shape == $1.1
                }
        }
    }
    private let capacity: Int
    private let capacityFloats: Int
    private let entries = Mutex<[Entry]>([])

    init(capacity: Int, capacityFloats: Int) {
        (self.capacity, self.capacityFloats) = (capacity, capacityFloats)
    }

    /// The value derived from `weight`: the cached one, or `derive(weight)` (which also returns
    /// the value's size in floats), then cached.
    func value(for weight: Tensor, derive: (Tensor) -> (value: Value, floats: Int)) -> Value {
        value(for: [weight]) { derive($0[0]) }
    }

    /// The value derived from several weights together: the cached one, or `derive(weights)`
    /// (which also returns the value's size in floats), then cached.
    func value(for weights: [Tensor], derive: ([Tensor]) -> (value: Value, floats: Int)) -> Value {
        if let cached = entries.withLock({ entries -> Value? in
            guard let index = entries.firstIndex(where: { $0.isKey(weights) }) else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)  // most recently used last
            return entry.value
        }) {
            return cached
        }
        let derived = derive(weights)
        entries.withLock { entries in
            entries.append(
                Entry(
                    storages: weights.map(\.storage), shapes: weights.map(\.shape),
                    value: derived.value,
                    floats: weights.reduce(derived.floats) { $0 &+ $1.storage.count }))
            func heldFloats() -> Int { entries.reduce(0) { $0 &+ $1.floats } }
            while entries.count > capacity
                || (entries.count > 1 && heldFloats() > capacityFloats)
            {
                entries.removeFirst()
            }
        }
        return derived.value
    }
}
