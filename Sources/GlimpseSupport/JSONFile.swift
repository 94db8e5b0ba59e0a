// Reading configuration-like JSON files (model configurations, vocabularies, training state)
// into `Decodable` values, with errors that name the file and the field, and the range checks
// every such `init(from:)` uses so that no number from a file reaches a trap or an allocation.
import Foundation

/// Decoding JSON files with messages a person can act on.
public enum JSONFile {
    /// The largest JSON file read: configuration files and vocabularies are far smaller.
    public static let maxBytes = 64 << 20

    /// Reads `path` and decodes it as `T`. Errors name the file and, for a value that does not
    /// fit, the field (`encoder.channels[0]: must be in 1...4096, got 0`).
    public static func decode<T: Decodable>(_ type: T.Type, from path: String)
        throws(FileError) -> T
    {
        try decode(type, from: InputFile.read(path, limit: maxBytes), source: path)
    }

    /// Decodes `bytes` as `T`; errors name `source`, and a syntax error its line and column
    /// (`source:LINE:COLUMN`, see ``JSONSyntax``).
    public static func decode<T: Decodable>(
        _ type: T.Type, from bytes: [UInt8], source: String
    ) throws(FileError) -> T {
        try checkSyntax(bytes, source: source)
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw FileError(path: source, reason: describe(error))
        } catch {
            throw FileError(path: source, reason: "not valid JSON")
        }
    }

    /// Throws a ``FileError`` at `source:LINE:COLUMN` for the first syntax error in `bytes`.
    public static func checkSyntax(_ bytes: [UInt8], source: String) throws(FileError) {
        do {
            try JSONSyntax.check(bytes)
        } catch {
            throw FileError(
                path: "\(source):\(error.line):\(error.column)", reason: error.message)
        }
    }

    /// `field: problem` for a decoding error, without Swift's type and coding-path dump.
    public static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(fieldPath(context.codingPath + [key]))"
        case .valueNotFound(_, let context):
            return "\(fieldPath(context.codingPath)): must not be null"
        case .typeMismatch(let type, let context):
            return "\(fieldPath(context.codingPath)): expected \(describe(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return context.underlyingError == nil
                    ? context.debugDescription : "not valid JSON"
            }
            return "\(fieldPath(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "not a valid file of this kind"
        }
    }

    /// `encoder.channels[0]`, or `the top level` for the root.
    static func fieldPath(_ path: [any CodingKey]) -> String {
        var text = ""
        for key in path {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += (text.isEmpty ? "" : ".") + key.stringValue
            }
        }
        return text.isEmpty ? "the top level" : text
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is Int.Type, is UInt64.Type, is Int32.Type: "an integer"
        case is Float.Type, is Double.Type: "a number"
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is [Any].Type: "a list"
        default:
            String(describing: type).hasPrefix("Array") ? "a list" : "an object"
        }
    }
}

extension KeyedDecodingContainer {
    /// Decodes an integer and checks that it lies in `range`, else throws naming the field.
    public func decode(_ type: Int.Type, forKey key: Key, in range: ClosedRange<Int>) throws
        -> Int
    {
        let value: Int
        do {
            value = try decode(Int.self, forKey: key)
        } catch {
            // Foundation reports a number that does not fit an Int without naming the field.
            guard let number = try? decode(Double.self, forKey: key) else { throw error }
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "must be an integer in \(range.lowerBound)...\(range.upperBound), got \(number)"
            )
        }
        guard range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "must be in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// Decodes a number and checks that it is finite and lies in `range`, else throws naming
    /// the field.
    public func decode(_ type: Float.Type, forKey key: Key, in range: ClosedRange<Float>) throws
        -> Float
    {
        let value: Float
        do {
            value = try decode(Float.self, forKey: key)
        } catch {
            guard let number = try? decode(Double.self, forKey: key) else { throw error }
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "must be a number in \(range.lowerBound)...\(range.upperBound), got \(number)")
        }
        guard value.isFinite, range.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "must be a number in \(range.lowerBound)...\(range.upperBound), got \(value)")
        }
        return value
    }

    /// Decodes a list of `count` (or, with `counts`, any count in it) integers, each in `range`.
    public func decode(
        _ type: [Int].Type, forKey key: Key, counts: ClosedRange<Int>, each range: ClosedRange<Int>
    ) throws -> [Int] {
        let values = try decode([Int].self, forKey: key)
        guard counts.contains(values.count) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "must list \(counts.lowerBound)...\(counts.upperBound) values, got \(values.count)"
            )
        }
        if let bad = values.firstIndex(where: { !range.contains($0) }) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "value \(bad) must be in \(range.lowerBound)...\(range.upperBound), got \(values[bad])"
            )
        }
        return values
    }

    /// Decodes a list of exactly `count` finite numbers, each in `range`.
    public func decode(
        _ type: [Float].Type, forKey key: Key, count: Int, each range: ClosedRange<Float>
    ) throws -> [Float] {
        let values = try decode([Float].self, forKey: key)
        guard values.count == count else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "must list \(count) values, got \(values.count)")
        }
        if let bad = values.firstIndex(where: { !$0.isFinite || !range.contains($0) }) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription:
                    "value \(bad) must be a number in \(range.lowerBound)...\(range.upperBound), got \(values[bad])"
            )
        }
        return values
    }
}
