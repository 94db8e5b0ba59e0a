// A pipeline file's fan-out as one step: two branches of steps given the same inputs, their
// results paired. The branches run at the same time, the first on the step's thread and the
// second on another, each stage over sub-batches of its own batch size; an input fails when
// either branch fails it.
import Foundation

extension PipelineStep {
    /// The step running `first` and `second` (each non-empty, each starting from the same input
    /// type) over every batch and pairing their outputs `(first's, second's)`; written as the
    /// JSON array of the two results when both branches end in a stage that writes results.
    init(fanOut first: [PipelineStep], _ second: [PipelineStep]) {
        let branches = [first, second]
        let outputType =
            "(\(first.last?.outputType ?? ""), \(second.last?.outputType ?? ""))"
        var encode: ((Any) throws -> Data)?
        if let encodeFirst = first.last?.encodeOutput, let encodeSecond = second.last?.encodeOutput
        {
            encode = { value in
                guard let (a, b) = value as? (Any, Any) else {
                    throw PipelineError.unexpectedValue(stage: "fan_out", expected: outputType)
                }
                return Data("[".utf8) + (try encodeFirst(a)) + Data(",".utf8)
                    + (try encodeSecond(b)) + Data("]".utf8)
            }
        }
        self.init(
            name: "fan_out", inputType: first.first?.inputType ?? "", outputType: outputType,
            batchSize: branches.joined().map(\.batchSize).max() ?? 1, workers: 1,
            parameters: [:], branches: branches, encode: encode
        ) {
            let workers = try branches.map { branch in try branch.map { try $0.makeWorker() } }
            return StepWorker(
                processBatch: { values, sources in
                    // Each branch's workers are used by one thread at a time: this batch's.
                    let second = BranchRun(
                        steps: branches[1], workers: workers[1], values: values, sources: sources)
                    let done = DispatchSemaphore(value: 0)
                    DispatchQueue.global().async {
                        second.run()
                        done.signal()
                    }
                    let first = Self.run(branches[0], workers[0], over: values, sources: sources)
                    done.wait()
                    return zip(first, second.results).map { a, b in
                        a.flatMap { x in b.map { y in (x, y) as Any } }
                    }
                },
                close: {
                    var failure: (any Error)?
                    for worker in workers.joined() {
                        do { try worker.close() } catch { failure = failure ?? error }
                    }
                    if let failure { throw failure }
                })
        }
    }

    /// One branch over `values`: each step in turn, a sub-batch of its batch size at a time.
    fileprivate static func run(
        _ steps: [PipelineStep], _ workers: [StepWorker], over values: [Any], sources: [String]
    ) -> [Result<Any, any Error>] {
        var batch = ArraySlice(
            zip(values, sources).enumerated().map { index, item in
                Envelope(index: index, id: item.1, value: .success(item.0))
            })
        for (step, worker) in zip(steps, workers) {
            for start in stride(from: batch.startIndex, to: batch.endIndex, by: step.batchSize) {
                PipelineExecutor.apply(
                    worker, to: &batch[start..<min(batch.endIndex, start + step.batchSize)])
            }
        }
        return batch.map(\.value)
    }
}

/// A branch's run over one batch on another thread, and its results once `run()` returns.
private final class BranchRun: @unchecked Sendable {
    let steps: [PipelineStep]
    let workers: [StepWorker]
    let values: [Any]
    let sources: [String]
    private(set) var results: [Result<Any, any Error>] = []

    init(steps: [PipelineStep], workers: [StepWorker], values: [Any], sources: [String]) {
        self.steps = steps
        self.workers = workers
        self.values = values
        self.sources = sources
    }

    /// Runs the branch; the caller reads `results` after it has waited for this to return.
    func run() {
        results = PipelineStep.run(steps, workers, over: values, sources: sources)
    }
}
