// The characters a character-level language model knows, in a fixed order.
import Foundation

/// Errors of the character-level language model.
public enum LanguageModelError: Error, Equatable, LocalizedError {
    /// The training text is shorter than one training chunk.
    case textTooShort(path: String, characters: Int, needed: Int)
    /// Text to encode holds a character the vocabulary lacks.
    case unknownCharacter(Character, context: String)
    /// A model directory is incomplete or inconsistent.
    case invalidModel(path: String, reason: String)
    /// A value outside its domain.
    case invalidArgument(String)

    public var errorDescription: String? {
        switch self {
        case .textTooShort(let path, let characters, let needed):
            "\(path): \(characters) characters; training needs at least \(needed)"
                + " (sequence length × batch + 1)"
        case .unknownCharacter(let character, let context):
            "\(context): character \(character.debugDescription) is not in the model's vocabulary"
        case .invalidModel(let path, let reason): "\(path): \(reason)"
        case .invalidArgument(let message): message
        }
    }
}

/// Sorted unique characters (Unicode scalars) of a training text; index = token id.
public struct CharacterVocabulary: Codable, Equatable, Sendable {
    /// The characters, each a single Unicode scalar, in id order.
    public let characters: [String]
    private let ids: [Unicode.Scalar: Int]

    /// The vocabulary of `text`.
    public init(text: String) {
        let scalars = Set(text.unicodeScalars).sorted { $0.value < $1.value }
        self.init(scalars: scalars)
    }

    private init(scalars: [Unicode.Scalar]) {
        characters = scalars.map { String($0) }
        ids = Dictionary(uniqueKeysWithValues: scalars.enumerated().map { ($1, $0) })
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let characters = try container.decode([String].self)
        let scalars = characters.compactMap {
            $0.unicodeScalars.count == 1 ? $0.unicodeScalars.first : nil
        }
        guard !characters.isEmpty, scalars.count == characters.count,
            Set(scalars).count == scalars.count
        else {
            throw DecodingError.dataCorruptedError(
                in: container,
                debugDescription: "a vocabulary lists one or more distinct single characters")
        }
        self.init(scalars: scalars)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(characters)
    }

    /// Number of distinct characters.
    public var count: Int { characters.count }

    /// The ids of `text`'s characters; `context` names the text in the error.
    public func encode(_ text: String, context: String) throws(LanguageModelError) -> [Int] {
        var result: [Int] = []
        result.reserveCapacity(text.unicodeScalars.count)
        for scalar in text.unicodeScalars {
            guard let id = ids[scalar] else {
                throw .unknownCharacter(Character(scalar), context: context)
            }
            result.append(id)
        }
        return result
    }

    /// The text of `ids`.
    public func decode(_ ids: [Int]) -> String {
        ids.map { characters[$0] }.joined()
    }

    public static func == (a: CharacterVocabulary, b: CharacterVocabulary) -> Bool {
        a.characters == b.characters
    }
}
