// WeightCache.swift — copies derived from a weight for inference (packed for products,
// transformed for Winograd convolutions), made on first use and reused while the weight lives.
import Synchronization

/// The most recently used values derived from weights, each keyed by its weight's storage and
/// shape: at most `capacity` entries and, but for the newest, `capacityFloats` floats together
/// with the weights they keep alive.
///
/// An entry holds its weight's storage, so that storage cannot be changed in place: every writer
/// (`Tensor.withUnsafeMutableBufferPointer`, hence `Parameter.update`) copies a storage that is
/// shared, and a changed weight is a new storage, derived anew.
final class WeightCache<Value: Sendable>: Sendable {
    private struct Entry {
        let storage: TensorStorage
        let shape: [Int]
        let value: Value
        let floats: Int  // the value's and the weight's
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
        let (storage, shape) = (weight.storage, weight.shape)
        if let cached = entries.withLock({ entries -> Value? in
            guard
                let index = entries.firstIndex(where: {
                    $0.storage === storage && $0.shape == shape
                })
            else { return nil }
            let entry = entries.remove(at: index)
            entries.append(entry)  // most recently used last
            return entry.value
        }) {
            return cached
        }
        let derived = derive(weight)
        entries.withLock { entries in
            entries.append(
                Entry(
                    storage: storage, shape: shape, value: derived.value,
                    floats: derived.floats &+ storage.count))
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
