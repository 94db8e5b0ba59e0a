// What a captioning model knows: the feature statistics of its training images and the
// thresholds, chosen on held-out images, below which a caption is called unreliable. Saved as
// domain.safetensors in the model directory:
//   tensors  feature_mean, feature_deviation  [P, E]
//   metadata location_threshold, unlike_share_threshold, mean_log_prob_threshold, summary,
//            glimpse.save_id (the weights it was calibrated for)
import Foundation
import GlimpseTensor
import GlimpseVision

/// A captioning model's training domain and its reliability thresholds.
public struct CaptionDomain: Sendable, Equatable {
    public var features: FeatureDomain
    /// An image with a larger share of unlike locations is out of domain.
    public var unlikeShareThreshold: Float
    /// A caption with a lower mean log-probability per token is unreliable.
    public var meanLogProbabilityThreshold: Float
    /// How the statistics and thresholds were chosen (images, data), for `model info`.
    public var summary: String

    public init(
        features: FeatureDomain, unlikeShareThreshold: Float, meanLogProbabilityThreshold: Float,
        summary: String
    ) {
        self.features = features
        self.unlikeShareThreshold = unlikeShareThreshold
        self.meanLogProbabilityThreshold = meanLogProbabilityThreshold
        self.summary = summary
    }

    static let file = "domain.safetensors"

    /// How reliable a caption of an image is.
    /// - Parameter unlikeShare: the image's share of unlike locations
    ///   (``FeatureDomain/unlikeShares(_:)``).
    public func confidence(of caption: GeneratedCaption, unlikeShare: Float) -> CaptionConfidence {
        var reasons: [String] = []
        if unlikeShare > unlikeShareThreshold {
            reasons.append(
                String(
                    format: "%.0f%% of its regions are unlike the training images, above %.0f%%",
                    100 * unlikeShare, 100 * unlikeShareThreshold))
        }
        if caption.meanLogProbability < meanLogProbabilityThreshold {
            reasons.append(
                String(
                    format: "mean word log-probability %.2f, below %.2f",
                    caption.meanLogProbability, meanLogProbabilityThreshold))
        }
        return CaptionConfidence(
            meanLogProbability: caption.meanLogProbability, unlikeShare: unlikeShare,
            inDomain: reasons.isEmpty, reasons: reasons)
    }

    /// Reads `directory/domain.safetensors`; nil when the model has none.
    /// - Throws: ``CaptionError/invalidModel(path:reason:)`` for a file that cannot be read,
    ///   whose statistics do not fit the encoder's grid, or that was calibrated for other
    ///   weights (save id `saveID`).
    static func load(
        from directory: String, encoder: EncoderConfiguration, saveID: String?
    ) throws(CaptionError) -> CaptionDomain? {
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        func invalid(_ reason: String) -> CaptionError { .invalidModel(path: path, reason: reason) }
        let contents: SafetensorsFile
        do {
            contents = try Safetensors.read(path: path)
        } catch {
            throw invalid(error.localizedDescription)
        }
        guard contents.metadata[CaptionModel.saveKey] == saveID else {
            throw invalid(
                "calibrated for other weights than this model's; run `glimpse caption calibrate "
                    + "--model \(directory) --data TRAINING_DATA` again, or delete it")
        }
        let shape = [encoder.locations, encoder.featureSize]
        guard let mean = contents.tensors["feature_mean"],
            let deviation = contents.tensors["feature_deviation"]
        else { throw invalid("needs the tensors feature_mean and feature_deviation") }
        guard mean.shape == shape, deviation.shape == shape else {
            throw invalid(
                "feature_mean and feature_deviation must be \(shape) (the encoder's grid), got "
                    + "\(mean.shape) and \(deviation.shape)")
        }
        func number(_ key: String, in range: ClosedRange<Float>) throws(CaptionError) -> Float {
            guard let text = contents.metadata[key], let value = Float(text),
                range.contains(value)
            else {
                throw invalid(
                    "metadata \(key) must be a number in \(range), got "
                        + (contents.metadata[key].map { "\"\($0)\"" } ?? "nothing"))
            }
            return value
        }
        guard
            let features = FeatureDomain(
                locations: shape[0], channels: shape[1], mean: mean.scalars,
                deviation: deviation.scalars,
                locationThreshold: try number("location_threshold", in: 0...1e6))
        else { throw invalid("feature statistics must be finite, deviations positive") }
        return CaptionDomain(
            features: features,
            unlikeShareThreshold: try number("unlike_share_threshold", in: 0...1),
            meanLogProbabilityThreshold: try number("mean_log_prob_threshold", in: -1e6...0),
            summary: contents.metadata["summary"] ?? "")
    }

    /// Writes `directory/domain.safetensors` atomically, bound to the weights of save `saveID`
    /// (nil for weight files that carry no save id).
    func save(to directory: String, saveID: String?) throws {
        let shape = [features.locations, features.channels]
        try Safetensors.write(
            [
                "feature_mean": Tensor(shape: shape, scalars: features.mean),
                "feature_deviation": Tensor(shape: shape, scalars: features.deviation),
            ],
            metadata: [
                "location_threshold": "\(features.locationThreshold)",
                "unlike_share_threshold": "\(unlikeShareThreshold)",
                "mean_log_prob_threshold": "\(meanLogProbabilityThreshold)",
                "summary": summary,
            ].merging(saveID.map { [CaptionModel.saveKey: $0] } ?? [:]) { a, _ in a },
            to: directory + "/" + Self.file)
    }
}

/// How far a caption can be trusted: `{"mean_log_prob", "unlike_share"}` in JSON.
public struct CaptionConfidence: Sendable, Encodable, Equatable {
    /// The caption's mean log-probability per token.
    public var meanLogProbability: Float
    /// The image's share of feature-grid locations unlike the training images.
    public var unlikeShare: Float
    /// Both above their thresholds.
    public var inDomain: Bool
    /// What fell below its threshold, one phrase each (empty in domain).
    public var reasons: [String]

    enum CodingKeys: String, CodingKey {
        case meanLogProbability = "mean_log_prob"
        case unlikeShare = "unlike_share"
    }
}
