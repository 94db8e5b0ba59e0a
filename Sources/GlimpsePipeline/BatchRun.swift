// A pipeline over many inputs: the shard's inputs not yet in the results file, through the
// executor, each result appended as one line as it arrives, with progress on standard error.
import Foundation

/// What a batch run did.
public struct BatchRunReport: Sendable, Equatable {
    /// Inputs in the run's shard.
    public var inputs = 0
    /// Of them, already in the results file and skipped (`--resume`).
    public var skipped = 0
    /// Results written, and how many of them are errors.
    public var written = 0
    public var failed = 0
    /// Whether Ctrl-C (or `shouldStop`) ended the run before its inputs did.
    public var stopped = false
}

/// Running a loaded pipeline over many inputs into a ``ResultLog``.
public struct BatchRun {
    public var pipeline: LoadedPipeline
    public var shard: Shard?
    public var options: ExecutionOptions

    public init(
        pipeline: LoadedPipeline, shard: Shard? = nil,
        options: ExecutionOptions = ExecutionOptions()
    ) {
        self.pipeline = pipeline
        self.shard = shard
        self.options = options
    }

    /// Runs over `items`, skipping those `log` already holds, writing each result to `log`
    /// (none: results go to `observe` only); `observe` sees each result as it is written (for a
    /// front's own display).
    public func run(
        _ items: [PipelineItem], into log: ResultLog?, progress: ProgressReporter? = nil,
        observe: (String, Result<Any, any Error>) throws -> Void = { _, _ in }
    ) throws -> BatchRunReport {
        var report = BatchRunReport()
        let mine = shard.map { shard in items.filter { shard.contains($0.id) } } ?? items
        report.inputs = mine.count
        let done = log?.completed ?? []
        let todo = mine.filter { !done.contains($0.id) }
        report.skipped = mine.count - todo.count
        progress?.start(total: todo.count)
        guard let encode = pipeline.steps.last?.encodeOutput else {
            throw PipelineError.invalidRun("\(pipeline.path): the last stage writes no results")
        }
        let execution = try PipelineExecutor(steps: pipeline.steps, options: options).run(todo) {
            _, id, result in
            switch result {
            case .success(let value):
                try log?.append(input: id, result: try encode(value))
            case .failure(let error):
                try log?.append(input: id, error: Self.message(error))
            }
            try observe(id, result)
            progress?.advance(failed: { if case .failure = result { true } else { false } }())
        }
        log?.sync()
        progress?.finish()
        report.written = execution.delivered
        report.failed = execution.failed
        report.stopped = execution.stopped
        return report
    }

    /// An error's one-line text.
    public static func message(_ error: any Error) -> String {
        let text = (error as? LocalizedError)?.errorDescription ?? "\(error)"
        return text.split(separator: "\n").first.map(String.init) ?? text
    }
}
