// The executor: overlapped runs give the same results in the same order as running the steps
// one after the other, over every count and batch size; bad inputs fail alone; steps really
// run at the same time; stopping delivers what was taken.
import Foundation
import GlimpsePipeline
import Synchronization
import XCTest

/// Counts how many stages are inside `process` at once.
final class Activity: @unchecked Sendable {
    private let lock = NSLock()
    private var active = 0
    private(set) var peak = 0
    private(set) var batchSizes: [Int] = []

    /// `batch`: the size of a batched stage's call (nil for a one-item stage).
    func enter(batch: Int? = nil) {
        lock.withLock {
            active += 1
            peak = max(peak, active)
            if let batch { batchSizes.append(batch) }
        }
    }

    func leave() { lock.withLock { active -= 1 } }
}

/// Int → Int + 1, refusing multiples of 7, sleeping a little to let others overlap.
struct Step: Stage, Sendable {
    var activity: Activity
    var pause: TimeInterval = 0
    var name: String { "step" }

    func process(_ value: Int) throws -> Int {
        activity.enter()
        defer { activity.leave() }
        if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        guard value % 7 != 0 else { throw PipelineError.invalidRun("\(value) is a multiple of 7") }
        return value + 1
    }
}

/// Int → Int·10, a batch at a time, recording batch sizes.
struct Batched: Stage, Sendable {
    var activity: Activity
    var pause: TimeInterval = 0
    var name: String { "batched" }

    func process(_ value: Int) -> Int { value * 10 }

    func process(batch values: [Int]) -> [Result<Int, any Error>] {
        activity.enter(batch: values.count)
        defer { activity.leave() }
        if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        return values.map { .success($0 * 10) }
    }
}

final class ExecutorTests: XCTestCase {
    func results(
        count: Int, batch: Int, workers: Int, overlapped: Bool
    ) throws -> (results: [String], report: ExecutionReport, activity: Activity) {
        let activity = Activity()
        let pipeline = Pipeline(Step(activity: activity), workers: workers)
            .then(Batched(activity: activity), batch: batch)
        var lines: [String] = []
        var indices: [Int] = []
        let report = try pipeline.run(
            over: Array(0..<count), options: ExecutionOptions(overlapped: overlapped)
        ) { index, result in
            indices.append(index)
            switch result {
            case .success(let value): lines.append("\(value)")
            case .failure(let error): lines.append("error \(error.localizedDescription)")
            }
        }
        XCTAssertEqual(indices, Array(0..<count))
        return (lines, report, activity)
    }

    func testOverlappedEqualsSequentialForEveryCountBatchAndWorkerCount() throws {
        for count in [0, 1, 2, 6, 7, 8, 31, 32, 33, 64, 65, 100] {
            let expected = (0..<count).map {
                $0 % 7 == 0 ? "error \($0) is a multiple of 7" : "\(($0 + 1) * 10)"
            }
            for batch in [1, 2, 3, 8, 32] {
                for workers in [1, 2, 3] {
                    let sequential = try results(
                        count: count, batch: batch, workers: workers, overlapped: false)
                    let overlapped = try results(
                        count: count, batch: batch, workers: workers, overlapped: true)
                    XCTAssertEqual(sequential.results, expected, "\(count) \(batch) \(workers)")
                    XCTAssertEqual(overlapped.results, expected, "\(count) \(batch) \(workers)")
                    XCTAssertEqual(overlapped.report.delivered, count)
                    XCTAssertEqual(overlapped.report.failed, (count + 6) / 7)
                    XCTAssertTrue(
                        overlapped.activity.batchSizes.allSatisfy { $0 <= batch },
                        "\(overlapped.activity.batchSizes)")
                }
            }
        }
    }

    func testBatchesFillWhenInputsFlow() throws {
        let (_, _, activity) = try results(count: 96, batch: 32, workers: 2, overlapped: true)
        // 0, 7, …, 91 fail in the first step; the other 82 reach the batched stage.
        let batches = activity.batchSizes
        XCTAssertEqual(batches.reduce(0, +), 82)
        XCTAssertGreaterThanOrEqual(batches.max() ?? 0, 16, "\(batches)")
    }

    func testStepsRunAtTheSameTime() throws {
        let activity = Activity()
        let pipeline = Pipeline(Step(activity: activity, pause: 0.01), workers: 2)
            .then(Batched(activity: activity, pause: 0.02), batch: 4)
        let report = try pipeline.run(over: Array(1...40)) { _, _ in }
        XCTAssertEqual(report.delivered, 40)
        XCTAssertGreaterThanOrEqual(activity.peak, 2, "the decoding stage never overlapped")
    }

    func testStoppingDeliversEveryTakenItemInOrder() throws {
        let taken = Atomic<Int>(0)
        let activity = Activity()
        let pipeline = Pipeline(Step(activity: activity, pause: 0.002), workers: 2)
            .then(Batched(activity: activity), batch: 4)
        var delivered: [Int] = []
        let report = try pipeline.run(
            over: Array(0..<10_000),
            options: ExecutionOptions(shouldStop: {
                taken.add(1, ordering: .relaxed).newValue > 50
            })
        ) { index, _ in delivered.append(index) }
        XCTAssertTrue(report.stopped)
        XCTAssertEqual(delivered, Array(0..<delivered.count))
        XCTAssertEqual(delivered.count, 50)
    }

    func testADeliveryErrorStopsTheRunAndIsRethrown() {
        let activity = Activity()
        let pipeline = Pipeline(Step(activity: activity), workers: 2)
            .then(Batched(activity: activity), batch: 8)
        var delivered = 0
        XCTAssertThrowsError(
            try pipeline.run(over: Array(0..<5000)) { index, _ in
                delivered += 1
                if index == 10 { throw PipelineError.invalidRun("disk full") }
            }
        ) { error in
            XCTAssertEqual(error as? PipelineError, .invalidRun("disk full"))
        }
        XCTAssertEqual(delivered, 11)
    }

    /// A typed pipeline takes a sourced stage, which sees each value's input name: the names
    /// given to `run`, or the index without them; a wrong number of names is refused.
    func testSourcedStagesSeeTheInputNames() throws {
        let activity = Activity()
        let pipeline = Pipeline(Step(activity: activity), workers: 2)
            .then(Batched(activity: activity), batch: 2).then(Naming(), workers: 2)
        func run(_ sources: [String]?) throws -> [String] {
            var lines: [String] = []
            _ = try pipeline.run(over: [1, 2, 7, 3], sources: sources) { _, result in
                switch result {
                case .success(let line): lines.append(line)
                case .failure: lines.append("error")
                }
            }
            return lines
        }
        XCTAssertEqual(
            try run(["a.png", "b.png", "c.png", "d.png"]),
            ["a.png 20", "b.png 30", "error", "d.png 40"])
        XCTAssertEqual(try run(nil), ["0 20", "1 30", "error", "3 40"])
        XCTAssertThrowsError(try run(["a.png"])) { error in
            XCTAssertEqual(error as? PipelineError, .invalidRun("1 source names for 4 inputs"))
        }
    }
}

/// Int → "SOURCE VALUE": a sourced stage, as writers are.
struct Naming: SourcedStage, Sendable {
    var name: String { "naming" }

    func process(_ input: Int, source: String) throws -> String { "\(source) \(input)" }
}
