// SafetensorsTests.swift — the safetensors reader and writer: round trips, the exact layout the
// Python package writes, a file the Python package wrote (reference/make_safetensors_fixture.py),
// and malformed files, each refused with a typed error naming the file and the problem.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class SafetensorsTests: XCTestCase {
    // MARK: Round trips

    func testRoundTripPreservesValuesShapesAndMetadata() throws {
        let tensors: [String: Tensor] = [
            "decoder.weight": sample([3, 4], seed: 1),
            "decoder.bias": Tensor([-0.0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude]),
            "scalar": Tensor(2.5),
            "empty": Tensor.zeros([2, 0, 3]),
            "ünïcode \"quoted\"\\name": Tensor([1]),
        ]
        let metadata = [
            "config": #"{"hidden_size": 256, "name": "tiny"}"#,
            "multi\nline": "tab\there, control \u{01}, emoji 🦉",
        ]
        let path = Fixtures.temporaryDirectory() + "/model.safetensors"
        try Safetensors.write(tensors, metadata: metadata, to: path)
        for file in [
            try Safetensors.read(path: path),
            try Safetensors.decode(Safetensors.encode(tensors, metadata: metadata)),
        ] {
            XCTAssertEqual(file.metadata, metadata)
            XCTAssertEqual(Set(file.tensors.keys), Set(tensors.keys))
            for (name, tensor) in tensors {
                XCTAssertEqual(file.tensors[name]?.shape, tensor.shape, name)
                XCTAssertEqual(
                    file.tensors[name]?.scalars.map(\.bitPattern), tensor.scalars.map(\.bitPattern),
                    name)
            }
        }
        let header = try Safetensors.readHeader(path: path)
        XCTAssertEqual(header.tensors.map(\.name), tensors.keys.sorted())
        XCTAssertEqual(header.tensors.map(\.dtype), Array(repeating: .f32, count: 5))
        XCTAssertEqual(header.parameterCount, 12 + 5 + 1 + 0 + 1)
        XCTAssertEqual(header.headerLength % 8, 0)
    }

    func testEmptyFileRoundTrips() throws {
        let bytes = Safetensors.encode([:])
        XCTAssertEqual(bytes, [8, 0, 0, 0, 0, 0, 0, 0] + Array("{}      ".utf8))
        let file = try Safetensors.decode(bytes)
        XCTAssertTrue(file.tensors.isEmpty)
        XCTAssertTrue(file.metadata.isEmpty)
    }

    /// The layout the Python package writes: compact JSON, `__metadata__` first, spaces up to a
    /// multiple of 8 bytes, then little-endian data.
    func testEncodingMatchesThePythonPackageLayout() {
        let bytes = Safetensors.encode(
            ["attn.0": Tensor(shape: [1, 2, 3], scalars: [0, 1, 2, 3, 4, 5])],
            metadata: ["format": "pt"])
        let json =
            #"{"__metadata__":{"format":"pt"},"#
            + #""attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}"#
        let padded = Array(json.utf8) + Array(repeating: 0x20, count: (8 - json.utf8.count % 8) % 8)
        XCTAssertEqual(Array(bytes[0..<8]), [UInt8(padded.count), 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(Array(bytes[8..<(8 + padded.count)]), padded)
        XCTAssertEqual(
            Array(bytes[(8 + padded.count)...]),
            [0, 0, 0, 0, 0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 128, 64, 0, 0, 160, 64])
    }

    // MARK: Interoperability

    /// Written by the Python `safetensors` package (reference/make_safetensors_fixture.py).
    func testReadsFileWrittenByPython() throws {
        let path = Fixtures.path("safetensors/python_written.safetensors")
        let file = try Safetensors.read(path: path)
        XCTAssertEqual(
            file.metadata, ["format": "np", "config": #"{"hidden_size": 4, "name": "tiny"}"#])
        XCTAssertEqual(file.tensors.count, 6)
        XCTAssertEqual(file.tensors["f32"]?.shape, [2, 3])
        XCTAssertEqual(file.tensors["f32"]?.scalars, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(file.tensors["f64"]?.shape, [3])
        XCTAssertEqual(file.tensors["f64"]?.scalars, [1.5, -2, 3])
        XCTAssertEqual(file.tensors["f16"]?.shape, [2, 2])
        XCTAssertEqual(file.tensors["f16"]?.scalars, [0.5, -1.25, 65504, 0x1p-24])
        XCTAssertEqual(file.tensors["bf16"]?.shape, [3])
        XCTAssertEqual(file.tensors["bf16"]?.scalars, [1, -2.5, 3.140625])
        XCTAssertEqual(file.tensors["layer.num_batches_tracked"]?.shape, [])
        XCTAssertEqual(file.tensors["layer.num_batches_tracked"]?.scalar, 7)
        XCTAssertEqual(file.tensors["empty"]?.shape, [0, 4])
        XCTAssertEqual(file.tensors["empty"]?.count, 0)
    }

    func testHeaderOnlyInspectionOfPythonFile() throws {
        let header = try Safetensors.readHeader(
            path: Fixtures.path("safetensors/python_written.safetensors"))
        XCTAssertEqual(
            header.tensors.map(\.name),
            ["bf16", "empty", "f16", "f32", "f64", "layer.num_batches_tracked"])
        XCTAssertEqual(header.tensors.map(\.dtype), [.bf16, .f32, .f16, .f32, .f64, .i64])
        XCTAssertEqual(header.tensors.map(\.shape), [[3], [0, 4], [2, 2], [2, 3], [3], []])
        XCTAssertEqual(header.parameterCount, 3 + 0 + 4 + 6 + 3 + 1)
        XCTAssertEqual(header.bufferLength, 70)
        XCTAssertEqual(header.headerLength, 456)
    }

    // MARK: Malformed input

    func testTooShortFiles() {
        assertRefused([], .tooShort(path: "t", size: 0), "t: empty file, not a safetensors file")
        assertRefused([1, 0, 0], .tooShort(path: "t", size: 3), "t: 3 bytes is too short")
    }

    func testHeaderLengthPastEndOfFile() {
        let bytes = littleEndian(1000) + Array("{}".utf8)
        assertRefused(
            bytes, .headerPastEnd(path: "t", length: 1000, fileSize: 10),
            "t: header length 1000 bytes, but only 2 bytes follow the 8-byte length")
    }

    func testAbsurdHeaderLengthIsRefusedBeforeAllocating() {
        assertRefused(
            littleEndian(1 << 62) + Array("{}".utf8),
            .headerTooLarge(path: "t", length: 1 << 62), "is over the 100000000-byte limit")
        assertRefused(
            littleEndian(100_000_001), .headerTooLarge(path: "t", length: 100_000_001),
            "header length 100000001")
    }

    func testInvalidJSON() {
        assertRefused(
            file(#"{"a": {"dtype": "F32", "#), nil, "t: invalid header: not valid UTF-8 JSON")
        assertRefused(file("[1, 2]"), nil, "t: invalid header: it does not start with '{'")
        assertRefused(file("{} junk"), nil, "t: invalid header: not valid UTF-8 JSON")
        assertRefused(
            [
                8, 0, 0, 0, 0, 0, 0, 0, UInt8(ascii: "{"), 0xFF, 0xFE, UInt8(ascii: "}"), 32, 32,
                32, 32,
            ],
            nil, "t: invalid header: not valid UTF-8 JSON")
        assertRefused(
            file(#"{"__metadata__": {"epoch": 3}}"#), nil,
            "t: invalid header: __metadata__ must map strings to strings")
    }

    func testMalformedEntries() {
        assertRefused(
            file(#"{"w": [1, 2]}"#), nil,
            "t: tensor w: entry must be an object with dtype, shape, data_offsets")
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0]}}"#, buffer: 8), nil,
            "t: tensor w: data_offsets [0] must be [begin, end]")
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [8, 0]}}"#, buffer: 8),
            nil, "t: tensor w: data_offsets [8, 0] must be [begin, end] with 0 ≤ begin ≤ end")
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": [-2], "data_offsets": [0, 8]}}"#, buffer: 8),
            nil, "t: tensor w: shape [-2] has a negative extent")
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": "2", "data_offsets": [0, 8]}}"#, buffer: 8),
            nil, "t: tensor w: shape must be a list of non-negative integers")
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": [2.5], "data_offsets": [0, 8]}}"#, buffer: 8),
            nil, "t: tensor w: shape must be a list of non-negative integers")
        assertRefused(
            file(#"{"w": {"shape": [2], "data_offsets": [0, 8]}}"#, buffer: 8), nil,
            "t: tensor w: dtype must be a string")
    }

    func testUnknownDType() {
        assertRefused(
            file(#"{"w": {"dtype": "F128", "shape": [1], "data_offsets": [0, 16]}}"#, buffer: 16),
            .unknownDType(path: "t", name: "w", dtype: "F128"),
            #"t: tensor w: unknown dtype "F128" (known: BOOL, U8, "#)
    }

    func testOffsetsOutOfBounds() {
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": [100], "data_offsets": [0, 400]}}"#, buffer: 24),
            .offsetsOutOfBounds(path: "t", name: "w", offsets: [0, 400], bufferLength: 24),
            "t: tensor w: data_offsets [0, 400] run past the end of the 24-byte data buffer")
    }

    func testShapeAndOffsetSizeMismatch() {
        assertRefused(
            file(
                #"{"decoder.weight": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 12]}}"#,
                buffer: 12),
            .sizeMismatch(
                path: "t", name: "decoder.weight", dtype: .f32, shape: [2, 2], offsets: [0, 12]),
            "t: tensor decoder.weight: data_offsets [0, 12] hold 3 F32 values, shape [2, 2] needs 4"
        )
        assertRefused(
            file(#"{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, 7]}}"#, buffer: 7),
            nil, "hold 7 bytes, not a whole number of F32 values, shape [2] needs 2")
    }

    func testShapeProductOverflow() {
        let huge = 1 << 62
        assertRefused(
            file(
                #"{"w": {"dtype": "F32", "shape": [\#(huge), \#(huge)], "data_offsets": [0, 0]}}"#),
            nil, "t: tensor w: shape [\(huge), \(huge)] has too many elements")
        assertRefused(
            file(#"{"w": {"dtype": "F64", "shape": [\#(huge)], "data_offsets": [0, 0]}}"#), nil,
            "has too many elements")
    }

    func testTensorsMustTileTheBuffer() {
        let overlap =
            #"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "#
            + #""b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}}"#
        assertRefused(
            file(overlap, buffer: 12), nil,
            "t: invalid data layout: tensors a [0, 8] and b [4, 12] overlap")
        let gap =
            #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}, "#
            + #""b": {"dtype": "F32", "shape": [1], "data_offsets": [8, 12]}}"#
        assertRefused(
            file(gap, buffer: 12), nil,
            "t: invalid data layout: bytes [4, 8) of the data buffer belong to no tensor")
        assertRefused(
            file(#"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, buffer: 9), nil,
            "t: invalid data layout: 5 bytes after the last tensor's data")
    }

    func testUnloadableDTypesAreListedButNotLoaded() throws {
        let bytes = file(
            #"{"mask": {"dtype": "BOOL", "shape": [3], "data_offsets": [0, 3]}}"#, buffer: 3)
        let header = try Safetensors.decodeHeader(bytes, source: "t")
        XCTAssertEqual(header.tensors.first?.dtype, .bool)
        assertRefused(
            bytes, .unsupportedDType(path: "t", name: "mask", dtype: .bool),
            "t: tensor mask: dtype BOOL cannot be loaded as Float32")
    }

    func testIntegersLoadOnlyWhenExactInFloat32() throws {
        func int32File(_ values: [Int32]) -> [UInt8] {
            let json =
                #"{"i": {"dtype": "I32", "shape": [\#(values.count)], "#
                + #""data_offsets": [0, \#(values.count * 4)]}}"#
            let data = values.flatMap { value in withUnsafeBytes(of: value.littleEndian, Array.init)
            }
            return file(json, data: data)
        }
        let exact: [Int32] = [-16_777_216, 0, 3, 16_777_216, 1 << 30]
        XCTAssertEqual(
            try Safetensors.decode(int32File(exact)).tensors["i"]?.scalars, exact.map(Float.init))
        assertRefused(
            int32File([1, 16_777_217]),
            .inexactValue(path: "t", name: "i", dtype: .i32, value: "16777217"),
            "t: tensor i: I32 value 16777217 has no exact Float32 representation")
    }

    func testFileErrorsNameThePath() throws {
        let directory = Fixtures.temporaryDirectory()
        let missing = directory + "/missing.safetensors"
        XCTAssertThrowsError(try Safetensors.read(path: missing)) { error in
            XCTAssertEqual(
                (error as? LocalizedError)?.errorDescription,
                "\(missing): No such file or directory")
        }
        XCTAssertThrowsError(try Safetensors.readHeader(path: directory)) { error in
            XCTAssertEqual(
                (error as? LocalizedError)?.errorDescription, "\(directory): not a regular file")
        }
        XCTAssertThrowsError(try Safetensors.write([:], to: missing + "/x.safetensors")) { error in
            XCTAssertTrue("\(error)".hasPrefix("\(missing)/x.safetensors: "), "\(error)")
        }
        // A malformed file on disk is reported with its path, by the header-only reader too.
        let bad = directory + "/bad.safetensors"
        try Data(littleEndian(1000) + Array("{}".utf8)).write(to: URL(fileURLWithPath: bad))
        for read in [
            { _ = try Safetensors.read(path: bad) }, { _ = try Safetensors.readHeader(path: bad) },
        ] {
            XCTAssertThrowsError(try read()) { error in
                XCTAssertEqual(
                    error as? SafetensorsError,
                    .headerPastEnd(path: bad, length: 1000, fileSize: 10))
                XCTAssertTrue("\(error)".hasPrefix("\(bad): header length 1000"), "\(error)")
            }
        }
    }

    // MARK: Helpers

    /// A file of `json` (padded to 8 bytes) and a data buffer of `buffer` zero bytes or `data`.
    private func file(_ json: String, buffer: Int = 0, data: [UInt8]? = nil) -> [UInt8] {
        var header = Array(json.utf8)
        header += Array(repeating: 0x20, count: (8 - header.count % 8) % 8)
        return littleEndian(UInt64(header.count)) + header
            + (data ?? Array(repeating: 0, count: buffer))
    }

    private func littleEndian(_ value: UInt64) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian, Array.init)
    }

    /// Checks that `bytes` are refused by both `decode` and `decodeHeader` (unless the problem is
    /// in the data) with `expected` (when given) and a message starting with or containing `text`.
    private func assertRefused(
        _ bytes: [UInt8], _ expected: SafetensorsError?, _ text: String,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try Safetensors.decode(bytes, source: "t")
            XCTFail("decoded without error", file: file, line: line)
        } catch {
            if let expected { XCTAssertEqual(error, expected, file: file, line: line) }
            let message = error.errorDescription ?? ""
            XCTAssertTrue(
                message.hasPrefix(text) || message.contains(text), "message: \(message)",
                file: file,
                line: line)
            XCTAssertTrue(message.hasPrefix("t: "), message, file: file, line: line)
        }
    }
}
