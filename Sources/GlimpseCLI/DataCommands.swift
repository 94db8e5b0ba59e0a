// `glimpse data scenes` and `glimpse data activities`: the synthetic data sets the models train
// and evaluate on.
import ArgumentParser
import GlimpseScenes

struct DataCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "data", abstract: "Generate datasets.",
        subcommands: [Scenes.self, Activities.self])

    struct Scenes: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic shape scenes with captions (COCO format) and scene graphs.",
            discussion: """
                Writes OUT/images/000001.png…, OUT/captions.json (COCO captions), \
                OUT/scenes.json (ground-truth objects) and, with --questions, \
                OUT/questions.jsonl. A seed gives byte-identical files on every machine.
                """)

        @Option(help: "The output directory (created if missing).")
        var out: String
        @Option(help: "Number of scenes (images).")
        var count: Int
        @Option(help: "Seed of the scene generator.")
        var seed: UInt64 = 1
        @Option(help: "Image width and height in pixels (32-1024).")
        var size = 64
        @Flag(help: "Also write VQA questions (questions.jsonl).")
        var questions = false

        func validate() throws {
            guard count >= 1 else {
                throw ValidationError("--count must be at least 1, got \(count)")
            }
            let sizes = SceneGenerator.minimumSize...SceneGenerator.maximumSize
            guard sizes.contains(size) else {
                throw ValidationError(
                    "--size must be \(sizes.lowerBound)...\(sizes.upperBound), got \(size)")
            }
        }

        func run() throws {
            let writer = SceneDatasetWriter(
                generator: SceneGenerator(seed: seed, size: size), includeQuestions: questions)
            let summary = try writer.write(count: count, to: out)
            var counts = [plural(summary.captions, "caption")]
            if questions { counts.append(plural(summary.questions, "question")) }
            print(
                "wrote \(plural(summary.scenes, "scene")) (\(counts.joined(separator: ", "))) "
                    + "to \(out)")
        }
    }

    struct Activities: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write synthetic activity clips for frame labelling.",
            discussion: """
                Writes OUT/videos/000001.mp4… (H.264, 8–15 fps, 3–20 s) and OUT/segments.csv \
                (video,start_s,end_s,label; uncovered time is background). An object moves, \
                turns, grows, shrinks or bounces, a distractor drifts; no single frame shows \
                the activity. A seed gives the same clips on every machine.
                """)

        @Option(help: "The output directory (created if missing).")
        var out: String
        @Option(help: "Number of clips.")
        var count: Int
        @Option(help: "Seed of the generator.")
        var seed: UInt64 = 1
        @Option(help: "Frame width and height in pixels (64-128).")
        var size = 64

        func validate() throws {
            try ArgumentCheck.require(count, in: 1...1_000_000, flag: "--count")
            try ArgumentCheck.require(size, in: ActivityGenerator.sizes, flag: "--size")
        }

        func run() throws {
            let segments = try ActivityDatasetWriter(
                generator: ActivityGenerator(seed: seed, size: size)
            ).write(count: count, to: out)
            print("wrote \(plural(count, "clip")) (\(plural(segments, "segment"))) to \(out)")
        }
    }
}

/// "1 scene", "2 scenes".
private func plural(_ count: Int, _ noun: String) -> String {
    "\(count) \(noun)\(count == 1 ? "" : "s")"
}
