// Writing a synthetic activity data set: DIR/videos/NNNNNN.mp4 and DIR/segments.csv
// (`video,start_s,end_s,label`; time no row covers is background).
import Foundation
import GlimpseMedia
import GlimpseSupport

/// Writes `count` clips of a generator as a frame-labelling data set.
public struct ActivityDatasetWriter: Sendable {
    public let generator: ActivityGenerator

    public init(generator: ActivityGenerator) {
        self.generator = generator
    }

    /// Writes the videos, then segments.csv (atomically, last). Returns the segment count.
    @discardableResult
    public func write(count: Int, to directory: String) throws -> Int {
        try Directory.create(directory + "/videos")
        var rows = ["video,start_s,end_s,label"]
        for index in 0..<count {
            let clip = generator.clip(index)
            let name = String(format: "videos/%06d.mp4", index + 1)
            let writer = try VideoWriter(
                path: directory + "/" + name, width: generator.size, height: generator.size,
                fps: clip.fps)
            for frame in clip.frames { try writer.append(frame) }
            try writer.finish()
            for segment in clip.segments {
                rows.append(
                    String(
                        format: "%@,%.3f,%.3f,%@", name, segment.start, segment.end,
                        segment.activity.rawValue))
            }
        }
        try AtomicFile.write(
            Data((rows.joined(separator: "\n") + "\n").utf8), to: directory + "/segments.csv")
        return rows.count - 1
    }
}
