// How unlike a model's training images a new image is, judged from its encoder feature grid:
// per grid location and channel, the mean and standard deviation over the training images; a
// location's distance is the root mean square of its channels' z-scores, and a location is
// "unlike" when that distance exceeds a threshold chosen on held-out images. The share of an
// image's locations that are unlike is a number a person can read ("62% of its regions").
import GlimpseTensor

/// Feature statistics of a model's training images.
public struct FeatureDomain: Sendable, Equatable {
    /// Grid locations P and channels E of the features described.
    public let locations: Int
    public let channels: Int
    /// Per location and channel, location-major.   P × E
    public let mean: [Float]
    /// Per location and channel, floored (see ``Fit/domain()``).   P × E
    public let deviation: [Float]
    /// A location whose distance exceeds this is unlike the training images.
    public var locationThreshold: Float

    /// Statistics as stored; nil when the sizes disagree or a value is not finite, a
    /// deviation not positive or the threshold negative.
    public init?(
        locations: Int, channels: Int, mean: [Float], deviation: [Float], locationThreshold: Float
    ) {
        let (count, overflow) = locations.multipliedReportingOverflow(by: channels)
        guard locations > 0, channels > 0, !overflow, mean.count == count,
            deviation.count == count, mean.allSatisfy(\.isFinite),
            deviation.allSatisfy({ $0 > 0 && $0.isFinite }), locationThreshold >= 0,
            locationThreshold.isFinite
        else { return nil }
        self.locations = locations
        self.channels = channels
        self.mean = mean
        self.deviation = deviation
        self.locationThreshold = locationThreshold
    }

    /// Accumulates feature grids, in Double, one batch at a time.
    public struct Fit: Sendable {
        public let locations: Int
        public let channels: Int
        private var sums: [Double]
        private var squares: [Double]
        public private(set) var images = 0

        public init(locations: Int, channels: Int) {
            self.locations = locations
            self.channels = channels
            sums = [Double](repeating: 0, count: locations * channels)
            squares = sums
        }

        /// Adds a batch of grids.   features [N, P, E] with P, E as given at init
        public mutating func add(_ features: Tensor) {
            precondition(features.shape.dropFirst() == [locations, channels])
            let values = features.scalars
            let size = sums.count
            for image in 0..<features.shape[0] {
                for i in 0..<size {
                    let x = Double(values[image * size + i])
                    sums[i] += x
                    squares[i] += x * x
                }
            }
            images += features.shape[0]
        }

        /// The statistics, with `locationThreshold` 0 until calibrated; nil before any image.
        /// A deviation is floored at a tenth of the mean deviation over all locations and
        /// channels (plus 10⁻⁶), so that a channel constant on the training images (a ReLU that
        /// never fired) does not make every small change look infinitely unlike.
        public func domain() -> FeatureDomain? {
            guard images > 0 else { return nil }
            let n = Double(images)
            let mean = sums.map { $0 / n }
            let deviation = zip(squares, mean).map { max(0, $0 / n - $1 * $1).squareRoot() }
            let floor = 0.1 * deviation.reduce(0, +) / Double(deviation.count) + 1e-6
            return FeatureDomain(
                locations: locations, channels: channels, mean: mean.map { Float($0) },
                deviation: deviation.map { Float(max($0, floor)) },
                locationThreshold: 0)
        }
    }

    /// Each location's distance: the root mean square z-score of its channels.
    ///   features [N, P, E] -> N × P, image-major
    public func distances(_ features: Tensor) -> [Float] {
        precondition(features.shape.dropFirst() == [locations, channels])
        let values = features.scalars
        var distances: [Float] = []
        distances.reserveCapacity(features.shape[0] * locations)
        for image in 0..<features.shape[0] {
            for location in 0..<locations {
                var sum: Float = 0
                let base = location * channels
                let offset = image * locations * channels + base
                for c in 0..<channels {
                    let z = (values[offset + c] - mean[base + c]) / deviation[base + c]
                    sum += z * z
                }
                distances.append((sum / Float(channels)).squareRoot())
            }
        }
        return distances
    }

    /// Per image, the share of its locations farther than ``locationThreshold``.
    ///   features [N, P, E] -> N values in 0...1
    public func unlikeShares(_ features: Tensor) -> [Float] {
        let distances = distances(features)
        return (0..<features.shape[0]).map { image in
            let row = distances[(image * locations)..<((image + 1) * locations)]
            return Float(row.filter { $0 > locationThreshold }.count) / Float(locations)
        }
    }
}
