// Segment F1 and ActivityNet detection mAP against examples worked by hand with ActivityNet's
// rules (greedy matching by falling score to the unmatched ground truth of highest tIoU,
// precision envelope summed over recall steps); tIoUs chosen away from the thresholds.
import GlimpseLabeling
import XCTest

final class SegmentDetectionTests: XCTestCase {
    func segment(_ label: Int, _ start: Int, _ end: Int, _ score: Double = 1, clip: Int = 0)
        -> FrameSegment
    {
        FrameSegment(clip: clip, start: start, end: end, label: label, score: score)
    }

    func testRunsSkipBackgroundAndAverageConfidence() {
        let runs = FrameSegment.runs(
            in: [0, 1, 1, 0, 2, 2, 2], confidences: [0.9, 0.5, 0.7, 0.8, 0.3, 0.6, 0.9], clip: 4)
        XCTAssertEqual(runs.map(\.label), [1, 2])
        XCTAssertEqual(runs.map(\.start), [1, 4])
        XCTAssertEqual(runs.map(\.end), [3, 7])
        XCTAssertEqual(runs[0].score, 0.6, accuracy: 1e-12)
        XCTAssertEqual(runs[1].score, 0.6, accuracy: 1e-12)
        XCTAssertEqual(runs.map(\.clip), [4, 4])
        XCTAssertEqual(FrameSegment.runs(in: [1, 1]).map(\.score), [1])
        XCTAssertTrue(FrameSegment.runs(in: []).isEmpty)
    }

    func testTemporalIoU() {
        XCTAssertEqual(segment(1, 0, 8).temporalIoU(segment(1, 0, 7)), 0.875)
        XCTAssertEqual(segment(1, 20, 29).temporalIoU(segment(1, 20, 26)), 6.0 / 9)
        XCTAssertEqual(segment(1, 0, 5).temporalIoU(segment(1, 5, 9)), 0, "touching")
        XCTAssertEqual(segment(1, 0, 5).temporalIoU(segment(1, 0, 5, clip: 1)), 0, "other clip")
    }

    /// Truth: class 1 on [0, 8), class 2 on [20, 29). Predictions: class 1 [0, 7) (tIoU 0.875,
    /// score 0.9) and [12, 18) (no overlap, 0.8); class 2 [20, 26) (tIoU 0.667, 0.7) and
    /// [26, 29) (tIoU 0.333, 0.6). At tIoU 0.5 two of four predictions and both truths match:
    /// F1 = 2·0.5·1 / 1.5. Class 1 has AP 1 at 0.5 … 0.85 (8 thresholds) and 0 at 0.9, 0.95;
    /// class 2 AP 1 at 0.5 … 0.65 (4) and 0 above: mAP = (8 + 4) / 2 / 10 = 0.6.
    func testF1AndDetectionMapOfAWorkedExample() {
        let truth = [segment(1, 0, 8), segment(2, 20, 29)]
        let predictions = [
            segment(1, 12, 18, 0.8), segment(2, 26, 29, 0.6), segment(1, 0, 7, 0.9),
            segment(2, 20, 26, 0.7),
        ]
        XCTAssertEqual(
            SegmentDetection.f1(predictions: predictions, truth: truth), 2.0 / 3, accuracy: 1e-12)
        XCTAssertEqual(
            SegmentDetection.meanAveragePrecision(predictions: predictions, truth: truth), 0.6,
            accuracy: 1e-12)
        XCTAssertEqual(
            SegmentDetection.f1(predictions: predictions, truth: truth, threshold: 0.7), 1.0 / 3,
            accuracy: 1e-12, "only class 1 still matches: P 1/4, R 1/2")
        XCTAssertEqual(SegmentDetection.f1(predictions: [], truth: truth), 0)
        XCTAssertEqual(
            SegmentDetection.meanAveragePrecision(predictions: predictions, truth: []), 0)
    }

    /// A false positive ranked above the true one halves AP (precision 1/2 at recall 1); a
    /// second prediction of an already matched segment is a false positive; predictions of
    /// another clip never match.
    func testRankingDuplicatesAndClips() {
        let truth = [segment(3, 40, 50)]
        XCTAssertEqual(
            SegmentDetection.meanAveragePrecision(
                predictions: [segment(3, 60, 70, 0.95), segment(3, 40, 50, 0.5)], truth: truth),
            0.5, accuracy: 1e-12)
        XCTAssertEqual(
            SegmentDetection.meanAveragePrecision(
                predictions: [segment(3, 40, 50, 0.9), segment(3, 41, 50, 0.8)], truth: truth),
            1, accuracy: 1e-12, "a duplicate after the match does not lower the envelope")
        XCTAssertEqual(
            SegmentDetection.f1(
                predictions: [segment(3, 40, 50, 0.9), segment(3, 41, 50, 0.8)], truth: truth),
            2.0 / 3, accuracy: 1e-12, "P 1/2, R 1")
        XCTAssertEqual(
            SegmentDetection.f1(predictions: [segment(3, 40, 50, clip: 1)], truth: truth), 0)
        XCTAssertEqual(
            SegmentDetection.meanAveragePrecision(
                predictions: [segment(4, 40, 50)], truth: truth), 0, "wrong class")
    }
}
