// A writer stage: each labelled video's segments as WebVTT subtitles in a folder, so a pipeline
// file can end `label-frames → write-subtitles` and leave a `.vtt` beside every result line.
import Foundation
import GlimpsePipeline
import GlimpseSupport

/// Writes `directory/ID.vtt` (ID: the video's file name without its extension) atomically for
/// each video and passes its labels on. Two videos of one run with the same ID are refused
/// rather than one overwriting the other.
public struct WriteSubtitles: Stage {
    public var directory: String
    private var written: [String: String] = [:]
    public var name: String { "write-subtitles" }

    public init(directory: String) {
        self.directory = directory
    }

    /// The subtitle file of `video`.
    public func path(for video: String) -> String {
        let file = (video as NSString).lastPathComponent
        return directory + "/" + (file as NSString).deletingPathExtension + ".vtt"
    }

    public mutating func open() throws {
        try Directory.create(directory)
    }

    public mutating func process(_ labels: VideoLabels) throws -> VideoLabels {
        let output = path(for: labels.video)
        if let earlier = written[output], earlier != labels.video {
            throw LabelingError.invalidArgument(
                "\(labels.video): its subtitles would overwrite those of \(earlier) (\(output))")
        }
        try AtomicFile.write(Array(WebVTT.document(labels.segments).utf8), to: output)
        written[output] = labels.video
        return labels
    }
}
