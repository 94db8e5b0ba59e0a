// The JSON caption layouts: COCO captions (`images` + `annotations`), Karpathy's split file
// (`images` with `sentences`), the neuraltalk2 list (`[{"file_path", "captions"}]`) and JSONL.
// The layout is told by the document's keys; the text is checked by ``JSONSyntax`` first (so
// a syntax error names its line and column and a trailing comma is refused), then decoded
// into typed structures whose errors name the field (`annotations[3].image_id: …`).
import Foundation
import GlimpseSupport

enum CaptionJSONLayouts {
    /// The examples of a `.json` document in any of the JSON layouts.
    static func document(_ bytes: [UInt8], path: String, base: String) throws(CaptionError)
        -> [CaptionExample]
    {
        try checkSyntax(bytes, source: path)
        let probe = try decode(Probe.self, from: bytes, source: path)
        switch probe.layout {
        case .coco:
            return try coco(decode(COCO.self, from: bytes, source: path), path: path, base: base)
        case .karpathy:
            return try decode(Karpathy.self, from: bytes, source: path).images.enumerated().map {
                index, image in
                let relative = image.filepath.map { $0 + "/" + image.filename } ?? image.filename
                return CaptionExample(
                    imagePath: CaptionDataset.resolve(relative, base: base),
                    imageID: image.cocoid?.number ?? image.imgid?.number ?? index,
                    captions: image.sentences.map(\.text), split: image.split)
            }
        case .list:
            return try decode([ListItem].self, from: bytes, source: path).enumerated().map {
                index, item in
                CaptionExample(
                    imagePath: CaptionDataset.resolve(item.filePath, base: base),
                    imageID: item.id?.number ?? index, captions: item.captions)
            }
        case .unknown(let what):
            throw .invalidData(
                path: path,
                reason: "not a caption dataset (\(what))\n" + CaptionDataset.acceptedLayouts)
        }
    }

    /// The examples of a JSONL file: one `{"image": PATH, "captions": [TEXT, …]}` per line
    /// (`"caption": TEXT` for one); errors name `path:LINE`.
    static func lines(_ bytes: [UInt8], path: String, base: String) throws(CaptionError)
        -> [CaptionExample]
    {
        var examples: [CaptionExample] = []
        for (number, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            .enumerated()
        where !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) {
            let source = "\(path):\(number + 1)"
            let text = Array(line)
            do {
                try JSONSyntax.check(text)
            } catch {
                throw .invalidData(path: "\(source):\(error.column)", reason: error.message)
            }
            let item = try decode(Line.self, from: text, source: source)
            examples.append(
                CaptionExample(
                    imagePath: CaptionDataset.resolve(item.image, base: base),
                    imageID: examples.count, captions: item.captions))
        }
        return examples
    }

    private static func coco(_ file: COCO, path: String, base: String) throws(CaptionError)
        -> [CaptionExample]
    {
        var place: [ImageID: Int] = [:]
        for (index, image) in file.images.enumerated() {
            if let first = place.updateValue(index, forKey: image.id) {
                throw .invalidData(
                    path: path,
                    reason: "images[\(index)].id \(image.id) repeats images[\(first)].id")
            }
        }
        var captions = [[String]](repeating: [], count: file.images.count)
        for (index, annotation) in file.annotations.enumerated() {
            guard let image = place[annotation.imageID] else {
                throw .invalidData(
                    path: path,
                    reason:
                        "annotations[\(index)].image_id \(annotation.imageID) is the id of no "
                        + "entry in images")
            }
            captions[image].append(annotation.caption)
        }
        return file.images.enumerated().map { index, image in
            CaptionExample(
                imagePath: CaptionDataset.resolve(image.fileName, base: base),
                imageID: image.id.number ?? index, captions: captions[index])
        }
    }

    private static func checkSyntax(_ bytes: [UInt8], source: String) throws(CaptionError) {
        do {
            try JSONFile.checkSyntax(bytes, source: source)
        } catch {
            throw .invalidData(path: error.path, reason: error.reason)
        }
    }

    /// Decodes syntax-checked `bytes`; a field error names the field.
    private static func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8], source: String)
        throws(CaptionError) -> T
    {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch let error as DecodingError {
            throw .invalidData(path: source, reason: JSONFile.describe(error))
        } catch {
            throw .invalidData(path: source, reason: "not valid JSON")
        }
    }
}

/// An image id: COCO's are integers, other tools' COCO-style files use strings.
private enum ImageID: Decodable, Hashable, CustomStringConvertible {
    case number(Int)
    case text(String)

    init(from decoder: any Decoder) throws {
        let value = try decoder.singleValueContainer()
        if let number = try? value.decode(Int.self) {
            self = .number(number)
        } else if let text = try? value.decode(String.self) {
            self = .text(text)
        } else {
            throw DecodingError.dataCorruptedError(
                in: value, debugDescription: "expected an integer or a string id")
        }
    }

    var number: Int? {
        if case .number(let value) = self { value } else { nil }
    }

    var description: String {
        switch self {
        case .number(let value): "\(value)"
        case .text(let value): "\"\(value)\""
        }
    }
}

/// The top-level keys of a document, and of its first image, to tell the layout by.
private struct Probe: Decodable {
    enum Layout { case coco, karpathy, list, unknown(String) }

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    var layout: Layout

    init(from decoder: any Decoder) throws {
        guard let object = try? decoder.container(keyedBy: Key.self) else {
            layout =
                (try? decoder.unkeyedContainer()) != nil
                ? .list : .unknown("the document is a single value, not an object or a list")
            return
        }
        let keys = object.allKeys.map(\.stringValue)
        if keys.contains("annotations") {
            layout = .coco
            return
        }
        guard keys.contains("images") else {
            let shown = keys.sorted().prefix(8).map { "\"\($0)\"" }.joined(separator: ", ")
            layout = .unknown(
                keys.isEmpty ? "an empty object" : "an object with the keys \(shown)")
            return
        }
        var images = try object.nestedUnkeyedContainer(forKey: Key(stringValue: "images"))
        let first =
            images.isAtEnd
            ? [] : (try? images.nestedContainer(keyedBy: Key.self))?.allKeys.map(\.stringValue)
        if let first, first.contains("sentences") || first.contains("filename") {
            layout = .karpathy
        } else if first?.contains("file_name") == true {
            layout = .unknown("COCO images without an \"annotations\" list of captions")
        } else if first?.isEmpty == true, images.isAtEnd {
            layout = .unknown("an empty \"images\" list")
        } else {
            layout = .unknown(
                "\"images\" entries have neither Karpathy's \"filename\" and \"sentences\" nor "
                    + "COCO's \"file_name\"")
        }
    }
}

private struct COCO: Decodable {
    struct Image: Decodable {
        var id: ImageID
        var fileName: String
        enum CodingKeys: String, CodingKey {
            case id
            case fileName = "file_name"
        }
    }

    struct Annotation: Decodable {
        var imageID: ImageID
        var caption: String
        enum CodingKeys: String, CodingKey {
            case caption
            case imageID = "image_id"
        }
    }

    var images: [Image]
    var annotations: [Annotation]
}

private struct Karpathy: Decodable {
    struct Image: Decodable {
        var filepath: String?
        var filename: String
        var sentences: [Sentence]
        var split: String?
        var cocoid: ImageID?
        var imgid: ImageID?
    }

    /// `raw` text, else the `tokens` joined by spaces.
    struct Sentence: Decodable {
        var text: String
        enum CodingKeys: String, CodingKey { case raw, tokens }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            if let raw = try container.decodeIfPresent(String.self, forKey: .raw) {
                text = raw
            } else if let tokens = try container.decodeIfPresent([String].self, forKey: .tokens) {
                text = tokens.joined(separator: " ")
            } else {
                throw DecodingError.keyNotFound(
                    CodingKeys.raw,
                    .init(
                        codingPath: container.codingPath,
                        debugDescription: "a sentence needs \"raw\" or \"tokens\""))
            }
        }
    }

    var images: [Image]
}

private struct ListItem: Decodable {
    var filePath: String
    var captions: [String]
    var id: ImageID?
    enum CodingKeys: String, CodingKey {
        case captions, id
        case filePath = "file_path"
    }
}

/// One JSONL line: `captions`, or a single `caption`.
private struct Line: Decodable {
    var image: String
    var captions: [String]
    enum CodingKeys: String, CodingKey { case image, captions, caption }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        image = try container.decode(String.self, forKey: .image)
        if let one = try container.decodeIfPresent(String.self, forKey: .caption) {
            captions = [one]
        } else {
            captions = try container.decode([String].self, forKey: .captions)
        }
    }
}
