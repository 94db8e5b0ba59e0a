// A captioning model: preprocessing, the shared CNN encoder, a decoder and its vocabulary,
// loaded from or saved to a model directory:
//   config.json  vocab.json  encoder.safetensors (encoder.*)  decoder.safetensors (decoder.*)
//   domain.safetensors (optional: what the model knows, see CaptionDomain)
import Foundation
import GlimpseLayers
import GlimpseMedia
import GlimpseSupport
import GlimpseTensor
import GlimpseVision

/// Encoder + decoder + vocabulary, ready to train or caption.
public struct CaptionModel: Module {
    public let configuration: CaptionModelConfiguration
    public let vocabulary: CaptionVocabulary
    /// Every parameter: `encoder.*` and `decoder.*`.
    public let store: ParameterStore
    public let encoder: ImageEncoder
    public let decoder: CaptionDecoder
    /// The training domain and reliability thresholds (nil until calibrated).
    public var domain: CaptionDomain?
    /// The id the weight files carry, nil for a model not loaded from disk.
    public private(set) var saveID: String?

    public var parameters: [Parameter] { encoder.parameters + decoder.parameters }

    /// What tells this model's encoder from another's: a fingerprint (FNV-1a) of its weights,
    /// so that two loads of one model agree and a model of the same shapes with other weights
    /// does not.
    public var identity: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for parameter in encoder.parameters {
            for value in parameter.value.scalars {
                hash = (hash ^ UInt64(value.bitPattern)) &* 0x100_0000_01b3
            }
        }
        return "encoder " + String(hash, radix: 16)
    }

    /// A freshly initialised model (weights from `configuration.seed`).
    public init(configuration: CaptionModelConfiguration, vocabulary: CaptionVocabulary) {
        self.init(
            configuration: configuration, vocabulary: vocabulary,
            store: ParameterStore(seed: configuration.seed))
    }

    /// The model's layers, with their parameters created in (or taken from) `store`.
    private init(
        configuration: CaptionModelConfiguration, vocabulary: CaptionVocabulary,
        store: ParameterStore
    ) {
        self.configuration = configuration
        self.vocabulary = vocabulary
        self.store = store
        encoder = ImageEncoder(configuration.encoder, in: store.scope("encoder"))
        decoder = CaptionDecoder(
            configuration, vocabularySize: vocabulary.count, in: store.scope("decoder"))
    }

    static let configurationFile = "config.json"
    static let vocabularyFile = "vocab.json"
    static let encoderFile = "encoder.safetensors"
    static let decoderFile = "decoder.safetensors"

    /// Loads a model directory. The configuration and vocabulary are validated as they are
    /// decoded; every layer then takes its tensors by name from the weight files, each checked
    /// against the shape the configuration implies before anything is allocated for it, so a
    /// configuration can never make the model larger than the weights on disk. Missing,
    /// mis-shaped, unused or non-finite tensors are refused, naming the tensor.
    public init(contentsOf directory: String) throws(CaptionError) {
        let configuration: CaptionModelConfiguration = try Self.readJSON(
            directory, Self.configurationFile)
        let vocabulary: CaptionVocabulary = try Self.readJSON(directory, Self.vocabularyFile)
        var tensors: [String: Tensor] = [:]
        var saves: [String?] = []
        for file in [Self.encoderFile, Self.decoderFile] {
            do {
                let contents = try Safetensors.read(path: directory + "/" + file)
                tensors.merge(contents.tensors) { a, _ in a }
                saves.append(contents.metadata[Self.saveKey])
            } catch {
                throw .invalidModel(path: directory, reason: error.localizedDescription)
            }
        }
        guard saves[0] == saves[1] else {
            throw .invalidModel(
                path: directory,
                reason:
                    "\(Self.encoderFile) and \(Self.decoderFile) come from different saves (an "
                    + "interrupted save?); save or copy the model again")
        }
        let store = ParameterStore(loading: tensors, seed: configuration.seed)
        self.init(configuration: configuration, vocabulary: vocabulary, store: store)
        saveID = saves[0]
        do {
            try store.finishLoading()
        } catch {
            throw .invalidModel(
                path: directory,
                reason:
                    "\(error) — do config.json and vocab.json (\(vocabulary.count) words) belong "
                    + "to these weights?"
            )
        }
        domain = try CaptionDomain.load(
            from: directory, encoder: configuration.encoder, saveID: saveID)
    }

    /// The metadata key of the id that one `save` writes into both weight files, so that
    /// loading detects weights from two different saves (one interrupted between the files).
    static let saveKey = "glimpse.save_id"

    /// Writes the model directory: JSON files and weights, each atomically; both weight files
    /// carry the same new save id, checked when the model is loaded. The domain file is
    /// written with that id when the model has a domain, and otherwise removed (it described
    /// other weights).
    public func save(to directory: String) throws {
        try Directory.create(directory)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(
            try encoder.encode(configuration), to: directory + "/" + Self.configurationFile)
        try AtomicFile.write(
            try encoder.encode(vocabulary), to: directory + "/" + Self.vocabularyFile)
        let config = String(decoding: try encoder.encode(configuration), as: UTF8.self)
        let id = UUID().uuidString
        let metadata = ["config": config, Self.saveKey: id]
        let domainPath = directory + "/" + CaptionDomain.file
        if domain == nil, FileManager.default.fileExists(atPath: domainPath) {
            try FileManager.default.removeItem(atPath: domainPath)
        }
        for (file, prefix) in [(Self.encoderFile, "encoder."), (Self.decoderFile, "decoder.")] {
            try Safetensors.write(
                store.tensors.filter { $0.key.hasPrefix(prefix) }, metadata: metadata,
                to: directory + "/" + file)
        }
        try domain?.save(to: directory, saveID: id)
    }

    private static func readJSON<T: Decodable>(_ directory: String, _ file: String)
        throws(CaptionError) -> T
    {
        let path = directory + "/" + file
        guard FileManager.default.fileExists(atPath: path) else {
            throw .invalidModel(path: directory, reason: "missing \(file)")
        }
        do {
            return try JSONFile.decode(T.self, from: path)
        } catch {
            throw .invalidModel(path: error.path, reason: error.reason)
        }
    }

    /// Feature grids of images, preprocessed as the model was trained.   -> [N, P, E]
    public func features(of images: [Image]) -> Tensor {
        encoder(configuration.encoder.preprocessing.tensor(images))
    }
}
