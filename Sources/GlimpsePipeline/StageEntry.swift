// One entry of a pipeline file's `stages` list: a stage by name with its parameters, or a
// fan-out running two branches on the same input and pairing their results.
//
//   {"stage": "caption", "model": "captioner", "beam": 3}
//   {"fan_out": [[{"stage": "caption", "model": "a"}], [{"stage": "caption", "model": "b"}]]}
import Foundation

/// A stage entry of a pipeline file.
public enum StageEntry: Codable, Equatable, Sendable, ExpressibleByDictionaryLiteral {
    /// `{"stage": NAME, PARAMETER: VALUE, …}` (`batch` and `workers` among the parameters).
    case stage([String: ParameterValue])
    /// `{"fan_out": [[…], […]]}`: each branch a list of entries given the entry's input; the
    /// result is the pair of the branches' results.
    case fanOut([[StageEntry]])

    /// The key of a fan-out entry.
    public static let fanOutKey = "fan_out"

    public typealias Key = String
    public typealias Value = ParameterValue

    /// A stage entry written as its parameters: `["stage": .string("caption"), "beam": .int(3)]`.
    public init(dictionaryLiteral elements: (String, ParameterValue)...) {
        self = .stage(Dictionary(elements) { _, last in last })
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        let fanOut = JSONKey(stringValue: Self.fanOutKey)
        guard container.contains(fanOut) else {
            self = .stage(try decoder.singleValueContainer().decode([String: ParameterValue].self))
            return
        }
        if let other = container.allKeys.first(where: { $0.stringValue != Self.fanOutKey }) {
            throw DecodingError.dataCorruptedError(
                forKey: other, in: container,
                debugDescription: "a fan_out entry takes no other key; parameters go on the "
                    + "stages of its branches")
        }
        self = .fanOut(try container.decode([[StageEntry]].self, forKey: fanOut))
    }

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .stage(let parameters):
            var container = encoder.singleValueContainer()
            try container.encode(parameters)
        case .fanOut(let branches):
            var container = encoder.container(keyedBy: JSONKey.self)
            try container.encode(branches, forKey: JSONKey(stringValue: Self.fanOutKey))
        }
    }

    /// The names of the stages in this entry, branches included, in file order.
    public var stageNames: [String] {
        switch self {
        case .stage(let parameters):
            if case .string(let name) = parameters["stage"] { return [name] }
            return []
        case .fanOut(let branches):
            return branches.flatMap { $0.flatMap(\.stageNames) }
        }
    }

    /// The entry in one line, for listings: `caption`, or `fan_out(preprocess → caption |
    /// write-subtitles)`.
    public var outline: String {
        switch self {
        case .stage:
            return stageNames.first ?? "?"
        case .fanOut(let branches):
            return "fan_out("
                + branches.map { $0.map(\.outline).joined(separator: " → ") }
                .joined(separator: " | ") + ")"
        }
    }

    /// Sets `parameter` on this entry if it is the stage `stage`, or on every such stage of its
    /// branches; returns whether there was one.
    mutating func set(_ parameter: String, to value: ParameterValue, onStage stage: String)
        -> Bool
    {
        switch self {
        case .stage(var parameters):
            guard parameters["stage"] == .string(stage) else { return false }
            parameters[parameter] = value
            self = .stage(parameters)
            return true
        case .fanOut(var branches):
            var found = false
            for branch in branches.indices {
                for index in branches[branch].indices
                where branches[branch][index].set(parameter, to: value, onStage: stage) {
                    found = true
                }
            }
            self = .fanOut(branches)
            return found
        }
    }
}

/// Any key of a JSON object, for reading objects whose keys are checked by hand.
struct JSONKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
