// The files of a language-model directory: config.json, vocab.json and checkpoint/.
import Foundation
import GlimpseSupport

/// Paths and (de)serialisation of a model directory's files, each written atomically.
struct ModelDirectory {
    let path: String

    init(_ path: String) {
        self.path = path
    }

    var configurationFile: String { path + "/config.json" }
    var vocabularyFile: String { path + "/vocab.json" }
    var checkpoint: String { path + "/checkpoint" }

    /// Creates the directory and writes the configuration and vocabulary.
    func create(
        configuration: CharLMConfiguration, vocabulary: CharacterVocabulary
    ) throws {
        try Directory.create(path)
        try AtomicFile.write(
            Array(try configurationJSON(configuration).utf8), to: configurationFile)
        try AtomicFile.write(try Self.encoder.encode(vocabulary), to: vocabularyFile)
    }

    func configurationJSON(_ configuration: CharLMConfiguration) throws -> String {
        String(decoding: try Self.encoder.encode(configuration), as: UTF8.self)
    }

    func configuration() throws -> CharLMConfiguration {
        try decode(CharLMConfiguration.self, from: configurationFile)
    }

    func vocabulary() throws -> CharacterVocabulary {
        try decode(CharacterVocabulary.self, from: vocabularyFile)
    }

    private func decode<T: Decodable>(_ type: T.Type, from file: String) throws -> T {
        guard FileManager.default.fileExists(atPath: file) else {
            throw LanguageModelError.invalidModel(
                path: path,
                reason: "missing \(URL(fileURLWithPath: file).lastPathComponent)"
                    + " (is it a model directory made by `glimpse lm train`?)")
        }
        do {
            return try JSONFile.decode(T.self, from: file)
        } catch {
            throw LanguageModelError.invalidModel(path: error.path, reason: error.reason)
        }
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return encoder
    }()
}
