// Mutated copies of the shipped captioner, as a truncated download, a hand edit or a hostile
// file gives them: every number of config.json set to 0, −1, 2^62, 1e300 or a string, every
// list emptied or tripled, every key removed; vocab.json empty, garbage or inconsistent; weight
// files truncated, with a repeated tensor name or a NaN. Each must either load into a model
// that captions, or throw an error naming the directory or file — never trap, and never
// allocate what the numbers ask for.
import Foundation
import GlimpseCaption
import GlimpseMedia
import GlimpseTensor
import TestSupport
import XCTest

final class HostileModelDirectoryTests: XCTestCase {
    static let shipped = Fixtures.root.appendingPathComponent("models/captioner").path

    /// A JSON value and the path of keys and indices that leads to it.
    typealias Leaf = (path: [Any], value: Any)

    /// Every value in `object`, depth first, with its path.
    static func leaves(_ object: Any, path: [Any] = []) -> [Leaf] {
        var result: [Leaf] = [(path, object)]
        if let dictionary = object as? [String: Any] {
            for key in dictionary.keys.sorted() {
                result += leaves(dictionary[key]!, path: path + [key])
            }
        } else if let array = object as? [Any] {
            for (index, element) in array.enumerated() {
                result += leaves(element, path: path + [index])
            }
        }
        return result
    }

    /// `object` with the value at `path` replaced (nil removes a key).
    static func replacing(_ object: Any, at path: [Any], with value: Any?) -> Any {
        guard let first = path.first else { return value as Any }
        let rest = Array(path.dropFirst())
        if var dictionary = object as? [String: Any], let key = first as? String {
            if rest.isEmpty && value == nil {
                dictionary.removeValue(forKey: key)
            } else {
                dictionary[key] = replacing(dictionary[key]!, at: rest, with: value)
            }
            return dictionary
        }
        if var array = object as? [Any], let index = first as? Int {
            if rest.isEmpty && value == nil {
                array.remove(at: index)
            } else {
                array[index] = replacing(array[index], at: rest, with: value)
            }
            return array
        }
        return object
    }

    /// The mutated config.json texts, each with a label.
    static func configurationMutations() throws -> [(String, Data)] {
        let original = try JSONSerialization.jsonObject(
            with: Data(contentsOf: URL(fileURLWithPath: shipped + "/config.json")))
        var mutations: [(String, Any)] = []
        for (path, value) in leaves(original) where !path.isEmpty {
            let label = path.map { "\($0)" }.joined(separator: ".")
            if value is NSNumber {
                for replacement: Any in [0, -1, 4_611_686_018_427_387_904, 1e300, "x"] {
                    mutations.append(
                        (
                            "\(label) = \(replacement)",
                            replacing(original, at: path, with: replacement)
                        ))
                }
            }
            if let array = value as? [Any] {
                mutations.append(("\(label) emptied", replacing(original, at: path, with: [Any]())))
                mutations.append(
                    ("\(label) tripled", replacing(original, at: path, with: array + array + array))
                )
            }
            if path.last is String {
                mutations.append(("\(label) removed", replacing(original, at: path, with: nil)))
            }
        }
        return try mutations.map { ($0, try JSONSerialization.data(withJSONObject: $1)) }
    }

    static let vocabularyMutations: [(String, String)] = [
        ("empty", ""), ("garbage", "\u{1}\u{2}zz"), ("empty list", "[]"),
        ("truncated", "[\"<pad>\""),
        ("specials only", #"["<pad>", "<start>", "<end>", "<unk>"]"#),
        ("repeated word", #"["<pad>", "<start>", "<end>", "<unk>", "a", "a"]"#),
        ("an object", #"{"a": 1}"#), ("numbers", "[1, 2, 3]"),
    ]

    /// Copies the shipped model, applies `mutate` to the copy, and returns the copy's path.
    func mutatedCopy(_ mutate: (String) throws -> Void) throws -> String {
        let directory = Fixtures.temporaryDirectory() + "/captioner"
        try FileManager.default.copyItem(atPath: Self.shipped, toPath: directory)
        try mutate(directory)
        return directory
    }

    /// Loads `directory`: a model that loads must caption an image; an error must name it.
    func assertLoadsOrNamesTheProblem(_ directory: String, _ label: String) {
        do {
            let model = try CaptionModel(contentsOf: directory)
            let image = try Image(contentsOf: Fixtures.path("scenes/images/000001.png"))
            let caption = try model.captions(for: model.features(of: [image]), beamWidth: 2)
            XCTAssertEqual(caption.count, 1, label)
        } catch let error as CaptionError {
            XCTAssertTrue(
                error.localizedDescription.hasPrefix(directory),
                "\(label): \(error.localizedDescription)")
        } catch {
            XCTFail("\(label): \(error)")
        }
    }

    func testMutatedConfigurationsLoadOrFailCleanly() throws {
        let mutations = try Self.configurationMutations()
        XCTAssertGreaterThan(mutations.count, 80)
        var refused = 0
        for (label, data) in mutations {
            let directory = try mutatedCopy {
                try data.write(to: URL(fileURLWithPath: $0 + "/config.json"))
            }
            if (try? CaptionModel(contentsOf: directory)) == nil { refused += 1 }
            assertLoadsOrNamesTheProblem(directory, label)
            try FileManager.default.removeItem(atPath: directory)
        }
        // Only changes that leave the weights' shapes and every range intact may load (the seed,
        // the regulariser's weight, the length penalty …): most are refused.
        XCTAssertGreaterThan(refused, mutations.count * 3 / 4)
    }

    func testSizesFromTheConfigurationAreCheckedAgainstTheWeightsBeforeAllocating() throws {
        // Within every range, yet 4·16384² floats per LSTM matrix (4 GB): refused by shape
        // against the weights on disk, before any weight of that size exists.
        let directory = try mutatedCopy { directory in
            let url = URL(fileURLWithPath: directory + "/config.json")
            var text = try String(contentsOf: url, encoding: .utf8)
            text = text.replacingOccurrences(of: "\"hidden\" : 256", with: "\"hidden\" : 16384")
            try text.write(to: url, atomically: true, encoding: .utf8)
        }
        XCTAssertThrowsError(try CaptionModel(contentsOf: directory)) {
            XCTAssertTrue("\($0.localizedDescription)".contains("shape mismatch"), "\($0)")
        }
    }

    func testMutatedVocabulariesLoadOrFailCleanly() throws {
        for (label, text) in Self.vocabularyMutations {
            let directory = try mutatedCopy {
                try text.write(toFile: $0 + "/vocab.json", atomically: true, encoding: .utf8)
            }
            XCTAssertThrowsError(try CaptionModel(contentsOf: directory), label)
            assertLoadsOrNamesTheProblem(directory, "vocab.json " + label)
        }
    }

    func testDamagedWeightFilesAreRefusedNamingTheFileOrTensor() throws {
        let decoder = try Safetensors.read(path: Self.shipped + "/decoder.safetensors")
        let bytes = try [UInt8](
            Data(contentsOf: URL(fileURLWithPath: Self.shipped + "/decoder.safetensors")))
        var withNaN = decoder.tensors
        var fc = withNaN["decoder.fc.weight"]!.scalars
        fc[7] = .nan
        withNaN["decoder.fc.weight"] = Tensor(
            shape: withNaN["decoder.fc.weight"]!.shape, scalars: fc)
        var withInfinity = decoder.tensors
        withInfinity["decoder.embedding.weight"] = Tensor(
            shape: withInfinity["decoder.embedding.weight"]!.shape,
            scalars: [.infinity] + withInfinity["decoder.embedding.weight"]!.scalars.dropFirst())
        let cases: [(String, [UInt8], String)] = [
            ("truncated", Array(bytes.prefix(bytes.count / 2)), "decoder.safetensors"),
            ("empty", [], "decoder.safetensors"),
            ("header only", Array(bytes.prefix(64)), "decoder.safetensors"),
            ("NaN", Safetensors.encode(withNaN, metadata: decoder.metadata), "decoder.fc.weight"),
            (
                "infinity", Safetensors.encode(withInfinity, metadata: decoder.metadata),
                "decoder.embedding.weight"
            ),
        ]
        for (label, contents, expected) in cases {
            let directory = try mutatedCopy {
                try Data(contents).write(to: URL(fileURLWithPath: $0 + "/decoder.safetensors"))
            }
            XCTAssertThrowsError(try CaptionModel(contentsOf: directory), label) {
                XCTAssertTrue($0.localizedDescription.contains(expected), "\(label): \($0)")
            }
        }
    }

    func testRepeatedTensorNamesAreRefused() throws {
        let entry = #"{"dtype":"F32","shape":[1],"data_offsets":[0,4]}"#
        let header = Array(#"{"a":\#(entry),"b":\#(entry),"a":\#(entry)}"#.utf8)
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header + [0, 0, 128, 63]
        XCTAssertThrowsError(try Safetensors.decodeHeader(bytes, source: "twice.safetensors")) {
            XCTAssertEqual(
                "\($0)", #"twice.safetensors: invalid header: the name "a" appears twice"#)
        }
        // An escaped spelling of the same name is the same name.
        let escaped = Array(#"{"a":\#(entry),"\u0061":\#(entry)}"#.utf8)
        bytes = []
        withUnsafeBytes(of: UInt64(escaped.count).littleEndian) { bytes += $0 }
        bytes += escaped + [0, 0, 128, 63]
        XCTAssertThrowsError(try Safetensors.decodeHeader(bytes, source: "escaped.safetensors"))
    }

    func testOutOfRangeSearchSettingsThrow() throws {
        let model = try CaptionModel(contentsOf: Self.shipped)
        let image = try Image(contentsOf: Fixtures.path("scenes/images/000001.png"))
        let features = model.features(of: [image])
        for (width, penalty) in [(0, Float(1)), (101, 1), (3, -1), (3, .nan), (3, .infinity)] {
            XCTAssertThrowsError(
                try model.captions(for: features, beamWidth: width, lengthPenalty: penalty))
        }
    }
}
