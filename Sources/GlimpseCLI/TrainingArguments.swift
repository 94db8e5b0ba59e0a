// The options every `… train` command takes, with one meaning everywhere, and how training
// commands show progress.
import ArgumentParser
import Foundation
import GlimpseTensor
import GlimpseTraining

/// Budget, batch, learning rate, seed, checkpoints, resume and output protection, threads and
/// progress: the flags of every training command. Defaults that differ by task (`--batch`,
/// `--lr`, the length of a run) are the command's.
struct TrainingArguments: ParsableArguments {
    @Option(help: "Epochs in all, counting those before a resume.")
    var epochs: Int?
    @Option(help: "Steps in all, counting those before a resume.")
    var steps: Int?
    @Option(help: "Examples per step (default: the command's).")
    var batch: Int?
    @Option(help: "Learning rate (default: the command's).")
    var lr: Float?
    @Option(help: "Stop after this many seconds and save a resumable checkpoint.")
    var maxSeconds: Double?
    @Option(help: "Seed for initialisation, data order and sampling.")
    var seed: UInt64 = 1
    @Flag(help: "Continue the run saved in --out (a new run when it has no checkpoint yet).")
    var resume = false
    @Flag(help: "Replace a model or checkpoint already in --out.")
    var overwrite = false
    @Flag(help: "With --resume: continue on data other than the checkpoint's (fine-tuning).")
    var allowDataChange = false
    @OptionGroup var compute: ThreadArguments
    @Option(help: "Save a checkpoint every N steps.")
    var checkpointEvery: Int?
    @Option(help: "Save a checkpoint when this many minutes have passed since the last one.")
    var checkpointMinutes: Double = 10
    @Option(help: "Also validate every N steps (default: after each epoch only).")
    var validateEvery: Int?
    @Option(help: "Write a row to MODEL_DIR/training.jsonl every N steps.")
    var logEvery = 50
    @Option(help: "When stderr is not a terminal: a progress line every this many seconds.")
    var logEverySeconds: Double = 10
    @Flag(help: "Print only the final summary.")
    var quiet = false

    func validate() throws {
        if let epochs { try ArgumentCheck.require(epochs, in: 1...1_000_000, flag: "--epochs") }
        if let steps { try ArgumentCheck.require(steps, in: 1...Int.max, flag: "--steps") }
        if let batch { try ArgumentCheck.require(batch, in: 1...4096, flag: "--batch") }
        if let lr { try ArgumentCheck.requirePositive(lr, atMost: 10, flag: "--lr") }
        if let maxSeconds {
            try ArgumentCheck.requirePositive(maxSeconds, atMost: 1e9, flag: "--max-seconds")
        }
        if let checkpointEvery {
            try ArgumentCheck.require(checkpointEvery, in: 1...Int.max, flag: "--checkpoint-every")
        }
        try ArgumentCheck.requirePositive(
            checkpointMinutes, atMost: 1e7, flag: "--checkpoint-minutes")
        if let validateEvery {
            try ArgumentCheck.require(validateEvery, in: 1...Int.max, flag: "--validate-every")
        }
        try ArgumentCheck.require(logEvery, in: 1...Int.max, flag: "--log-every")
        try ArgumentCheck.requirePositive(
            logEverySeconds, atMost: 1e7, flag: "--log-every-seconds")
    }

    /// The run's length: the given `--epochs` and `--steps`; when neither is given, `epochs`
    /// and `steps` (the command's defaults), or no limit at all when `--max-seconds` is given.
    func length(defaultEpochs epochs: Int, defaultSteps steps: Int) -> (epochs: Int, steps: Int) {
        if self.epochs != nil || self.steps != nil {
            return (self.epochs ?? Int.max, self.steps ?? Int.max)
        }
        return maxSeconds == nil ? (epochs, steps) : (Int.max, Int.max)
    }

    /// Sets a training run's length (with the command's default epoch count), budget,
    /// checkpoint, validation and logging intervals from these flags.
    func configure(_ run: inout TrainingRun, defaultEpochs: Int) {
        (run.epochs, run.steps) = length(defaultEpochs: defaultEpochs, defaultSteps: Int.max)
        run.maxSeconds = maxSeconds
        run.checkpointEvery = checkpointEvery
        run.checkpointMinutes = checkpointMinutes
        run.validateEvery = validateEvery
        run.logEvery = logEvery
        run.allowDataChange = allowDataChange
    }

    /// Applies the thread setting and returns the progress display on standard error.
    func start() -> ProgressDisplay {
        compute.apply()
        return ProgressDisplay.standardError(quiet: quiet, logEverySeconds: logEverySeconds)
    }

    /// Ends the process as a shell reports a signal (130 for SIGINT, 143 for SIGTERM) when the
    /// run stopped on one after writing its checkpoint.
    static func exitIfInterrupted(_ signal: Int32?) throws {
        guard let signal else { return }
        throw ExitCode(Interruption.exitStatus(for: signal))
    }
}
