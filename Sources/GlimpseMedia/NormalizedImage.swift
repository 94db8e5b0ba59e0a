// The float tensor layout a CNN reads: planar channels, scaled to [0, 1], then standardised.

/// An image as planar 32-bit floats `[channels, height, width]`, ready for a model.
public struct NormalizedImage: Equatable, Sendable {
    public var channels: Int
    public var height: Int
    public var width: Int
    /// `values[(c * height + y) * width + x]`.
    public var values: [Float]

    /// ImageNet's per-channel statistics, the usual default for RGB CNNs.
    public static let imageNetMean: [Float] = [0.485, 0.456, 0.406]
    public static let imageNetStd: [Float] = [0.229, 0.224, 0.225]

    /// `values = (pixel / 255 − mean[c]) / std[c]` for the RGB channels (alpha dropped).
    public init(_ image: Image, mean: [Float] = [0, 0, 0], std: [Float] = [1, 1, 1]) {
        precondition(mean.count == 3 && std.count == 3, "mean and std need 3 values each")
        precondition(std.allSatisfy { $0 > 0 }, "std must be positive, got \(std)")
        let plane = image.width * image.height
        let c = image.channels
        var values = [Float](repeating: 0, count: 3 * plane)
        image.pixels.withUnsafeBufferPointer { src in
            values.withUnsafeMutableBufferPointer { dst in
                for k in 0..<3 {
                    let scale = 1 / (255 * std[k])
                    let shift = mean[k] / std[k]
                    for i in 0..<plane {
                        dst[k &* plane &+ i] = Float(src[i &* c &+ k]) * scale - shift
                    }
                }
            }
        }
        self.channels = 3
        self.height = image.height
        self.width = image.width
        self.values = values
    }
}
