// Inputs and arguments an attacker or an accident gives `glimpse image` and `glimpse video`:
// devices, FIFOs, directories, huge sparse files, out-of-range numbers. Each must end quickly
// with one `error:` line (exit 1, or 64 for a usage error), never hang, trap or allocate
// without bound.
import Foundation
import TestSupport
import XCTest

final class HostileInputTests: XCTestCase {
    /// Generous for a command that answers at once; a regression (a blocked open, a read of
    /// /dev/zero) is killed here and fails instead of hanging the suite.
    let limit: TimeInterval = 20

    func testDevicesFIFOsAndDirectoriesAreRefusedAtOnce() throws {
        let directory = Fixtures.temporaryDirectory()
        let fifo = directory + "/pipe"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let folder = directory + "/photos"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let expected = [
            "/dev/zero": "is a character device", "/dev/urandom": "is a character device",
            fifo: "is a FIFO", folder: "is a directory",
        ]
        for (path, reason) in expected {
            for arguments in [
                ["image", "info", path], ["image", "convert", path, directory + "/out.png"],
                ["video", "info", path], ["video", "check", path],
            ] {
                let result = try runGlimpse(arguments, timeout: limit)
                XCTAssertFalse(result.timedOut, "\(arguments) did not end")
                XCTAssertEqual(result.status, 1, "\(arguments): \(result.stderr)")
                XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
                XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), result.stderr)
                XCTAssertTrue(result.stderr.contains(reason), result.stderr)
                XCTAssertFalse(result.stderr.contains("NSCocoaErrorDomain"), result.stderr)
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/out.png"))
    }

    /// A 3 GB file (sparse: no disk used) that starts with a valid PNG: `image info` answers
    /// within 1.5 GB of address space, so it cannot have read the file; `convert` refuses the
    /// file as larger than any picture within the pixel budget, before reading it.
    func testImageInfoReadsOnlyTheHeaderAndConvertRefusesHugeFiles() throws {
        let path = Fixtures.temporaryDirectory() + "/huge.png"
        let png = try Data(
            contentsOf: URL(fileURLWithPath: Fixtures.path("png/pngsuite/basn2c08.png")))
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: png))
        XCTAssertEqual(truncate(path, 3 << 30), 0)

        let info = try runProcess(
            "/bin/sh",
            [
                "-c", "ulimit -v 1500000; exec \"$0\" image info \"$1\"",
                glimpseExecutable, path,
            ], timeout: limit)
        XCTAssertFalse(info.timedOut)
        XCTAssertEqual(info.status, 0, info.stderr)
        XCTAssertEqual(info.text, "\(path): png 32x32, 8-bit rgb, no alpha, no ICC profile\n")

        let convert = try runGlimpse(
            ["image", "convert", path, path + ".out.png"], timeout: limit)
        XCTAssertFalse(convert.timedOut)
        XCTAssertEqual(convert.status, 1, convert.stderr)
        XCTAssertTrue(
            convert.stderr.hasPrefix("error: \(path): cannot read: file is 3221225472 bytes"),
            convert.stderr)
    }

    /// A header asking for 100000 x 100000 pixels with the budget raised to its ceiling is
    /// refused by size; a budget above the ceiling is a usage error.
    func testMaxPixelsIsBoundedAndHugeHeadersFailCleanly() throws {
        let path = Fixtures.path("png/bad/huge_dimensions.png")
        let out = Fixtures.temporaryDirectory() + "/out.png"
        let atCeiling = try runGlimpse(
            ["image", "convert", path, out, "--max-pixels", "1073741824"], timeout: limit)
        XCTAssertEqual(atCeiling.status, 1, atCeiling.stderr)
        XCTAssertTrue(
            atCeiling.stderr.hasPrefix(
                "error: \(path): 100000x100000 exceeds the limit of 1073741824 pixels"),
            atCeiling.stderr)
        let above = try runGlimpse(
            ["image", "convert", path, out, "--max-pixels", "100000000000"], timeout: limit)
        XCTAssertEqual(above.status, 64, above.stderr)
        XCTAssertTrue(above.stderr.contains("--max-pixels"), above.stderr)
    }

    func testImageFlagsOutOfRangeAreUsageErrorsNamingTheFlag() throws {
        let input = Fixtures.path("png/pngsuite/basn2c08.png")
        let out = Fixtures.temporaryDirectory() + "/out.jpg"
        let cases: [([String], String)] = [
            (["--quality", "0"], "--quality"), (["--quality", "101"], "--quality"),
            (["--size", "0x10"], "--size"), (["--size", "65535x65535"], "--size"),
            (["--size", "20000x20000", "--max-pixels", "1000"], "--size"),
            (["--max-pixels", "0"], "--max-pixels"), (["--max-pixels", "-5"], "--max-pixels"),
        ]
        for (flags, flag) in cases {
            let result = try runGlimpse(["image", "convert", input, out] + flags, timeout: limit)
            assertUsageError(result, naming: flag, flags)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
    }

    func testVideoFlagsOutOfRangeAreUsageErrorsNamingTheFlag() throws {
        let input = Fixtures.path("video/h264_320x240.mp4")
        let out = Fixtures.temporaryDirectory() + "/frames"
        let cases: [([String], String)] = [
            (["--start=-1"], "--start"), (["--start", "nan"], "--start"),
            (["--start", "inf"], "--start"), (["--end", "nan"], "--end"),
            (["--end=-2"], "--end"), (["--start", "1", "--end", "1"], "--end"),
            (["--start", "2", "--end", "1"], "--end"), (["--fps", "0"], "--fps"),
            (["--fps=-1"], "--fps"), (["--fps", "inf"], "--fps"), (["--every", "0"], "--every"),
            (["--max", "0"], "--max"), (["--size", "65535x65535"], "--size"),
            (["--max-pixels", "100000000000"], "--max-pixels"),
        ]
        for (flags, flag) in cases {
            let result = try runGlimpse(
                ["video", "frames", input, "--out", out] + flags, timeout: limit)
            assertUsageError(result, naming: flag, flags)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: out))
        let check = try runGlimpse(
            ["video", "check", input, "--max-pixels", "0"], timeout: limit)
        assertUsageError(check, naming: "--max-pixels", ["check"])
    }

    /// 1e308 s is a finite time but more than any time base can count: a usage error, not a
    /// trap converting it to Int64 (the library's own refusal is in VideoIntegrityTests).
    func testAStartPastAnyTimelineIsAnErrorNotATrap() throws {
        let input = Fixtures.path("video/h264_320x240.mp4")
        let result = try runGlimpse(
            ["video", "frames", input, "--out", Fixtures.temporaryDirectory(), "--start", "1e308"],
            timeout: limit)
        assertUsageError(result, naming: "--start", ["frames", "1e308"])
    }

    func testAHugeY4MHeaderIsASizeError() throws {
        let path = Fixtures.temporaryDirectory() + "/huge.y4m"
        let header = "YUV4MPEG2 W100000 H100000 F25:1 Ip A1:1 C420jpeg\nFRAME\n"
        XCTAssertTrue(
            FileManager.default.createFile(
                atPath: path, contents: Data(header.utf8) + Data(count: 1000)))
        for command in ["info", "check"] {
            let result = try runGlimpse(["video", command, path], timeout: limit)
            XCTAssertEqual(result.status, 1, result.stderr)
            XCTAssertEqual(
                result.stderr,
                "error: \(path): 100000x100000 exceeds the limit of 100000000 pixels"
                    + " (raise it with --max-pixels if the file is trusted)\n")
        }
    }

    private func assertUsageError(
        _ result: ProcessResult, naming flag: String, _ context: [String],
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertFalse(result.timedOut, "\(context)", file: file, line: line)
        XCTAssertEqual(result.status, 64, "\(context): \(result.stderr)", file: file, line: line)
        XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, file: file, line: line)
        XCTAssertTrue(
            result.stderr.contains(flag), "\(context): \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, result.stderr)
    }
}
