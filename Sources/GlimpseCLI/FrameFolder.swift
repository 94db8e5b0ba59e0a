// The output folder of `glimpse video frames`: never mixes the frames of two runs, and never
// deletes a file Glimpse did not write.
import ArgumentParser
import Foundation
import GlimpseMedia
import GlimpseSupport

/// What `video frames` writes into its `--out` folder, and how an old run's output is replaced.
enum FrameFolder {
    /// The index file written beside the frames.
    static let index = "frames.jsonl"

    /// The name of the `number`th frame written (from 1): `frame_000001.png`.
    static func frameName(_ number: Int) -> String {
        String(format: "frame_%06d.png", number)
    }

    /// Whether `name` is one of the files `video frames` writes: `frames.jsonl` or
    /// `frame_` + at least six digits + `.png`.
    static func isOurs(_ name: String) -> Bool {
        if name == index { return true }
        guard name.hasPrefix("frame_"), name.hasSuffix(".png") else { return false }
        let digits = name.dropFirst("frame_".count).dropLast(".png".count)
        return digits.count >= 6 && digits.allSatisfy { $0.isASCII && $0.isNumber }
    }

    /// Makes `path` ready for a new run: creates it when missing; an empty folder is used as
    /// it is. A folder holding files is refused unless `overwrite`; with `overwrite`, the old
    /// frames and index are removed first — but only when nothing else is there, so that a
    /// mistyped `--out` never deletes someone's files: any other file (or folder) is refused
    /// even with `overwrite`, naming it.
    static func prepare(_ path: String, overwrite: Bool) throws {
        do {
            try Directory.create(path)
        } catch {
            throw MediaError.unwritable(path: error.path, reason: error.reason)
        }
        // Half-written files of a killed run (AtomicFile's temporaries) can never complete.
        AtomicFile.removeStaleTemporaries(in: path)
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: path).sorted()
        } catch {
            throw MediaError.unwritable(path: path, reason: "cannot list the folder")
        }
        guard !names.isEmpty else { return }
        if let foreign = names.first(where: { !isOurs($0) }) {
            throw ValidationError(
                "--out \(path) holds \(foreign), which glimpse video frames did not write; "
                    + "choose an empty or new folder (--overwrite only replaces "
                    + "frame_*.png and \(index))")
        }
        guard overwrite else {
            throw ValidationError(
                "--out \(path) already holds frames (\(names.count) files, e.g. \(names[0])); "
                    + "pass --overwrite to replace them, or choose an empty or new folder")
        }
        for name in names {
            guard unlink(path + "/" + name) == 0 else {
                throw MediaError.unwritable(
                    path: path + "/" + name,
                    reason: "cannot remove it: " + String(cString: strerror(errno)))
            }
        }
    }
}
