// Loading a trained language model from its directory for sampling.
import GlimpseLayers

/// Samples text from the model in `directory` (made by ``CharLMTraining``).
public func sampleCharacterModel(
    directory: String, length: Int, prime: String, temperature: Float, seed: UInt64
) throws -> String {
    let files = ModelDirectory(directory)
    let configuration = try files.configuration()
    let vocabulary = try files.vocabulary()
    let checkpoint = try Checkpoint(contentsOf: files.checkpoint)
    func sample<Cell: LanguageModelCell>(_: Cell.Type) throws -> String {
        let model = try CharLanguageModel<Cell>(
            configuration: configuration, vocabulary: vocabulary, checkpoint: checkpoint)
        return try model.sample(length: length, prime: prime, temperature: temperature, seed: seed)
    }
    switch configuration.cell {
    case .lstm: return try sample(LSTMCell.self)
    case .gru: return try sample(GRUCell.self)
    case .rnn: return try sample(RNNCell.self)
    }
}
