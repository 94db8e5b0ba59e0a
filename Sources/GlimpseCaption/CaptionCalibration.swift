// Choosing what a captioning model knows (`glimpse caption calibrate`, and the end of
// `glimpse caption train`): feature statistics over the training images, then thresholds from
// the held-out images of the same data (its validation split, as training chose it).
//   location threshold        the 99th percentile of the held-out locations' distances
//   unlike-share threshold    the largest share among the held-out images, plus `margin`
//   mean log-prob threshold   the lowest held-out caption's mean log-probability, minus `margin`
// With the extremes and a margin, no held-out image is flagged; images far from every
// training image are.
import Foundation
import GlimpseMedia
import GlimpseTensor
import GlimpseVision

/// What to calibrate a model on.
public struct CaptionCalibrationOptions: Sendable {
    /// A dataset accepted by ``CaptionDataset/load(_:imageDirectory:)``: the model's training
    /// data (its validation split provides the held-out images).
    public var dataPath: String
    public var imageDirectory: String?
    /// Images larger than this are refused before they are decoded.
    public var limits = DecodeLimits.standard
    /// At most this many training images (evenly spaced) are fitted.
    public var fitImages = 2000
    /// The search whose captions the log-probability threshold is chosen on.
    public var search = CaptionSearch(beamWidth: 3)
    /// Share of images held out when the data has no split (as in training).
    public var validationFraction = 0.05
    /// Added to the unlike-share threshold and subtracted from the log-probability one.
    public var shareMargin: Float = 0.1
    public var logProbabilityMargin: Float = 0.5
    public var batchSize = 64

    public init(dataPath: String, imageDirectory: String? = nil) {
        self.dataPath = dataPath
        self.imageDirectory = imageDirectory
    }
}

/// What a calibration found.
public struct CaptionCalibrationReport: Sendable {
    public var domain: CaptionDomain
    public var fittedImages: Int
    public var heldOutImages: Int
    /// Held-out extremes: the largest unlike share and the lowest mean log-probability.
    public var largestUnlikeShare: Float
    public var lowestMeanLogProbability: Float
}

/// Calibrates a captioning model's domain.
public enum CaptionCalibration {
    /// Fits and chooses the thresholds; the caller stores the result (`model.domain = …`,
    /// then `save`, or ``calibrate(modelDirectory:options:)``).
    public static func run(model: CaptionModel, options: CaptionCalibrationOptions) throws
        -> CaptionCalibrationReport
    {
        let examples = try CaptionDataset.load(
            options.dataPath, imageDirectory: options.imageDirectory)
        let (train, heldOut) = CaptionTraining.split(
            examples, fraction: options.validationFraction)
        guard !train.isEmpty, !heldOut.isEmpty else {
            throw CaptionError.invalidData(
                path: options.dataPath,
                reason:
                    "calibration needs training and held-out images (a \"val\" split, or at "
                    + "least 2 images), got \(train.count) and \(heldOut.count)")
        }
        let every = max(1, (train.count + options.fitImages - 1) / max(1, options.fitImages))
        let fitted = stride(from: 0, to: train.count, by: every).map { train[$0] }
        let encoder = model.configuration.encoder
        var fit = FeatureDomain.Fit(locations: encoder.locations, channels: encoder.featureSize)
        try forEachBatch(of: fitted, options: options, model: model) { fit.add($1) }
        guard var features = fit.domain() else {
            throw CaptionError.invalidData(path: options.dataPath, reason: "no training images")
        }
        var distances: [Float] = []
        var grids: [Tensor] = []
        var meanLogProbabilities: [Float] = []
        try forEachBatch(of: heldOut, options: options, model: model) { _, grid in
            distances += features.distances(grid)
            grids.append(grid)
            meanLogProbabilities += try model.captions(for: grid, search: options.search).map {
                $0[0].meanLogProbability
            }
        }
        features.locationThreshold = quantile(distances, 0.99)
        let shares = grids.flatMap { features.unlikeShares($0) }
        let largestShare = shares.max() ?? 0
        let lowest = meanLogProbabilities.min() ?? 0
        let domain = CaptionDomain(
            features: features,
            unlikeShareThreshold: min(1, largestShare + options.shareMargin),
            meanLogProbabilityThreshold: lowest - options.logProbabilityMargin,
            summary:
                "feature statistics of \(fitted.count) training images of \(options.dataPath); "
                + "thresholds from its \(heldOut.count) held-out images (beam "
                + "\(options.search.beamWidth))")
        return CaptionCalibrationReport(
            domain: domain, fittedImages: fitted.count, heldOutImages: heldOut.count,
            largestUnlikeShare: largestShare, lowestMeanLogProbability: lowest)
    }

    /// Calibrates the model in `modelDirectory` and writes its domain.safetensors.
    public static func calibrate(modelDirectory: String, options: CaptionCalibrationOptions)
        throws -> CaptionCalibrationReport
    {
        var model = try CaptionModel(contentsOf: modelDirectory)
        model.domain = nil
        let report = try run(model: model, options: options)
        try report.domain.save(to: modelDirectory, saveID: model.saveID)
        return report
    }

    private static func forEachBatch(
        of examples: [CaptionExample], options: CaptionCalibrationOptions, model: CaptionModel,
        _ body: (Int, Tensor) throws -> Void
    ) throws {
        let size = options.batchSize
        for start in stride(from: 0, to: examples.count, by: size) {
            let images = try examples[start..<min(examples.count, start + size)].map {
                try Image(contentsOf: $0.imagePath, layout: .rgb, limits: options.limits)
            }
            try body(start, withoutGradients { model.features(of: images) })
        }
    }

    /// The `q`-quantile (nearest rank) of `values`; 0 when empty.
    static func quantile(_ values: [Float], _ q: Double) -> Float {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int((q * Double(sorted.count)).rounded(.up)) - 1)]
    }
}
