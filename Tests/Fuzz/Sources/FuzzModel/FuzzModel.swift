// libFuzzer target: loading a caption model directory (CaptionModel(contentsOf:)) and
// captioning one small image with it. An input is the directory's four files joined by
// `separator`, in the order of `files`; missing parts leave the file out.
import Foundation
import GlimpseCaption
import GlimpseMedia

let files = ["config.json", "vocab.json", "encoder.safetensors", "decoder.safetensors"]
let separator = Array("\n--glimpse-fuzz-file--\n".utf8)

/// One directory per process, rewritten by every run.
let directory: String = {
    let path = NSTemporaryDirectory() + "glimpse-fuzz-model-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

let image = Image(width: 9, height: 7, layout: .rgb, filledWith: [200, 40, 90])

/// `bytes` cut at every occurrence of `separator`.
func parts(of bytes: [UInt8]) -> [ArraySlice<UInt8>] {
    var parts: [ArraySlice<UInt8>] = []
    var start = 0
    var i = 0
    while i + separator.count <= bytes.count {
        if bytes[i..<(i + separator.count)].elementsEqual(separator) {
            parts.append(bytes[start..<i])
            i += separator.count
            start = i
        } else {
            i += 1
        }
    }
    parts.append(bytes[start...])
    return parts
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModel(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let contents = parts(of: Array(UnsafeBufferPointer(start: data, count: size)))
    for (index, name) in files.enumerated() {
        let path = directory + "/" + name
        if index < contents.count {
            FileManager.default.createFile(atPath: path, contents: Data(contents[index]))
        } else {
            try? FileManager.default.removeItem(atPath: path)
        }
    }
    guard let model = try? CaptionModel(contentsOf: directory) else { return 0 }
    _ = try? model.captions(for: model.features(of: [image]), beamWidth: 2)
    return 0
}
