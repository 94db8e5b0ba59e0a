// Elementwise.swift — arithmetic and pointwise functions, each with its derivative.
//
// Binary operators broadcast (Broadcasting.swift); the gradient of a broadcast operand is summed
// back to its shape. For y = f(x) the pullback is ∂x = ∂y · f′(x), written next to the forward.

import CVectorMath
import Foundation

extension Kernels {
    /// y = f(x) elementwise.
    @inline(__always)
    static func map(_ x: Tensor, _ f: (Float) -> Float) -> Tensor {
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: x.shape) { y in
            for i in 0..<y.count { y[i] = f(px[i]) }
        }
    }

    /// Elements per chunk below which the ReLU kernels stay on one thread (256 KB).
    ///
    /// Only kernels with a fixed loop body are split: a loop calling a closure parameter `f`
    /// inside a chunk closure was compiled as one indirect call per element (perf showed
    /// ReLU's `max` closure at 11% of CNN time), so `map` and `zip` stay single-threaded.
    static let elementwiseChunk = 1 << 16

    /// Elements per chunk below which σ and tanh stay on one thread.
    static let transcendentalChunk = 1 << 14

    /// `kernel(x, y, count)` (a CVectorMath function such as `glimpse_tanh`) elementwise, split
    /// across threads for large tensors.
    static func transcendental(
        _ x: Tensor, _ kernel: (UnsafePointer<Float>?, UnsafeMutablePointer<Float>?, Int) -> Void
    ) -> Tensor {
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: x.shape) { y in
            guard let py = y.baseAddress else { return }
            Parallelism.forEachChunk(
                of: y.count, minimumChunk: transcendentalChunk, alignment: 16
            ) { _, chunk in
                kernel(px + chunk.lowerBound, py + chunk.lowerBound, chunk.count)
            }
        }
    }

    /// max(x, 0) elementwise, split across threads for large tensors.
    static func relu(_ x: Tensor) -> Tensor {
        let px = UnsafePointer(x.storage.base)
        return Tensor(shape: x.shape) { y in
            guard let py = y.baseAddress else { return }
            Parallelism.forEachChunk(
                of: y.count, minimumChunk: elementwiseChunk, alignment: 16
            ) { _, chunk in
                for i in chunk { py[i] = Swift.max(px[i], 0) }
            }
        }
    }

    /// ∂x = ∂y where x > 0, else 0; split across threads for large tensors.
    static func reluGradient(_ upstream: Tensor, _ x: Tensor) -> Tensor {
        let (pg, px) = (UnsafePointer(upstream.storage.base), UnsafePointer(x.storage.base))
        return Tensor(shape: x.shape) { dx in
            guard let pd = dx.baseAddress else { return }
            Parallelism.forEachChunk(
                of: dx.count, minimumChunk: elementwiseChunk, alignment: 16
            ) { _, chunk in
                for i in chunk { pd[i] = px[i] > 0 ? pg[i] : 0 }
            }
        }
    }
}

// MARK: - Tensor ⊕ Tensor (broadcasting)

extension Tensor {
    /// a + b, broadcasting.   ∂a = Σ ∂c,  ∂b = Σ ∂c  (Σ over broadcast axes)
    public static func + (a: Tensor, b: Tensor) -> Tensor {
        let (shapeA, shapeB) = (a.shape, b.shape)
        return record(
            Kernels.zip(a, b, +),
            a, { Kernels.sum($0, toShape: shapeA) },
            b, { Kernels.sum($0, toShape: shapeB) })
    }

    /// a − b, broadcasting.   ∂a = Σ ∂c,  ∂b = −Σ ∂c
    public static func - (a: Tensor, b: Tensor) -> Tensor {
        let (shapeA, shapeB) = (a.shape, b.shape)
        return record(
            Kernels.zip(a, b, -),
            a, { Kernels.sum($0, toShape: shapeA) },
            b, { -Kernels.sum($0, toShape: shapeB) })
    }

    /// a · b elementwise, broadcasting.   ∂a = Σ ∂c·b,  ∂b = Σ ∂c·a
    public static func * (a: Tensor, b: Tensor) -> Tensor {
        record(
            Kernels.zip(a, b, *),
            a, { Kernels.sum($0 * b, toShape: a.shape) },
            b, { Kernels.sum($0 * a, toShape: b.shape) })
    }

    /// a / b elementwise, broadcasting.   ∂a = Σ ∂c/b,  ∂b = −Σ ∂c·a/b²
    public static func / (a: Tensor, b: Tensor) -> Tensor {
        record(
            Kernels.zip(a, b, /),
            a, { Kernels.sum($0 / b, toShape: a.shape) },
            b, { Kernels.sum(-$0 * a / (b * b), toShape: b.shape) })
    }
}

// MARK: - Tensor ⊕ scalar

extension Tensor {
    /// x + s.   ∂x = ∂y
    public static func + (x: Tensor, s: Float) -> Tensor {
        record(Kernels.map(x) { $0 + s }, x) { $0 }
    }

    /// s + x.   ∂x = ∂y
    public static func + (s: Float, x: Tensor) -> Tensor {
        x + s
    }

    /// x − s.   ∂x = ∂y
    public static func - (x: Tensor, s: Float) -> Tensor {
        x + -s
    }

    /// s − x.   ∂x = −∂y
    public static func - (s: Float, x: Tensor) -> Tensor {
        record(Kernels.map(x) { s - $0 }, x) { -$0 }
    }

    /// x · s.   ∂x = ∂y·s
    public static func * (x: Tensor, s: Float) -> Tensor {
        record(Kernels.map(x) { $0 * s }, x) { $0 * s }
    }

    /// s · x.   ∂x = ∂y·s
    public static func * (s: Float, x: Tensor) -> Tensor {
        x * s
    }

    /// x / s.   ∂x = ∂y/s
    public static func / (x: Tensor, s: Float) -> Tensor {
        record(Kernels.map(x) { $0 / s }, x) { $0 / s }
    }

    /// s / x.   ∂x = −∂y·s/x²
    public static func / (s: Float, x: Tensor) -> Tensor {
        record(Kernels.map(x) { s / $0 }, x) { upstream in
            Kernels.zip(upstream, x) { g, v in -g * s / (v * v) }
        }
    }

    /// −x.   ∂x = −∂y
    public static prefix func - (x: Tensor) -> Tensor {
        record(Kernels.map(x) { -$0 }, x) { -$0 }
    }
}

// MARK: - Pointwise functions

/// eˣ elementwise.   ∂x = ∂y·y
public func exp(_ x: Tensor) -> Tensor {
    let y = Kernels.transcendental(x, glimpse_exp)
    return record(y, x) { $0 * y }
}

/// ln x elementwise (NaN for x < 0).   ∂x = ∂y/x
public func log(_ x: Tensor) -> Tensor {
    record(Kernels.map(x) { log($0) }, x) { $0 / x }
}

/// tanh x elementwise (vectorised, CVectorMath; absolute error about 10⁻⁷).
/// ∂x = ∂y·(1 − y²)
public func tanh(_ x: Tensor) -> Tensor {
    let y = Kernels.transcendental(x, glimpse_tanh)
    return record(y, x) { upstream in
        Kernels.zip(upstream, y) { g, v in g * (1 - v * v) }
    }
}

/// σ(x) = 1 / (1 + e⁻ˣ) elementwise, without overflow for large |x| (the exponential is
/// clamped; vectorised, CVectorMath; relative error about 10⁻⁷).   ∂x = ∂y·y·(1 − y)
public func sigmoid(_ x: Tensor) -> Tensor {
    let y = Kernels.transcendental(x, glimpse_sigmoid)
    return record(y, x) { upstream in
        Kernels.zip(upstream, y) { g, v in g * v * (1 - v) }
    }
}

/// max(x, 0) elementwise.   ∂x = ∂y where x > 0, else 0
public func relu(_ x: Tensor) -> Tensor {
    record(Kernels.relu(x), x) { upstream in Kernels.reluGradient(upstream, x) }
}

/// √x elementwise (NaN for x < 0).   ∂x = ∂y / (2√x)
public func sqrt(_ x: Tensor) -> Tensor {
    let y = Kernels.map(x) { $0.squareRoot() }
    return record(y, x) { upstream in
        Kernels.zip(upstream, y) { g, v in g / (2 * v) }
    }
}

/// xᵖ elementwise (NaN for x < 0 and non-integer p).   ∂x = ∂y·p·xᵖ⁻¹
public func pow(_ x: Tensor, _ exponent: Float) -> Tensor {
    record(Kernels.map(x) { pow($0, exponent) }, x) { upstream in
        Kernels.zip(upstream, x) { g, v in g * exponent * pow(v, exponent - 1) }
    }
}

/// min(max(x, lower), upper) elementwise.   ∂x = ∂y where lower ≤ x ≤ upper, else 0
public func clamp(_ x: Tensor, min lower: Float, max upper: Float) -> Tensor {
    precondition(lower <= upper, "clamp bounds \(lower) > \(upper)")
    return record(Kernels.map(x) { Swift.min(Swift.max($0, lower), upper) }, x) { upstream in
        Kernels.zip(upstream, x) { g, v in v >= lower && v <= upper ? g : 0 }
    }
}
