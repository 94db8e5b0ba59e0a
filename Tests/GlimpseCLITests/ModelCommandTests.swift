// `glimpse model inspect` end to end: exact text and JSON on the file the Python package wrote,
// and one `error:` line naming the file for malformed ones.
import Foundation
import TestSupport
import XCTest

final class ModelCommandTests: XCTestCase {
    private let pythonFile = Fixtures.path("safetensors/python_written.safetensors")

    func testInspectText() throws {
        let result = try runGlimpse(["model", "inspect", pythonFile])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(
            result.text,
            """
            \(pythonFile): 6 tensors, 17 parameters
            bf16                       BF16  [3]
            empty                      F32   [0, 4]
            f16                        F16   [2, 2]
            f32                        F32   [2, 3]
            f64                        F64   [3]
            layer.num_batches_tracked  I64   []
            metadata:
              config: {"hidden_size": 4, "name": "tiny"}
              format: np

            """)
        XCTAssertEqual(result.stderr, "")
    }

    func testInspectJSON() throws {
        let result = try runGlimpse(["model", "inspect", pythonFile, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text.filter { $0 == "\n" }.count, 1, "one line of JSON")
        let object = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        XCTAssertEqual(object["path"] as? String, pythonFile)
        XCTAssertEqual(object["parameter_count"] as? Int, 17)
        XCTAssertEqual(
            object["metadata"] as? [String: String],
            ["format": "np", "config": #"{"hidden_size": 4, "name": "tiny"}"#])
        let tensors = try XCTUnwrap(object["tensors"] as? [[String: Any]])
        XCTAssertEqual(
            tensors.map { $0["name"] as? String },
            ["bf16", "empty", "f16", "f32", "f64", "layer.num_batches_tracked"])
        XCTAssertEqual(
            tensors.map { $0["dtype"] as? String }, ["BF16", "F32", "F16", "F32", "F64", "I64"])
        XCTAssertEqual(
            tensors.map { $0["shape"] as? [Int] }, [[3], [0, 4], [2, 2], [2, 3], [3], []])
    }

    func testInspectWithoutMetadataPrintsNoMetadataSection() throws {
        let path = Fixtures.temporaryDirectory() + "/plain.safetensors"
        // One F32 scalar, no __metadata__, header padded to 8 bytes.
        var header = Array(#"{"w":{"dtype":"F32","shape":[],"data_offsets":[0,4]}}"#.utf8)
        header += Array(repeating: 0x20, count: (8 - header.count % 8) % 8)
        let bytes =
            withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
            + [0, 0, 128, 63]
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let result = try runGlimpse(["model", "inspect", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.text, "\(path): 1 tensor, 1 parameter\nw  F32  []\n")
    }

    func testMalformedFilesExitNonZeroWithOneErrorLineNamingTheFile() throws {
        let directory = Fixtures.temporaryDirectory()
        func header(_ json: String, buffer: Int) -> [UInt8] {
            var header = Array(json.utf8)
            header += Array(repeating: 0x20, count: (8 - header.count % 8) % 8)
            return withUnsafeBytes(of: UInt64(header.count).littleEndian, Array.init) + header
                + Array(repeating: 0, count: buffer)
        }
        let cases: [(String, [UInt8], String)] = [
            ("empty.safetensors", [], "empty file"),
            (
                "past_end.safetensors", [0xE8, 3, 0, 0, 0, 0, 0, 0, 0x7B, 0x7D],
                "header length 1000"
            ),
            ("json.safetensors", header(#"{"w": {"dtype": "#, buffer: 0), "not valid UTF-8 JSON"),
            (
                "mismatch.safetensors",
                header(
                    #"{"w": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}"#,
                    buffer: 12),
                "tensor w: data_offsets [0, 12] hold 3 F32 values, shape [2, 2] needs 4"
            ),
        ]
        var paths: [(String, String)] = [("/nonexistent/model.safetensors", "No such file")]
        for (name, bytes, message) in cases {
            try Data(bytes).write(to: URL(fileURLWithPath: "\(directory)/\(name)"))
            paths.append(("\(directory)/\(name)", message))
        }
        for (path, message) in paths {
            for arguments in [["model", "inspect", path], ["model", "inspect", path, "--json"]] {
                let result = try runGlimpse(arguments)
                XCTAssertTrue(
                    (1..<128).contains(result.status), "\(arguments): status \(result.status)")
                let lines = result.stderr.split(separator: "\n")
                XCTAssertEqual(lines.count, 1, "\(arguments): \(result.stderr)")
                XCTAssertTrue(result.stderr.hasPrefix("error: \(path): "), result.stderr)
                XCTAssertTrue(result.stderr.contains(message), result.stderr)
                XCTAssertEqual(result.stdout.count, 0)
            }
        }
    }
}
