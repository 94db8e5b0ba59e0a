// Reading captioned images in the layouts people already have: which layout a path is, and
// the message that names every accepted layout when it is none of them. The JSON layouts
// are parsed in CaptionJSONLayouts.swift, the folder of images and .txt files in
// CaptionFolderLayout.swift.
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

/// Loaders for the supported caption layouts.
public enum CaptionDataset {
    /// Every accepted layout with a one-line example, as printed when a file is none of them.
    public static let acceptedLayouts = """
        accepted layouts:
          COCO captions JSON      {"images": [{"id": 1, "file_name": "a.jpg"}], \
        "annotations": [{"image_id": 1, "caption": "a dog"}]}
          Karpathy split JSON     {"images": [{"filepath": "val2014", "filename": "a.jpg", \
        "split": "train", "sentences": [{"raw": "a dog"}]}]}
          neuraltalk2 list JSON   [{"file_path": "a.jpg", "captions": ["a dog", "a brown dog"]}]
          JSONL (*.jsonl)         {"image": "a.jpg", "captions": ["a dog"]}  (one object per line)
          folder of images        a.jpg + a.txt (one caption per line), b.png + b.txt, …
          glimpse data scenes     a folder with captions.json (COCO) and images/
        image paths are relative to the file's folder, or to --images DIR when given
        """

    /// Loads `path`, resolving relative image paths under `imageDirectory` when given, else
    /// beside the file (a `glimpse data scenes` folder: under its `images/`):
    /// - a directory holding `captions.json`: that COCO file;
    /// - any other directory: its images, each captioned by the `.txt` of the same name;
    /// - `*.jsonl`: one `{"image": path, "captions": [...]}` per line;
    /// - `*.json`: COCO, Karpathy or the neuraltalk2 list (see ``acceptedLayouts``).
    /// Images without captions are dropped; an empty result is an error. Syntax errors name
    /// `path:LINE:COLUMN`, field errors the field (`annotations[3].image_id: …`).
    public static func load(_ path: String, imageDirectory: String? = nil) throws(CaptionError)
        -> [CaptionExample]
    {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .invalidData(path: path, reason: "no such file or directory")
        }
        if let directory = imageDirectory {
            var isFolder: ObjCBool = false
            guard FileManager.default.fileExists(atPath: directory, isDirectory: &isFolder),
                isFolder.boolValue
            else {
                throw .invalidData(path: directory, reason: "--images is not a directory")
            }
        }
        let examples: [CaptionExample]
        if isDirectory.boolValue {
            let coco = path + "/captions.json"
            if FileManager.default.fileExists(atPath: coco) {
                return try load(coco, imageDirectory: imageDirectory ?? path + "/images")
            }
            examples = try CaptionFolderLayout.load(path)
        } else {
            let bytes: [UInt8]
            do {
                bytes = try InputFile.read(path, limit: 1 << 30)
            } catch {
                throw .invalidData(path: path, reason: error.reason)
            }
            guard !bytes.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
            else {
                throw .invalidData(path: path, reason: "file is empty")
            }
            let base = imageDirectory ?? URL(fileURLWithPath: path).deletingLastPathComponent().path
            examples =
                path.hasSuffix(".jsonl")
                ? try CaptionJSONLayouts.lines(bytes, path: path, base: base)
                : try CaptionJSONLayouts.document(bytes, path: path, base: base)
        }
        let captioned = examples.filter { !$0.captions.isEmpty }
        guard !captioned.isEmpty else {
            throw .invalidData(path: path, reason: "no captioned images")
        }
        return captioned
    }

    /// `path` itself when absolute, else `base/path`.
    static func resolve(_ path: String, base: String) -> String {
        path.hasPrefix("/") ? path : base + "/" + path
    }
}
