// The shared CNN feature extractor: a few conv + ReLU + max-pool blocks turning a normalised
// RGB image into a spatial grid of feature vectors (for attention) and their mean (for
// decoders that take one vector). Captioning, frame labelling and VQA all use it.
//
// Convolutions are translation-equivariant, so a feature vector says what is at a location but
// not where the location is, and an attention context Σᵢ αᵢaᵢ loses the position of what it
// attended to. A learned position embedding added to every location (as in ViT and DETR) gives
// decoders "where" as well as "what": captioning needs it for "left of" and "above".
// N = batch, C = channels, H×W = input size, P = grid locations (H/2^B · W/2^B for B blocks).
import GlimpseLayers
import GlimpseSupport
import GlimpseTensor

/// The encoder's shape (`Codable`, snake_case keys).
public struct EncoderConfiguration: Codable, Equatable, Sendable {
    /// Output channels of each conv block; each block halves the resolution: `[32, 64, 128]`.
    public var channels: [Int] = [32, 64, 128]
    /// The input it was built for.
    public var preprocessing = Preprocessing()
    /// Whether a learned position embedding (key `position`, [P, E]) is added to the grid.
    /// Configurations written before it existed decode as `false`.
    public var positionEmbedding = true
    /// Channels of the input tensor: `3` (RGB). The frame labeller's frame-difference input
    /// feeds 6 (each frame and its change since the previous one). Configurations written
    /// before it existed decode as 3.
    public var inputChannels = 3

    public init() {}

    enum CodingKeys: String, CodingKey {
        case channels, preprocessing
        case positionEmbedding = "position_embedding"
        case inputChannels = "input_channels"
    }

    /// Most conv blocks, and most channels per block, a configuration may ask for.
    public static let maxBlocks = 8
    public static let maxChannels = 4096

    /// Decodes and checks the configuration: 1...``maxBlocks`` blocks of 1...``maxChannels``
    /// channels, and an input large enough for every block's pooling.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        channels = try container.decode(
            [Int].self, forKey: .channels, counts: 1...Self.maxBlocks, each: 1...Self.maxChannels)
        preprocessing = try container.decode(Preprocessing.self, forKey: .preprocessing)
        positionEmbedding =
            try container.decodeIfPresent(Bool.self, forKey: .positionEmbedding) ?? false
        inputChannels =
            container.contains(.inputChannels)
            ? try container.decode(Int.self, forKey: .inputChannels, in: 1...Self.maxChannels) : 3
        guard gridWidth > 0 && gridHeight > 0 else {
            throw DecodingError.dataCorruptedError(
                forKey: .preprocessing, in: container,
                debugDescription: "input \(preprocessing.width)x\(preprocessing.height) is too "
                    + "small for \(channels.count) pooling blocks (each halves it)")
        }
    }

    /// Channels of each feature vector (E).
    public var featureSize: Int { channels.last ?? 3 }
    /// Grid width of the feature map.
    public var gridWidth: Int { preprocessing.width >> channels.count }
    /// Grid height of the feature map.
    public var gridHeight: Int { preprocessing.height >> channels.count }
    /// P: locations in the feature grid.
    public var locations: Int { gridWidth * gridHeight }
}

/// conv3×3(pad 1) → ReLU → max-pool 2×2 per block, then plus the position embedding; keys
/// `conv1.weight`, `conv1.bias`, …, `position`.
public struct ImageEncoder: Layer {
    public let configuration: EncoderConfiguration
    let convolutions: [Conv2D]
    let pool = MaxPool2D(kernelSize: 2)
    let position: Parameter?  // [P, E], row-major over the grid

    public var parameters: [Parameter] { convolutions.parameters + (position.map { [$0] } ?? []) }

    public init(_ configuration: EncoderConfiguration, in scope: ParameterScope) {
        precondition(!configuration.channels.isEmpty, "the encoder needs at least one block")
        precondition(
            configuration.gridWidth > 0 && configuration.gridHeight > 0,
            "input \(configuration.preprocessing.width)x\(configuration.preprocessing.height) is "
                + "too small for \(configuration.channels.count) pooling blocks")
        self.configuration = configuration
        var inChannels = configuration.inputChannels
        var convolutions: [Conv2D] = []
        for (index, channels) in configuration.channels.enumerated() {
            convolutions.append(
                Conv2D(
                    inChannels: inChannels, outChannels: channels, kernelSize: 3, padding: 1,
                    in: scope.scope("conv\(index + 1)")))
            inChannels = channels
        }
        self.convolutions = convolutions
        position =
            configuration.positionEmbedding
            ? scope.parameter(
                "position", shape: [configuration.locations, configuration.featureSize]
            ) {
                Tensor(
                    randomNormal: [configuration.locations, configuration.featureSize],
                    standardDeviation: 0.02, using: &$0)
            } : nil
    }

    /// The feature grid, location-major.   images [N, C_in, H, W] -> [N, P, E]
    public func callAsFunction(_ images: Tensor) -> Tensor {
        var x = images
        for convolution in convolutions {
            x = convolution(x, reluThen: pool)  // [N, C, H/2, W/2]
        }
        let (n, c) = (x.shape[0], x.shape[1])
        let grid = x.permuted([0, 2, 3, 1]).reshaped(to: [n, x.shape[2] * x.shape[3], c])
        guard let position else { return grid }
        return grid + position.value  // [P, E] broadcasts over the batch
    }
}

extension KeyedDecodingContainer {
    /// The encoder of a model that reads RGB images (captioning, VQA): its configuration,
    /// refused unless it takes the 3 channels its preprocessing makes.
    public func decodeRGBEncoder(forKey key: Key) throws -> EncoderConfiguration {
        let encoder = try decode(EncoderConfiguration.self, forKey: key)
        guard encoder.inputChannels == 3 else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "input_channels must be 3 (RGB images), got "
                    + "\(encoder.inputChannels)")
        }
        return encoder
    }
}
