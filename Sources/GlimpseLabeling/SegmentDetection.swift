// Segments from per-frame labels and the two segment-level scores of `glimpse label eval`:
// segment F1 at a temporal IoU of 0.5 and ActivityNet's detection mAP averaged over tIoU
// 0.5, 0.55, … 0.95 (the evaluation of ActivityNet's Get_Detection_mAP / THUMOS14).
// A segment covers frames [start, end) of its clip; tIoU is measured in frames, which is the
// same as in seconds at a constant sampling rate.

/// A run of frames with one activity label (never background).
public struct FrameSegment: Equatable, Sendable {
    /// Which clip it belongs to.
    public var clip: Int
    /// First frame and one past the last.
    public var start: Int
    public var end: Int
    /// Its class index (1…: 0 is background).
    public var label: Int
    /// The mean confidence of its frames (1 for ground truth).
    public var score: Double

    public init(clip: Int, start: Int, end: Int, label: Int, score: Double) {
        self.clip = clip
        self.start = start
        self.end = end
        self.label = label
        self.score = score
    }

    /// The runs of one label other than `background` in `labels`, each scored with the mean
    /// of `confidences` over its frames (1 when `confidences` is nil).
    public static func runs(
        in labels: [Int], confidences: [Double]? = nil, clip: Int = 0, background: Int = 0
    ) -> [FrameSegment] {
        var segments: [FrameSegment] = []
        var start = 0
        while start < labels.count {
            var end = start
            while end < labels.count && labels[end] == labels[start] { end += 1 }
            if labels[start] != background {
                let score =
                    confidences.map { $0[start..<end].reduce(0, +) / Double(end - start) } ?? 1
                segments.append(
                    FrameSegment(
                        clip: clip, start: start, end: end, label: labels[start], score: score))
            }
            start = end
        }
        return segments
    }

    /// Intersection over union of the two frame ranges (0 for different clips).
    public func temporalIoU(_ other: FrameSegment) -> Double {
        guard clip == other.clip else { return 0 }
        let overlap = min(end, other.end) - max(start, other.start)
        guard overlap > 0 else { return 0 }
        let union = max(end, other.end) - min(start, other.start)
        return Double(overlap) / Double(union)
    }
}

/// Segment F1 and detection mAP of predicted segments against ground-truth ones.
public enum SegmentDetection {
    /// The tIoU thresholds of ActivityNet's detection mAP: 0.5, 0.55, … 0.95.
    public static let thresholds = (0..<10).map { 0.5 + 0.05 * Double($0) }

    /// For each prediction in order of falling score (ties in input order), whether it matches
    /// a ground-truth segment of its clip and class with tIoU ≥ `threshold` not matched before;
    /// among several, the one of highest tIoU. Returns the flags in that order.
    static func matches(
        _ predictions: [FrameSegment], _ truth: [FrameSegment], threshold: Double
    ) -> [Bool] {
        let order = predictions.indices.sorted {
            predictions[$0].score != predictions[$1].score
                ? predictions[$0].score > predictions[$1].score : $0 < $1
        }
        var taken = [Bool](repeating: false, count: truth.count)
        return order.map { index in
            let prediction = predictions[index]
            var best: Int?
            var bestIoU = threshold
            for (t, segment) in truth.enumerated()
            where !taken[t] && segment.label == prediction.label {
                let iou = prediction.temporalIoU(segment)
                if iou >= bestIoU && (best == nil || iou > bestIoU) {
                    best = t
                    bestIoU = iou
                }
            }
            guard let best else { return false }
            taken[best] = true
            return true
        }
    }

    /// F1 of precision (matched predictions / predictions) and recall (matched ground truth /
    /// ground truth) at `threshold`; 0 when either side is empty.
    public static func f1(
        predictions: [FrameSegment], truth: [FrameSegment], threshold: Double = 0.5
    ) -> Double {
        guard !predictions.isEmpty && !truth.isEmpty else { return 0 }
        let hits = matches(predictions, truth, threshold: threshold).filter { $0 }.count
        guard hits > 0 else { return 0 }
        let precision = Double(hits) / Double(predictions.count)
        let recall = Double(hits) / Double(truth.count)
        return 2 * precision * recall / (precision + recall)
    }

    /// AP of one class at one threshold, as ActivityNet computes it: precision made
    /// non-increasing from the right, summed over the recall steps. nil without ground truth.
    static func averagePrecision(
        predictions: [FrameSegment], truth: [FrameSegment], threshold: Double
    ) -> Double? {
        guard !truth.isEmpty else { return nil }
        let flags = matches(predictions, truth, threshold: threshold)
        var precision: [Double] = []
        var recall: [Double] = []
        var hits = 0
        for (rank, hit) in flags.enumerated() {
            hits += hit ? 1 : 0
            precision.append(Double(hits) / Double(rank + 1))
            recall.append(Double(hits) / Double(truth.count))
        }
        // Envelope: mprec[i] = max(precision[i...]), with recall 0 and 1 sentinels.
        var envelope = [0] + precision + [0]
        let steps = [0] + recall + [1]
        for i in stride(from: envelope.count - 2, through: 0, by: -1) {
            envelope[i] = max(envelope[i], envelope[i + 1])
        }
        var ap = 0.0
        for i in 1..<steps.count where steps[i] != steps[i - 1] {
            ap += (steps[i] - steps[i - 1]) * envelope[i]
        }
        return ap
    }

    /// Mean over the classes present in `truth` of AP, at each of `thresholds`, then averaged
    /// over the thresholds; 0 without ground truth.
    public static func meanAveragePrecision(
        predictions: [FrameSegment], truth: [FrameSegment],
        thresholds: [Double] = thresholds
    ) -> Double {
        let classes = Set(truth.map(\.label)).sorted()
        guard !classes.isEmpty && !thresholds.isEmpty else { return 0 }
        let perThreshold = thresholds.map { threshold in
            let values = classes.compactMap { c in
                averagePrecision(
                    predictions: predictions.filter { $0.label == c },
                    truth: truth.filter { $0.label == c }, threshold: threshold)
            }
            return values.reduce(0, +) / Double(values.count)
        }
        return perThreshold.reduce(0, +) / Double(perThreshold.count)
    }
}
