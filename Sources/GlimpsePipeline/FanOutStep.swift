// A pipeline file's fan-out as one step: two branches of steps given the same inputs, their
// results paired. The branches run one after the other on the step's thread, each stage over
// sub-batches of its own batch size; an input fails when either branch fails it.
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
                    let outputs = zip(branches, workers).map { steps, stepWorkers in
                        Self.run(steps, stepWorkers, over: values, sources: sources)
                    }
                    return zip(outputs[0], outputs[1]).map { a, b in
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
    private static func run(
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
