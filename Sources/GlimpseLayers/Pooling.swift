// Pooling layers: parameter-free wrappers of maxPool2d, avgPool2d and globalAveragePool with
// PyTorch's defaults (stride = kernel size, no padding).
import GlimpseTensor

/// y[n,c,i,j] = max over the KH×KW window at (i·sh − ph, j·sw − pw), padding counting as −∞.
/// [N, C, H, W] -> [N, C, OH, OW], OH = ⌊(H + 2·ph − KH)/sh⌋ + 1 (OW likewise).
public struct MaxPool2D: Layer {
    public var parameters: [Parameter] { [] }

    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)

    /// `stride` defaults to the kernel size (non-overlapping windows), as in PyTorch.
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// A square window, stride and padding.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        let stride = stride ?? kernelSize
        self.init(
            kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: (padding, padding))
    }

    /// [N, C, H, W] -> [N, C, OH, OW]
    public func callAsFunction(_ x: Tensor) -> Tensor {
        maxPool2d(x, kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// y[n,c,i,j] = (1/(KH·KW)) Σ over the KH×KW window at (i·sh − ph, j·sw − pw), padding counting
/// as 0 and in the divisor (PyTorch's `count_include_pad=True`).
/// [N, C, H, W] -> [N, C, OH, OW], OH = ⌊(H + 2·ph − KH)/sh⌋ + 1 (OW likewise).
public struct AvgPool2D: Layer {
    public var parameters: [Parameter] { [] }

    public let kernelSize: (height: Int, width: Int)
    public let stride: (height: Int, width: Int)
    public let padding: (height: Int, width: Int)

    /// `stride` defaults to the kernel size (non-overlapping windows), as in PyTorch.
    public init(kernelSize: (Int, Int), stride: (Int, Int)? = nil, padding: (Int, Int) = (0, 0)) {
        self.kernelSize = kernelSize
        self.stride = stride ?? kernelSize
        self.padding = padding
    }

    /// A square window, stride and padding.
    public init(kernelSize: Int, stride: Int? = nil, padding: Int = 0) {
        let stride = stride ?? kernelSize
        self.init(
            kernelSize: (kernelSize, kernelSize), stride: (stride, stride),
            padding: (padding, padding))
    }

    /// [N, C, H, W] -> [N, C, OH, OW]
    public func callAsFunction(_ x: Tensor) -> Tensor {
        avgPool2d(x, kernel: kernelSize, stride: stride, padding: padding)
    }
}

/// y[n, c] = (1/(H·W)) Σ_{i,j} x[n, c, i, j]: one feature per channel.   [N, C, H, W] -> [N, C]
public struct GlobalAveragePool: Layer {
    public var parameters: [Parameter] { [] }

    public init() {}

    /// [N, C, H, W] -> [N, C]
    public func callAsFunction(_ x: Tensor) -> Tensor {
        globalAveragePool(x)
    }
}
