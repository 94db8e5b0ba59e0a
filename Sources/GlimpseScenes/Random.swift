// Random.swift — the seeded generator behind synthetic scenes.
//
// SplitMix64 (Steele, Lea & Flood, OOPSLA 2014; constants from Vigna's reference code) with
// integer draws only, so a seed gives the same scenes on every machine and Swift version. Each
// scene has its own stream, derived by hashing (seed, index), so `scene(at:)` is random access
// and generating scene 9 999 does not require generating the 9 999 before it.

/// A SplitMix64 generator with the integer draws scene generation needs.
public struct SceneRandom: Sendable, Hashable {
    /// The whole generator state.
    public var state: UInt64

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The stream for item `index` of a run seeded with `seed`, on channel `stream` (so that,
    /// for example, scene layout and question choices never share draws).
    public init(seed: UInt64, index: Int, stream: UInt64 = 0) {
        state = SceneRandom.mix(seed ^ SceneRandom.mix(UInt64(bitPattern: Int64(index)) &+ stream))
    }

    /// SplitMix64's output function: a bijective 64-bit hash.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform integer in 0..<n (n > 0); the modulo bias is below 2⁻⁴⁰ for scene-sized n.
    public mutating func int(below n: Int) -> Int {
        precondition(n > 0, "int(below: \(n))")
        return Int((next() >> 11) % UInt64(n))
    }

    /// A uniform integer in `range`.
    public mutating func int(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + int(below: range.count)
    }

    /// A uniformly chosen element of a non-empty collection.
    public mutating func element<C: RandomAccessCollection>(of collection: C) -> C.Element
    where C.Index == Int {
        collection[collection.startIndex + int(below: collection.count)]
    }

    /// A fair coin.
    public mutating func bool() -> Bool {
        next() >> 63 == 1
    }
}
