// Options every training command takes, and how training commands print progress.
import ArgumentParser
import Foundation
import GlimpseTensor
import GlimpseTraining

/// `--max-seconds`, `--seed`, `--resume`, `--overwrite`, `--threads` and the checkpoint
/// schedule (`--checkpoint-every`, `--checkpoint-minutes`).
struct TrainingArguments: ParsableArguments {
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

    func validate() throws {
        if let maxSeconds {
            try ArgumentCheck.requirePositive(maxSeconds, atMost: 1e9, flag: "--max-seconds")
        }
        if let checkpointEvery {
            try ArgumentCheck.require(checkpointEvery, in: 1...Int.max, flag: "--checkpoint-every")
        }
        try ArgumentCheck.requirePositive(
            checkpointMinutes, atMost: 1e7, flag: "--checkpoint-minutes")
    }

    /// Applies the thread setting; call before training.
    func configureThreads() {
        compute.apply()
    }

    /// Ends the process as a shell reports a signal (130 for SIGINT, 143 for SIGTERM) when the
    /// run stopped on one after writing its checkpoint.
    static func exitIfInterrupted(_ signal: Int32?) throws {
        guard let signal else { return }
        throw ExitCode(Interruption.exitStatus(for: signal))
    }

    /// Prints a progress line at once, also when stdout is a pipe or a file.
    static func log(_ line: String) {
        print(line)
        fflush(nil)
    }
}
