// libFuzzer target: loading a caption dataset file (CaptionDataset.load), which runs the JSON
// syntax check, tells the layout and decodes it. The first byte of an input picks the file
// name (even: captions.json, odd: captions.jsonl); the rest is the file.
import Foundation
import GlimpseCaption

/// One directory per process, rewritten by every run.
let directory: String = {
    let path = NSTemporaryDirectory() + "glimpse-fuzz-captiondata-\(getpid())"
    try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCaptionData(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let first = bytes.first else { return 0 }
    let path = directory + (first % 2 == 0 ? "/captions.json" : "/captions.jsonl")
    FileManager.default.createFile(atPath: path, contents: Data(bytes.dropFirst()))
    _ = try? CaptionDataset.load(path)
    try? FileManager.default.removeItem(atPath: path)
    return 0
}
