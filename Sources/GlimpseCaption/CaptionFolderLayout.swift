// The simplest "train on my own images" layout: a folder of images, each captioned by the
// `.txt` file of the same name beside it, one caption per line (`dog.jpg` + `dog.txt`).
// Only the folder itself is read, in name order; images without a `.txt` are left out.
import Foundation
import GlimpseSupport

enum CaptionFolderLayout {
    /// Extensions read as images, compared without case.
    static let imageExtensions: Set<String> = ["png", "jpg", "jpeg"]

    /// The captioned images of `directory`.
    static func load(_ directory: String) throws(CaptionError) -> [CaptionExample] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw .invalidData(path: directory, reason: "cannot list the folder")
        }
        let present = Set(names)
        let images = names.filter {
            imageExtensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased())
        }
        var examples: [CaptionExample] = []
        for image in images {
            let stem = URL(fileURLWithPath: image).deletingPathExtension().lastPathComponent
            guard present.contains(stem + ".txt") else { continue }
            let captionFile = directory + "/" + stem + ".txt"
            examples.append(
                CaptionExample(
                    imagePath: directory + "/" + image, imageID: examples.count,
                    captions: try captions(in: captionFile)))
        }
        guard !examples.isEmpty else {
            let what =
                images.isEmpty
                ? "a folder with no captions.json and no PNG or JPEG images"
                : "a folder of \(images.count) images, none with a .txt of captions beside it"
            throw .invalidData(
                path: directory,
                reason: "not a caption dataset (\(what))\n" + CaptionDataset.acceptedLayouts)
        }
        return examples
    }

    /// The non-empty lines of `path`, trimmed.
    private static func captions(in path: String) throws(CaptionError) -> [String] {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: 1 << 20)
        } catch {
            throw .invalidData(path: path, reason: error.reason)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .invalidData(path: path, reason: "not UTF-8 text")
        }
        return text.split(whereSeparator: \.isNewline)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .filter { !$0.isEmpty }
    }
}
