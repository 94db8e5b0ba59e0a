// `glimpse caption` as a new user meets it, with the shipped model: images unlike its training
// data are warned about and in-domain scenes are not; over 1,000 held-out scenes no caption
// loops, runs to max_length or is empty, and the scores stay those of the model card; n-best.
import Foundation
import GlimpseMedia
import GlimpseTensor
import TestSupport
import XCTest

final class HonestCaptionTests: XCTestCase {
    /// A photo-like texture, 320×240: regions of eight colours with sharp edges, shaped by
    /// five octaves of value noise (camouflage, a circuit board seen from afar), plus grain.
    func photoLikeTexture() -> Image {
        var generator = SplitMix64(seed: 11)
        func unit() -> Double { Double(generator.next() % 1_000_000) / 1_000_000 }
        let (width, height) = (320, 240)
        var noise = [Double](repeating: 0, count: width * height)
        var weight = 0.0
        for octave in 0..<5 {
            let cells = 6 << octave
            let amplitude = pow(0.6, Double(octave))
            weight += amplitude
            let grid = (0..<((cells + 1) * (cells + 1))).map { _ in unit() }
            for y in 0..<height {
                let gy = Double(y) / Double(height) * Double(cells)
                let (iy, fy) = (Int(gy), gy - Double(Int(gy)))
                for x in 0..<width {
                    let gx = Double(x) / Double(width) * Double(cells)
                    let (ix, fx) = (Int(gx), gx - Double(Int(gx)))
                    let top =
                        grid[iy * (cells + 1) + ix] * (1 - fx) + grid[iy * (cells + 1) + ix + 1]
                        * fx
                    let bottom =
                        grid[(iy + 1) * (cells + 1) + ix] * (1 - fx)
                        + grid[(iy + 1) * (cells + 1) + ix + 1] * fx
                    noise[y * width + x] += amplitude * (top * (1 - fy) + bottom * fy)
                }
            }
        }
        let (low, high) = (noise.min() ?? 0, noise.max() ?? 1)
        let palette = (0..<8).map { _ in (0..<3).map { _ in Int(unit() * 256) } }
        var pixels: [UInt8] = []
        for value in noise {
            let colour = palette[min(7, Int((value - low) / (high - low) * 8))]
            for sample in colour {
                pixels.append(UInt8(clamping: sample + Int(unit() * 40) - 20))
            }
        }
        return Image(width: width, height: height, pixels: pixels)
    }

    /// A screenshot of text: black lines in the project's bitmap font on white, 320×200.
    func textScreenshot() -> Image {
        var image = Image(width: 320, height: 200, filledWith: [255, 255, 255])
        let lines = [
            "$ glimpse caption photo.jpg", "error: no such file", "Compiling GlimpseCLI",
            "Build complete! (9.00s)", "Executed 83 tests, with 0 failures",
            "real 0m14.038s", "user 0m19.585s", "sys 0m2.766s",
        ]
        for (i, line) in lines.enumerated() {
            image.drawText(line, x: 6, y: 6 + i * 24, color: [0, 0, 0], scale: 2)
        }
        return image
    }

    func testImagesUnlikeTheTrainingDataAreWarnedAboutAndScenesAreNot() throws {
        let folder = Fixtures.temporaryDirectory()
        let photo = folder + "/texture.png"
        let text = folder + "/screenshot.png"
        try photoLikeTexture().write(to: photo)
        try textScreenshot().write(to: text)
        let scenes = Fixtures.files(in: "scenes/images", withExtension: "png")
        XCTAssertEqual(scenes.count, 12)
        let result = try runGlimpse(["caption", photo, text] + scenes + ["--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // One warning per image outside the domain, plus one for a caption that did not end.
        let warnings = result.stderr.split(separator: "\n").map(String.init)
        let unlike = warnings.filter { !$0.hasSuffix("without ending; it is cut off") }
        XCTAssertEqual(unlike.count, 2, result.stderr)
        for (warning, path) in zip(unlike, [photo, text]) {
            XCTAssertTrue(
                warning.hasPrefix("warning: \(path) looks unlike this model's training data ("),
                warning)
            XCTAssertTrue(warning.hasSuffix("); the caption is unreliable"), warning)
        }
        let rows = try result.text.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(rows.count, 14)
        for row in rows {
            let image = try XCTUnwrap(row["image"] as? String)
            let outside = image == photo || image == text
            XCTAssertEqual(row["in_domain"] as? Bool, !outside, image)
            let confidence = try XCTUnwrap(row["confidence"] as? [String: Any], image)
            XCTAssertNotNil(confidence["mean_log_prob"] as? Double)
            XCTAssertNotNil(confidence["unlike_share"] as? Double)
            let truncated = try XCTUnwrap(row["truncated"] as? Bool, image)
            XCTAssertEqual(
                truncated,
                warnings.contains(
                    "warning: \(image): the caption reached the model's "
                        + "max_length (32 words) without ending; it is cut off"), image)
            XCTAssertTrue(!truncated || outside, "in-domain captions end: \(image)")
            XCTAssertFalse((row["caption"] as? String ?? "").isEmpty, image)
        }

        // Text output by default, the same warnings.
        let plain = try runGlimpse(["caption", photo, scenes[0]])
        XCTAssertEqual(plain.status, 0, plain.stderr)
        XCTAssertTrue(plain.text.hasPrefix("\(photo): "), plain.text)
        XCTAssertTrue(plain.stderr.hasPrefix("warning: \(photo) looks unlike"), plain.stderr)
    }

    func hasWordThreeTimesInARow(_ words: [Substring]) -> Bool {
        guard words.count >= 3 else { return false }
        for i in 2..<words.count where words[i] == words[i - 1] && words[i] == words[i - 2] {
            return true
        }
        return false
    }

    func testHeldOutScenesNeverLoopAndKeepTheModelCardsScores() throws {
        let data = Fixtures.temporaryDirectory() + "/heldout"
        let generated = try runGlimpse([
            "data", "scenes", "--out", data, "--count", "1000", "--seed", "2",
        ])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let captioned = try runGlimpse(["caption", data + "/images", "--json"])
        XCTAssertEqual(captioned.status, 0, captioned.stderr)
        XCTAssertEqual(captioned.stderr, "", "no held-out scene is flagged")
        let rows = try captioned.text.split(separator: "\n").map {
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
        XCTAssertEqual(rows.count, 1000)
        for row in rows {
            let words = (row["caption"] as? String ?? "").split(separator: " ")
            XCTAssertFalse(words.isEmpty, "\(row)")
            XCTAssertLessThan(words.count, 32, "\(row)")
            XCTAssertEqual(row["truncated"] as? Bool, false, "\(row)")
            XCTAssertEqual(row["in_domain"] as? Bool, true, "\(row)")
            XCTAssertFalse(hasWordThreeTimesInARow(words), "\(row)")
        }
        // models/captioner/MODEL_CARD.md, beam 3: BLEU-4 0.9935, CIDEr-D 9.474.
        let evaluation = try runGlimpse(["caption", "eval", "--data", data, "--json"])
        XCTAssertEqual(evaluation.status, 0, evaluation.stderr)
        let report = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: evaluation.stdout) as? [String: Any])
        XCTAssertEqual(try XCTUnwrap(report["bleu4"] as? Double), 0.9935, accuracy: 0.01)
        XCTAssertEqual(try XCTUnwrap(report["cider"] as? Double), 9.474, accuracy: 0.01)
    }

    func testNBestPrintsTheKBestCaptionsWithLogProbabilities() throws {
        let scene = Fixtures.path("scenes/images/000002.png")
        let text = try runGlimpse(["caption", scene, "--beam", "5", "--n-best", "3"])
        XCTAssertEqual(text.status, 0, text.stderr)
        let lines = text.text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines.count, 4, text.text)
        XCTAssertEqual(lines[0], "\(scene):")
        let scores = try lines.dropFirst().map { line -> Double in
            let fields = line.split(separator: " ", maxSplits: 1)
            return try XCTUnwrap(Double(fields[0]), line)
        }
        XCTAssertEqual(scores, scores.sorted(by: >), "best first (length penalty 0: by total)")

        let json = try runGlimpse(["caption", scene, "--beam", "5", "--n-best", "3", "--json"])
        XCTAssertEqual(json.status, 0, json.stderr)
        let row = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any])
        let captions = try XCTUnwrap(row["captions"] as? [[String: Any]])
        XCTAssertEqual(captions.count, 3)
        XCTAssertEqual(captions[0]["caption"] as? String, row["caption"] as? String)
        XCTAssertEqual(Set(captions.compactMap { $0["caption"] as? String }).count, 3)
        XCTAssertEqual(
            captions.compactMap { $0["log_prob"] as? Double }.map { ($0 * 1000).rounded() },
            scores.map { ($0 * 1000).rounded() })

        let tooMany = try runGlimpse(["caption", scene, "--beam", "2", "--n-best", "3"])
        XCTAssertEqual(tooMany.status, 64)
        XCTAssertTrue(
            tooMany.stderr.contains(
                "--n-best must be in 1...2 (the beam width, --beam), got 3"), tooMany.stderr)
    }
}
