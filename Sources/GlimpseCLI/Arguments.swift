// Argument types shared by the commands.
import ArgumentParser
import GlimpseCaption
import GlimpseMedia
import GlimpseTensor
import GlimpseVision

/// A `WxH` size such as `320x240`.
struct Size: ExpressibleByArgument {
    var width: Int
    var height: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
            width > 0, height > 0
        else { return nil }
        self.width = width
        self.height = height
    }

    static var defaultValueDescription: String { "WxH" }

    /// Throws a usage error naming `--size` when the size is over the pixel budget that also
    /// bounds inputs, so an output can never ask for more memory than an input may.
    func validate(within limits: DecodeLimits) throws {
        guard limits.admits(width: width, height: height) else {
            throw ValidationError(
                "--size \(width)x\(height) exceeds the limit of \(limits.effectiveMaxPixels) "
                    + "pixels (--max-pixels)")
        }
    }
}

extension ResizeMethod: ExpressibleByArgument {}

/// `--threads`, taken by every command that computes.
struct ThreadArguments: ParsableArguments {
    @Option(help: "Threads per operation (default: one per processor).")
    var threads: Int?

    func validate() throws {
        if let threads { try ArgumentCheck.require(threads, in: 1...1024, flag: "--threads") }
    }

    /// Applies the setting; call before computing.
    func apply() {
        if let threads { Parallelism.threadCount = threads }
    }
}

/// Options every decoding command takes.
struct DecodeOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Refuse images or frames larger than this many pixels (decompression bombs).",
            discussion: "At most \(DecodeLimits.ceiling) (2^30)."))
    var maxPixels: Int = DecodeLimits.standard.maxPixels

    var limits: DecodeLimits { DecodeLimits(maxPixels: maxPixels) }

    func validate() throws {
        guard (1...DecodeLimits.ceiling).contains(maxPixels) else {
            throw ValidationError(
                "--max-pixels must be 1...\(DecodeLimits.ceiling) (2^30), got \(maxPixels)")
        }
    }
}

/// How `glimpse caption` and `glimpse caption eval` search for captions.
struct CaptionSearchOptions: ParsableArguments {
    @Option(help: "Beam width; 1 decodes greedily.")
    var beam = 3
    @Option(
        help: ArgumentHelp(
            "Beam search ranks captions by log-probability / length^A (default: the model's).",
            discussion: "1 ranks by mean log-probability per word, 0 by total log-probability; "
                + "length counts the words and the end token. The model's value is "
                + "length_penalty in its config.json (1 when absent).",
            valueName: "A"))
    var lengthPenalty: Float?
    @Flag(
        help: ArgumentHelp(
            "Refuse a word that would repeat a word trigram already in the caption.",
            discussion: "Off by default: scene captions repeat \"to the left of\". A word three "
                + "times in a row is always refused."))
    var blockTrigrams = false

    func validate() throws {
        try ArgumentCheck.require(beam, in: 1...CaptionModel.maxBeamWidth, flag: "--beam")
        if let lengthPenalty {
            try ArgumentCheck.require(lengthPenalty, in: 0...100, flag: "--length-penalty")
        }
    }

    /// The search these options ask for, returning `count` captions per image.
    func search(count: Int = 1) -> CaptionSearch {
        CaptionSearch(
            beamWidth: beam, count: count, lengthPenalty: lengthPenalty,
            blocksTrigrams: blockTrigrams)
    }
}

extension Preprocessing.ResizeMode: ExpressibleByArgument {
    public static var allValueStrings: [String] { allCases.map(\.argument) }
}
