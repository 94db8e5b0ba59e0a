// `checkIntegrity` against the ffmpeg CLI on damaged copies of the fixture videos: truncated at
// several points, a block zeroed, bytes overwritten at seeded random positions. The reference
// verdict is `ffmpeg -v error -i FILE -map 0:v:0 -f null -` printing anything or failing (the
// fixtures have no audio, so the map only keeps the comparison to the stream we decode).
import Foundation
import GlimpseMedia
import TestSupport
import XCTest

final class VideoIntegrityTests: XCTestCase {
    /// One mutant: a deterministic damage of a fixture's bytes.
    struct Mutant {
        var name: String
        var bytes: [UInt8]
    }

    static func mutants(of bytes: [UInt8], seed: UInt64) -> [Mutant] {
        let n = bytes.count
        var list: [Mutant] = []
        for percent in [25, 50, 75, 90] {
            list.append(
                Mutant(name: "cut\(percent)", bytes: Array(bytes.prefix(n * percent / 100))))
        }
        for percent in [30, 60, 85] {
            var damaged = bytes
            let start = n * percent / 100
            for i in start..<min(start + 512, n) { damaged[i] = 0 }
            list.append(Mutant(name: "zero\(percent)", bytes: damaged))
        }
        var state = seed
        for k in 0..<4 {
            var damaged = bytes
            for _ in 0..<(2 + 2 * k) {
                let position = Int(splitMix(&state) % UInt64(n))
                damaged[position] = UInt8(truncatingIfNeeded: splitMix(&state))
            }
            list.append(Mutant(name: "bytes\(k)", bytes: damaged))
        }
        return list
    }

    /// SplitMix64: a seeded, platform-independent sequence.
    static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    func ffmpegReportsErrors(_ path: String) throws -> Bool {
        let result = try runProcess(
            "ffmpeg", ["-nostdin", "-v", "error", "-i", path, "-map", "0:v:0", "-f", "null", "-"],
            timeout: 60)
        return result.status != 0 || !result.stderr.isEmpty
    }

    /// Our verdict: nil when the whole stream decodes cleanly, else the error's message.
    func checkVerdict(_ path: String) -> String? {
        do {
            try VideoReader(path: path).checkIntegrity()
            return nil
        } catch {
            return error.errorDescription ?? "\(error)"
        }
    }

    /// Every mutant ffmpeg finds damaged fails the check; every mutant the check fails that
    /// ffmpeg passes is one whose stream is shorter than its container declares (a rule the
    /// ffmpeg CLI does not apply, and `video check` does on purpose).
    func testCheckAgreesWithTheFFmpegCLIOnDamagedVideos() throws {
        let directory = Fixtures.temporaryDirectory()
        var damaged = 0
        var total = 0
        for (index, name) in [
            "h264_320x240.mp4", "mpeg4_176x144.avi", "vp9_160x120.webm", "mjpeg_160x120.mkv",
            "hevc_160x120.mp4", "vfr.mkv", "one_frame.mp4",
        ].enumerated() {
            let original = try [UInt8](
                Data(contentsOf: URL(fileURLWithPath: Fixtures.path("video/" + name))))
            for mutant in Self.mutants(of: original, seed: UInt64(index + 1)) {
                let path = directory + "/\(mutant.name)_\(name)"
                try Data(mutant.bytes).write(to: URL(fileURLWithPath: path))
                let reference = try ffmpegReportsErrors(path)
                let verdict = checkVerdict(path)
                total += 1
                if reference {
                    damaged += 1
                    XCTAssertNotNil(verdict, "\(path): ffmpeg reports errors, check passes")
                } else if let verdict {
                    XCTAssertTrue(
                        verdict.contains("stream ends early") || verdict.contains("no frame"),
                        "\(path): ffmpeg passes it, check says \(verdict)")
                }
                if let verdict {
                    XCTAssertTrue(verdict.hasPrefix(path + ": "), verdict)
                    // A file that opens names where its damage starts.
                    let opened =
                        !verdict.contains("not a readable video")
                        && !verdict.contains("no video stream")
                    XCTAssertTrue(!opened || verdict.contains("last good timestamp"), verdict)
                }
            }
        }
        // The mutants must exercise both verdicts for the comparison to mean anything.
        XCTAssertGreaterThan(damaged, total / 3)
        XCTAssertLessThan(damaged, total)
    }

    func testATruncatedMatroskaThatDecodesNoFrameFails() throws {
        let path = Fixtures.path("video/truncated.mkv")
        let reader = try VideoReader(path: path)
        XCTAssertEqual(reader.info.duration, 2.0)
        assertMediaError(
            try reader.checkIntegrity(),
            {
                if case .corrupt(_, let reason) = $0 {
                    reason.hasSuffix("last good timestamp none")
                } else {
                    false
                }
            },
            "truncated.mkv")
    }

    /// 1e308 s is finite but more than any time base can count: the seek throws instead of
    /// trapping on the conversion to Int64.
    func testASeekPastAnyTimelineThrows() throws {
        let path = Fixtures.path("video/h264_320x240.mp4")
        assertMediaError(
            try VideoReader(path: path, options: .init(sampling: .init(start: 1e308))),
            {
                if case .invalidArgument(let message) = $0 {
                    message.hasPrefix("\(path): cannot seek")
                } else {
                    false
                }
            },
            "start 1e308")
    }
}
