// SceneFiles.swift — a scene set on disk, written by `glimpse data scenes` and read back for
// evaluation:
//
//   DIR/images/000001.png …   the rendered scenes (PNG, lossless)
//   DIR/captions.json          COCO captions: {"info", "images": [{"id", "file_name",
//                              "width", "height"}], "annotations": [{"id", "image_id",
//                              "caption"}]}; file_name is relative to DIR/images
//   DIR/scenes.json            [{"image_id", "file_name", "width", "height", "background",
//                              "objects": [{"shape", "color", "size", "x", "y", "radius"}]}]
//   DIR/questions.jsonl        with questions: one {"image_id", "image", "question", "answer",
//                              "question_type", "answer_type"}
//                              per line; image is relative to DIR ("images/000001.png")
//
// Image ids are 1-based: scene index i is image i + 1, file String(format: "%06d.png", i + 1).
// Every file is written atomically, images first, so a reader never sees a JSON file that
// names a missing image. JSON keys are sorted, so a seed gives byte-identical files.
import Foundation
import GlimpseMedia
import GlimpseSupport
import Synchronization

/// A scene with the id and file name it has in a scene set.
public struct SceneRecord: Codable, Equatable, Sendable {
    /// 1-based image id, shared with captions.json and questions.jsonl.
    public var imageID: Int
    /// The image's name inside DIR/images, e.g. "000001.png".
    public var fileName: String
    /// The ground-truth scene.
    public var scene: Scene

    /// Creates a record.
    public init(imageID: Int, fileName: String, scene: Scene) {
        self.imageID = imageID
        self.fileName = fileName
        self.scene = scene
    }

    /// The file name of image `imageID`: six digits and ".png".
    public static func fileName(imageID: Int) -> String {
        let digits = String(imageID)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + ".png"
    }

    enum CodingKeys: String, CodingKey {
        case imageID = "image_id"
        case fileName = "file_name"
    }

    /// Decodes `{"image_id", "file_name", …scene keys}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        imageID = try container.decode(Int.self, forKey: .imageID)
        fileName = try container.decode(String.self, forKey: .fileName)
        scene = try Scene(from: decoder)
    }

    /// Encodes the id and file name beside the scene's own keys in one object.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(imageID, forKey: .imageID)
        try container.encode(fileName, forKey: .fileName)
        try scene.encode(to: encoder)
    }
}

/// The scenes of a scene set, read from its scenes.json.
public struct SceneSet: Sendable {
    /// The scenes in file order.
    public var records: [SceneRecord]
    private var byImageID: [Int: Int]
    private var byFileName: [String: Int]

    /// Indexes `records`; image ids and file names must be unique.
    public init(records: [SceneRecord]) {
        self.records = records
        byImageID = Dictionary(
            records.enumerated().map { ($1.imageID, $0) }, uniquingKeysWith: { a, _ in a })
        byFileName = Dictionary(
            records.enumerated().map { ($1.fileName, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Reads `path`/scenes.json when `path` is a directory, else the file `path`.
    public init(contentsOf path: String) throws(SceneError) {
        var isDirectory: ObjCBool = false
        let file =
            FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
                && isDirectory.boolValue
            ? (path as NSString).appendingPathComponent("scenes.json") : path
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(file, limit: 1 << 30)
        } catch {
            throw .invalidData(path: file, reason: error.reason)
        }
        guard !bytes.isEmpty else { throw .invalidData(path: file, reason: "file is empty") }
        let records: [SceneRecord]
        do {
            records = try JSONDecoder().decode([SceneRecord].self, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidData(path: file, reason: describe(error))
        } catch {
            throw .invalidData(path: file, reason: "\(error)")
        }
        var seen = Set<Int>()
        for (i, record) in records.enumerated() {
            let scene = record.scene
            guard seen.insert(record.imageID).inserted else {
                throw .invalidData(path: file, reason: "duplicate image_id \(record.imageID)")
            }
            guard scene.width > 0, scene.height > 0, scene.background.from.count == 3,
                scene.background.to.count == 3, scene.objects.allSatisfy({ $0.radius > 0 })
            else {
                throw .invalidData(
                    path: file,
                    reason: "scene [\(i)] (image_id \(record.imageID)) has a non-positive size "
                        + "or radius or a background colour without 3 samples")
            }
        }
        self.init(records: records)
    }

    /// The scenes in file order.
    public var scenes: [Scene] { records.map(\.scene) }

    /// The scene with image id `imageID`, if any.
    public func scene(imageID: Int) -> Scene? {
        byImageID[imageID].map { records[$0].scene }
    }

    /// The scene whose image is `fileName` (a bare name such as "000001.png"; a path's
    /// directories are ignored), if any.
    public func scene(fileName: String) -> Scene? {
        let name = fileName.split(separator: "/").last.map(String.init) ?? fileName
        return byFileName[name].map { records[$0].scene }
    }
}

/// What ``SceneDatasetWriter/write(count:to:)`` wrote.
public struct SceneDatasetSummary: Equatable, Sendable {
    /// Images written.
    public var scenes: Int
    /// Caption annotations in captions.json.
    public var captions: Int
    /// Lines in questions.jsonl (0 without questions).
    public var questions: Int
}

/// Writes a scene set (images, captions.json, scenes.json, optionally questions.jsonl).
public struct SceneDatasetWriter: Sendable {
    /// The source of the scenes (seed and size).
    public var generator: SceneGenerator
    /// Whether to write questions.jsonl.
    public var includeQuestions: Bool

    /// A writer of `generator`'s scenes.
    public init(generator: SceneGenerator, includeQuestions: Bool = false) {
        self.generator = generator
        self.includeQuestions = includeQuestions
    }

    /// Writes scenes 0..<`count` (image ids 1…count) under `directory`, creating it.
    public func write(count: Int, to directory: String) throws(SceneError) -> SceneDatasetSummary {
        guard count >= 1 else {
            throw .invalidArgument("the scene count must be at least 1, got \(count)")
        }
        let imagesDirectory = (directory as NSString).appendingPathComponent("images")
        try makeDirectories(imagesDirectory)
        let records = (0..<count).map { index in
            SceneRecord(
                imageID: index + 1, fileName: SceneRecord.fileName(imageID: index + 1),
                scene: generator.scene(at: index))
        }
        try writeImages(records, to: imagesDirectory)

        var images: [CocoImage] = []
        var annotations: [CocoAnnotation] = []
        var questionLines: [UInt8] = []
        var questionCount = 0
        let encoder = Self.makeEncoder()
        for record in records {
            images.append(
                CocoImage(
                    id: record.imageID, fileName: record.fileName, width: record.scene.width,
                    height: record.scene.height))
            for caption in record.scene.captions {
                annotations.append(
                    CocoAnnotation(
                        id: annotations.count + 1, imageID: record.imageID, caption: caption))
            }
            if includeQuestions {
                for question in record.scene.questions {
                    let line = QuestionLine(
                        imageID: record.imageID, image: "images/" + record.fileName,
                        question: question.question, answer: question.answer,
                        questionType: question.questionType.rawValue,
                        answerType: question.answerType.rawValue)
                    questionLines += try encodeJSON(line, for: directory, encoder) + [0x0A]
                    questionCount += 1
                }
            }
        }
        let info = CocoInfo(
            description: "Glimpse synthetic scenes", version: "1", seed: generator.seed,
            size: generator.size, count: count)
        let captions = CocoCaptions(info: info, images: images, annotations: annotations)
        try writeFile(encodeJSON(records, for: directory), to: directory, "scenes.json")
        try writeFile(encodeJSON(captions, for: directory), to: directory, "captions.json")
        if includeQuestions {
            try writeFile(questionLines, to: directory, "questions.jsonl")
        }
        return SceneDatasetSummary(
            scenes: count, captions: annotations.count, questions: questionCount)
    }

    /// Renders and writes the PNGs on all cores (encoding and fsync dominate the time).
    private func writeImages(_ records: [SceneRecord], to directory: String) throws(SceneError) {
        let failure = Mutex<SceneError?>(nil)
        let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount * 4, 16))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            for index in stride(from: worker, to: records.count, by: workers) {
                if failure.withLock({ $0 != nil }) { return }
                let path = (directory as NSString).appendingPathComponent(records[index].fileName)
                do {
                    let bytes = try records[index].scene.render().encoded(as: .png)
                    try AtomicFile.write(bytes, to: path)
                } catch let error as FileError {
                    failure.withLock { $0 = $0 ?? .unwritable(path: path, reason: error.reason) }
                } catch {
                    let reason = (error as? LocalizedError)?.errorDescription ?? "\(error)"
                    failure.withLock { $0 = $0 ?? .unwritable(path: path, reason: reason) }
                }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    private func writeFile(_ bytes: [UInt8], to directory: String, _ name: String)
        throws(SceneError)
    {
        let path = (directory as NSString).appendingPathComponent(name)
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw .unwritable(path: path, reason: error.reason)
        }
    }

    /// Compact JSON with sorted keys, so a seed gives byte-identical files.
    private static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    private func encodeJSON<Value: Encodable>(
        _ value: Value, for directory: String, _ encoder: JSONEncoder = makeEncoder()
    ) throws(SceneError) -> [UInt8] {
        do {
            return [UInt8](try encoder.encode(value))
        } catch {
            throw .unwritable(path: directory, reason: "cannot encode JSON: \(error)")
        }
    }

    /// `mkdir -p`, with the system's reason when a component cannot be created.
    private func makeDirectories(_ path: String) throws(SceneError) {
        do {
            try Directory.create(path)
        } catch {
            throw .unwritable(path: error.path, reason: error.reason)
        }
    }
}

// The JSON records, with the field names the formats use.

struct CocoCaptions: Codable {
    var info: CocoInfo
    var images: [CocoImage]
    var annotations: [CocoAnnotation]
}

struct CocoInfo: Codable {
    var description: String
    var version: String
    var seed: UInt64
    var size: Int
    var count: Int
}

struct CocoImage: Codable {
    var id: Int
    var fileName: String
    var width: Int
    var height: Int

    enum CodingKeys: String, CodingKey {
        case id, width, height
        case fileName = "file_name"
    }
}

struct CocoAnnotation: Codable {
    var id: Int
    var imageID: Int
    var caption: String

    enum CodingKeys: String, CodingKey {
        case id, caption
        case imageID = "image_id"
    }
}

struct QuestionLine: Codable {
    var imageID: Int
    var image: String
    var question: String
    var answer: String
    var questionType: String
    var answerType: String

    enum CodingKeys: String, CodingKey {
        case image, question, answer
        case imageID = "image_id"
        case questionType = "question_type"
        case answerType = "answer_type"
    }
}

/// A decoding error as one line: what is wrong and where ("[3].objects[0].color").
func describe(_ error: DecodingError) -> String {
    func location(_ context: DecodingError.Context) -> String {
        let path = context.codingPath.map { key in
            key.intValue.map { "[\($0)]" } ?? ".\(key.stringValue)"
        }.joined()
        return path.isEmpty
            ? "at the top level" : "at \(path.hasPrefix(".") ? String(path.dropFirst()) : path)"
    }
    switch error {
    case .keyNotFound(let key, let context):
        return "missing key \"\(key.stringValue)\" \(location(context))"
    case .typeMismatch(_, let context), .valueNotFound(_, let context):
        return "\(context.debugDescription) \(location(context))"
    case .dataCorrupted(let context):
        return context.codingPath.isEmpty
            ? "not valid JSON" : "\(context.debugDescription) \(location(context))"
    @unknown default:
        return "\(error)"
    }
}
