// Random.swift — a small seeded generator and the float draws built on it.
//
// SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
// constants from Vigna's reference implementation) passes BigCrush, and its whole state is one
// UInt64, so a training run can store it in a checkpoint and resume the same stream. Floats are
// derived here from raw 64-bit outputs, not through the standard library's `random(in:using:)`,
// so a seed gives the same tensors on every platform and Swift version.

import Foundation

/// The SplitMix64 pseudorandom generator: deterministic for a seed, with readable state.
public struct SplitMix64: RandomNumberGenerator, Sendable, Hashable, Codable {
    /// The whole generator state; assigning a saved value resumes that stream.
    public var state: UInt64

    /// A generator whose stream is determined by `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension RandomNumberGenerator {
    /// A uniform draw from [0, 1): 24 random bits, so every value is a multiple of 2⁻²⁴.
    mutating func nextUnitFloat() -> Float {
        Float(next() >> 40) * 0x1p-24
    }

    /// Two independent standard normal draws by the Box–Muller transform:
    /// r = √(−2 ln u₁), θ = 2π u₂ -> (r cos θ, r sin θ), with u₁ ∈ (0, 1] and u₂ ∈ [0, 1).
    mutating func nextStandardNormalPair() -> (Float, Float) {
        let u1 = Double((next() >> 11) + 1) * 0x1p-53
        let u2 = Double(next() >> 11) * 0x1p-53
        let radius = (-2 * log(u1)).squareRoot()
        let angle = 2 * Double.pi * u2
        return (Float(radius * cos(angle)), Float(radius * sin(angle)))
    }
}
