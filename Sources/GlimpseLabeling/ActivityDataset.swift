// Frame-labelling data: a folder with segments.csv (`video,start_s,end_s,label`, video paths
// relative to the folder; time no row covers is background), each row checked, and the videos
// decoded at a sampling rate with every sampled frame labelled by its timestamp.
import Foundation
import GlimpseMedia
import GlimpseSupport
import GlimpseVision

/// A labelled stretch of a video, in seconds.
public struct LabelledSegment: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var label: String

    public init(start: Double, end: Double, label: String) {
        self.start = start
        self.end = end
        self.label = label
    }
}

/// The videos of a data set and their segments.
public struct ActivityDataset: Sendable {
    /// Video paths (as found on disk) in file order, each with its sorted segments.
    public var videos: [(path: String, segments: [LabelledSegment])]

    /// `background` followed by the data's labels, sorted.
    public var labels: [String] {
        [FrameLabelConfiguration.background]
            + Set(videos.flatMap { $0.segments.map(\.label) }).sorted()
    }

    /// Reads `folder/segments.csv` (or a CSV file given directly). Every row is checked: the
    /// header, four fields, numbers, start ≥ 0, end > start, the video file exists, no two
    /// segments of one video overlap; the error names the file and the row.
    public init(contentsOf path: String) throws(LabelingError) {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw .invalidData(path: path, row: nil, reason: "no such file or folder")
        }
        let file = isFolder.boolValue ? path + "/segments.csv" : path
        let folder = (file as NSString).deletingLastPathComponent
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(file, limit: 1 << 30)
        } catch {
            throw .invalidData(path: error.path, row: nil, reason: error.reason)
        }
        // Lines end in LF or CRLF (Python's csv module and spreadsheets write CRLF; in Swift
        // "\r\n" is one Character, so splitting on "\n" alone would not split it), and a
        // spreadsheet's UTF-8 byte-order mark before the header is not part of it.
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        let lines = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
        guard let header = lines.first,
            Self.fields(of: header).map({ $0.trimmingCharacters(in: .whitespaces) })
                == ["video", "start_s", "end_s", "label"]
        else {
            throw .invalidData(
                path: file, row: 1, reason: "the header must be video,start_s,end_s,label")
        }
        var order: [String] = []
        var byVideo: [String: [(LabelledSegment, Int)]] = [:]
        for (index, line) in lines.enumerated().dropFirst()
        where !line.allSatisfy(\.isWhitespace) {
            let row = index + 1
            let fields = Self.fields(of: line).map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4 else {
                throw .invalidData(
                    path: file, row: row, reason: "expected 4 fields, found \(fields.count)")
            }
            guard let start = Double(fields[1]), let end = Double(fields[2]), start.isFinite,
                end.isFinite
            else {
                throw .invalidData(
                    path: file, row: row, reason: "start_s and end_s must be numbers")
            }
            if let problem = Self.problem(start: start, end: end, label: fields[3]) {
                throw .invalidData(path: file, row: row, reason: problem)
            }
            let video = fields[0].hasPrefix("/") ? fields[0] : folder + "/" + fields[0]
            if byVideo[video] == nil {
                guard FileManager.default.fileExists(atPath: video) else {
                    throw .invalidData(path: file, row: row, reason: "no video \(fields[0])")
                }
                order.append(video)
            }
            byVideo[video, default: []].append(
                (LabelledSegment(start: start, end: end, label: fields[3]), row))
        }
        try self.init(
            file: file, order: order,
            segments: byVideo.mapValues { rows in rows.map { ($0.0, "row \($0.1)", $0.1) } })
    }

    /// Reads ActivityNet's annotation JSON (`database → video id → annotations [{segment:
    /// [start, end], label}]`, other fields ignored); each video is `videos/ID.EXT` or
    /// `videos/v_ID.EXT` (the official file names) with a video extension. Every annotation is
    /// checked as a segments.csv row is; the error names the file and the annotation.
    public init(activityNet file: String, videos folder: String) throws(LabelingError) {
        struct Annotation: Decodable {
            let segment: [Double]
            let label: String
        }
        struct Video: Decodable { let annotations: [Annotation] }
        struct Database: Decodable { let database: [String: Video] }
        let database: Database
        do {
            database = try JSONFile.decode(Database.self, from: file)
        } catch {
            throw .invalidData(path: error.path, row: nil, reason: error.reason)
        }
        var order: [String] = []
        var byVideo: [String: [(LabelledSegment, String, Int?)]] = [:]
        for id in database.database.keys.sorted() {
            let annotations = database.database[id]?.annotations ?? []
            guard !annotations.isEmpty else { continue }
            let candidates = ["", "v_"].flatMap { prefix in
                ["mp4", "mkv", "webm", "mov", "avi", "m4v"].map { "\(folder)/\(prefix)\(id).\($0)" }
            }
            guard
                let video = candidates.first(where: { FileManager.default.fileExists(atPath: $0) })
            else {
                throw .invalidData(
                    path: file, row: nil,
                    reason: "database.\(id): no video \(id).mp4 (or another extension) in \(folder)"
                )
            }
            order.append(video)
            for (index, annotation) in annotations.enumerated() {
                let place = "database.\(id).annotations[\(index)]"
                guard annotation.segment.count == 2 else {
                    throw .invalidData(
                        path: file, row: nil,
                        reason: "\(place): segment must be [start, end], got "
                            + "\(annotation.segment.count) numbers")
                }
                let (start, end) = (annotation.segment[0], annotation.segment[1])
                if let problem = Self.problem(start: start, end: end, label: annotation.label) {
                    throw .invalidData(path: file, row: nil, reason: "\(place): \(problem)")
                }
                byVideo[video, default: []].append(
                    (LabelledSegment(start: start, end: end, label: annotation.label), place, nil))
            }
        }
        try self.init(file: file, order: order, segments: byVideo)
    }

    /// The videos in `order`, each with its segments sorted, refusing overlaps (naming both
    /// places) and a file with no segment at all.
    private init(
        file: String, order: [String], segments: [String: [(LabelledSegment, String, Int?)]]
    ) throws(LabelingError) {
        guard !order.isEmpty else {
            throw .invalidData(path: file, row: nil, reason: "no segments")
        }
        var videos: [(String, [LabelledSegment])] = []
        for video in order {
            let rows = (segments[video] ?? []).sorted { $0.0.start < $1.0.start }
            for (previous, next) in zip(rows, rows.dropFirst()) where next.0.start < previous.0.end
            {
                throw .invalidData(
                    path: file, row: next.2,
                    reason: (next.2 == nil ? "\(next.1): " : "")
                        + "overlaps the segment of \(previous.1) in \(video)")
            }
            videos.append((video, rows.map(\.0)))
        }
        self.videos = videos
    }

    /// What is wrong with a segment, or nil: a negative start, an end not after the start, an
    /// empty label or `background`. Non-finite numbers are refused.
    static func problem(start: Double, end: Double, label: String) -> String? {
        guard start.isFinite && end.isFinite else { return "start and end must be numbers" }
        let text = { (seconds: Double) in String(format: "%g", seconds) }
        guard start >= 0 else { return "negative start \(text(start))" }
        guard end > start else { return "end \(text(end)) is not after start \(text(start))" }
        guard !label.isEmpty, label != FrameLabelConfiguration.background else {
            return "a label must be a name other than \(FrameLabelConfiguration.background)"
        }
        return nil
    }

    /// The fields of a CSV line (RFC 4180): a field in double quotes may hold commas, and `""`
    /// inside it is one quote.
    static func fields(of line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var quoted = false
        var characters = line.makeIterator()
        var pending = characters.next()
        while let character = pending {
            pending = characters.next()
            switch character {
            case "\"" where quoted:
                if pending == "\"" {
                    current.append("\"")
                    pending = characters.next()
                } else {
                    quoted = false
                }
            case "\"" where current.isEmpty:
                quoted = true
            case "," where !quoted:
                fields.append(current)
                current = ""
            default:
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }

    /// The label index of a frame at `time`: the segment covering it, else background (0).
    public static func label(at time: Double, in segments: [LabelledSegment], labels: [String])
        -> Int
    {
        guard let segment = segments.first(where: { $0.start <= time && time < $0.end }) else {
            return 0
        }
        return labels.firstIndex(of: segment.label) ?? 0
    }

    /// Each video decoded at `fps`, resized to the model's input, frames labelled by time.
    /// Labels the model does not know are refused, naming the video; so are frames larger
    /// than `limits`.
    public func clips(
        fps: Double, preprocessing: Preprocessing, labels: [String],
        limits: DecodeLimits = .standard
    ) throws -> [LabelledClip] {
        try videos.map { video in
            for segment in video.segments where !labels.contains(segment.label) {
                throw LabelingError.invalidData(
                    path: video.path, row: nil,
                    reason: "label \(segment.label) is not one of the model's: "
                        + labels.joined(separator: ", "))
            }
            let reader = try VideoReader(
                path: video.path,
                options: VideoReadOptions(
                    size: (preprocessing.width, preprocessing.height),
                    sampling: FrameSampling(fps: fps), limits: limits))
            var frames: [Image] = []
            var times: [Double] = []
            while let frame = try reader.nextFrame() {
                frames.append(frame.image)
                times.append(frame.time)
            }
            guard !frames.isEmpty else {
                throw LabelingError.invalidData(path: video.path, row: nil, reason: "no frames")
            }
            return LabelledClip(
                name: video.path, frames: frames, times: times,
                labels: times.map { Self.label(at: $0, in: video.segments, labels: labels) })
        }
    }
}
