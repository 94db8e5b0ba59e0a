// The pieces every training loop shares: the metrics log (rows kept up to a resumed step), the
// curve (a line in the loss colour inside the plot area), the checkpoint schedule and the ETA.
import Foundation
import GlimpseMedia
import GlimpseTraining
import TestSupport
import XCTest

final class TrainingRecordsTests: XCTestCase {
    func rows(_ steps: ClosedRange<Int>) -> [TrainingRecord] {
        steps.map {
            TrainingRecord(
                step: $0, epoch: 1, loss: 3 / Double($0), learningRate: 0.01, itemsPerSecond: 5,
                wallSeconds: Double($0))
        }
    }

    func testTheLogKeepsOneHistoryAcrossAResume() throws {
        let path = Fixtures.temporaryDirectory() + "/training.jsonl"
        var log = try TrainingLog(path: path, resumedStep: nil)
        for row in rows(1...8) { try log.append(row) }
        // Killed at step 8 with its checkpoint at step 5: the resume drops rows 6–8.
        var resumed = try TrainingLog(path: path, resumedStep: 5)
        XCTAssertEqual(resumed.records.map(\.step), [1, 2, 3, 4, 5])
        try resumed.append(rows(6...6)[0])
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        XCTAssertEqual(
            try lines.map { try JSONDecoder().decode(TrainingRecord.self, from: Data($0.utf8)) },
            rows(1...6))
        XCTAssertTrue(lines[0].contains("\"learning_rate\":0.01"), String(lines[0]))
        // A new run starts an empty file.
        XCTAssertEqual(try TrainingLog(path: path, resumedStep: nil).records, [])
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "")
    }

    func testTheCurveDrawsBothSeriesInsideThePlot() throws {
        var records = rows(1...40)
        for step in [10, 20, 30, 40] {
            records.append(
                TrainingRecord(
                    step: step, epoch: step / 10, wallSeconds: 0,
                    validation: ["CIDEr-D": Double(step) / 40]))
        }
        let image = TrainingCurve.image(of: records, metric: "CIDEr-D")
        XCTAssertEqual(image.width, TrainingCurve.width)
        XCTAssertEqual(image.height, TrainingCurve.height)
        func count(_ color: [UInt8], inColumns columns: Range<Int>) -> Int {
            var found = 0
            for y in TrainingCurve.plot.top...TrainingCurve.plot.bottom {
                for x in columns {
                    let i = (y * image.width + x) * 3
                    if Array(image.pixels[i..<(i + 3)]) == color { found += 1 }
                }
            }
            return found
        }
        let inside = (TrainingCurve.plot.left + 1)..<TrainingCurve.plot.right
        // The loss falls from the top left: its colour reaches across the plot.
        let blue: [UInt8] = [31, 119, 180]
        let orange: [UInt8] = [230, 110, 0]
        XCTAssertGreaterThan(count(blue, inColumns: inside), TrainingCurve.plot.right / 2)
        XCTAssertGreaterThan(count(orange, inColumns: inside), 50)
        let left = inside.lowerBound..<(inside.lowerBound + 20)
        XCTAssertGreaterThan(count(blue, inColumns: left), 0, "the loss starts at the left edge")
        // Without a metric only the loss is drawn.
        let lossOnly = TrainingCurve.image(of: rows(1...5), metric: nil)
        XCTAssertFalse(
            lossOnly.pixels.indices.contains { i in
                i % 3 == 0 && Array(lossOnly.pixels[i..<(i + 3)]) == orange
            })
    }

    func testCheckpointsFallDueByStepsOrByTime() {
        let start = Date(timeIntervalSince1970: 0)
        var schedule = CheckpointSchedule(every: 5, minutes: 10, now: start)
        XCTAssertFalse(schedule.isDue(afterStep: 4, now: start))
        XCTAssertTrue(schedule.isDue(afterStep: 10, now: start))
        XCTAssertTrue(schedule.isDue(afterStep: 7, now: start.addingTimeInterval(600)))
        schedule.saved(at: start.addingTimeInterval(600))
        XCTAssertFalse(schedule.isDue(afterStep: 7, now: start.addingTimeInterval(1199)))
        let never = CheckpointSchedule(every: nil, minutes: nil, now: start)
        XCTAssertFalse(never.isDue(afterStep: 1000, now: start.addingTimeInterval(1e6)))
    }

    func testTheETAIsTheSoonerOfTheWorkAndTheTimeBudget() {
        // 100 steps left at 10 steps/s: 10 s, unless --max-seconds leaves less.
        XCTAssertEqual(
            TrainingClock.remaining(workLeft: 100, rate: 10, elapsed: 5, maxSeconds: nil), 10)
        XCTAssertEqual(
            TrainingClock.remaining(workLeft: 100, rate: 10, elapsed: 5, maxSeconds: 8), 3)
        XCTAssertEqual(
            TrainingClock.remaining(workLeft: 100, rate: 10, elapsed: 9, maxSeconds: 8), 0)
        XCTAssertEqual(
            TrainingClock.remaining(workLeft: .infinity, rate: 10, elapsed: 1, maxSeconds: 60), 59)
        XCTAssertEqual(TrainingClock.format(59.6), "1:00")
        XCTAssertEqual(TrainingClock.format(3725), "1:02:05")
        XCTAssertEqual(TrainingClock.format(.infinity), "?")
    }
}
