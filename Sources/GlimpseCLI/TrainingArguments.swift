// Options every training command takes, and how training commands print progress.
import ArgumentParser
import Foundation
import GlimpseTensor

/// `--max-seconds`, `--seed`, `--resume` and `--blas-threads`.
struct TrainingArguments: ParsableArguments {
    @Option(help: "Stop after this many seconds and save a resumable checkpoint.")
    var maxSeconds: Double?
    @Option(help: "Seed for initialisation, data order and sampling.")
    var seed: UInt64 = 1
    @Flag(help: "Continue the run saved in --out.")
    var resume = false
    @Option(help: "OpenBLAS threads. Small models train fastest on 1: more only spin.")
    var blasThreads = 1

    /// Applies the thread setting; call before training.
    func configureBLAS() {
        BLAS.threadCount = max(1, blasThreads)
    }

    /// Prints a progress line at once, also when stdout is a pipe or a file.
    static func log(_ line: String) {
        print(line)
        fflush(nil)
    }
}
