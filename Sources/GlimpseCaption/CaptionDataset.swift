// Reading captioned images: COCO captions JSON, the Karpathy-split JSON (dataset_coco.json),
// a plain JSONL file, or a directory written by `glimpse data scenes`.
import Foundation
import GlimpseSupport

/// One image and its reference captions.
public struct CaptionExample: Sendable, Equatable {
    /// Path of the image file.
    public var imagePath: String
    public var imageID: Int
    public var captions: [String]
    /// `train`, `val`, `test` or `restval` from a Karpathy split; nil otherwise.
    public var split: String?

    public init(imagePath: String, imageID: Int, captions: [String], split: String? = nil) {
        self.imagePath = imagePath
        self.imageID = imageID
        self.captions = captions
        self.split = split
    }
}

/// Loaders for the supported caption formats.
public enum CaptionDataset {
    /// Loads `path`:
    /// - a directory: `captions.json` (COCO) inside it, images under `images/`;
    /// - `*.jsonl`: one `{"image": path, "captions": [...]}` per line, paths relative to the file;
    /// - `*.json`: COCO (`images` + `annotations`, images beside the file or under `images/`)
    ///   or Karpathy (`images` with `sentences`, `filepath`, `filename`, `split`).
    /// Images without captions are dropped; an empty result is an error.
    public static func load(_ path: String, imageDirectory: String? = nil) throws(CaptionError)
        -> [CaptionExample]
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .invalidData(path: path, reason: "no such file or directory")
        }
        if isDirectory.boolValue {
            return try load(
                path + "/captions.json", imageDirectory: imageDirectory ?? path + "/images")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: 1 << 30)
        } catch {
            throw .invalidData(path: path, reason: error.reason)
        }
        guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) else {
            throw .invalidData(path: path, reason: "file is empty")
        }
        let examples: [CaptionExample]
        if path.hasSuffix(".jsonl") {
            examples = try jsonLines(bytes, path: path, base: imageDirectory ?? base)
        } else {
            examples = try json(bytes, path: path, imageDirectory: imageDirectory, base: base)
        }
        let captioned = examples.filter { !$0.captions.isEmpty }
        guard !captioned.isEmpty else {
            throw .invalidData(path: path, reason: "no captioned images")
        }
        return captioned
    }

    private static func jsonLines(_ bytes: [UInt8], path: String, base: String)
        throws(CaptionError) -> [CaptionExample]
    {
        struct Line: Decodable {
            var image: String
            var captions: [String]
        }
        var examples: [CaptionExample] = []
        for (number, line) in String(decoding: bytes, as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where !line.trimmingCharacters(in: .whitespaces).isEmpty {
            do {
                let item = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
                examples.append(
                    CaptionExample(
                        imagePath: resolve(item.image, base: base), imageID: examples.count,
                        captions: item.captions))
            } catch {
                throw .invalidData(
                    path: path,
                    reason: "line \(number + 1): expected {\"image\": …, \"captions\": [...]}")
            }
        }
        return examples
    }

    private static func json(
        _ bytes: [UInt8], path: String, imageDirectory: String?, base: String
    ) throws(CaptionError) -> [CaptionExample] {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: Data(bytes))
        } catch {
            throw .invalidData(path: path, reason: "not valid JSON")
        }
        guard let root = object as? [String: Any], let images = root["images"] as? [[String: Any]]
        else {
            throw .invalidData(path: path, reason: "expected an object with an \"images\" array")
        }
        if let annotations = root["annotations"] as? [[String: Any]] {
            var captions: [Int: [String]] = [:]
            for annotation in annotations {
                guard let id = annotation["image_id"] as? Int,
                    let caption = annotation["caption"] as? String
                else {
                    throw .invalidData(path: path, reason: "annotation without image_id/caption")
                }
                captions[id, default: []].append(caption)
            }
            let directory = imageDirectory ?? base
            return try images.map { image throws(CaptionError) in
                guard let id = image["id"] as? Int, let name = image["file_name"] as? String else {
                    throw .invalidData(path: path, reason: "image without id/file_name")
                }
                return CaptionExample(
                    imagePath: resolve(name, base: directory), imageID: id,
                    captions: captions[id] ?? [])
            }
        }
        // Karpathy's split file.
        return try images.enumerated().map { index, image throws(CaptionError) in
            guard let name = image["filename"] as? String,
                let sentences = image["sentences"] as? [[String: Any]]
            else {
                throw .invalidData(
                    path: path,
                    reason: "images need either COCO annotations or Karpathy sentences/filename")
            }
            let folder = image["filepath"] as? String
            let relative = folder.map { $0 + "/" + name } ?? name
            return CaptionExample(
                imagePath: resolve(relative, base: imageDirectory ?? base),
                imageID: image["cocoid"] as? Int ?? image["imgid"] as? Int ?? index,
                captions: sentences.compactMap {
                    ($0["raw"] as? String) ?? ($0["tokens"] as? [String])?.joined(separator: " ")
                },
                split: image["split"] as? String)
        }
    }

    private static func resolve(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : base + "/" + path
    }
}
