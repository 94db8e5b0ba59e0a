// Safetensors.swift — reading and writing the safetensors format (Hugging Face), the tensor file
// shared with PyTorch, candle and MLX, used for model weights and checkpoints.
//
// Layout: an 8-byte little-endian header length N, N bytes of UTF-8 JSON, then the data buffer:
//
//     {"__metadata__": {"format": "pt"},
//      "decoder.weight": {"dtype": "F32", "shape": [1000, 256], "data_offsets": [0, 1024000]}, …}
//
// `data_offsets` are [begin, end) byte offsets into the data buffer; values are little-endian,
// row-major. Reading validates what the reference implementation (huggingface/safetensors,
// `safetensors/src/tensor.rs`) validates, with errors naming the file and tensor: a header of at
// most 100 MB inside the file, valid JSON, known dtypes, `end − begin == product(shape) · size`
// computed without overflow, and tensors that tile the buffer exactly when sorted by offset (no
// overlap, no gap, no trailing bytes). Writing follows the Python package: compact JSON with
// `__metadata__` first, the header padded with spaces to a multiple of 8 bytes.
//
// Glimpse tensors are Float32. Loading converts F64 (rounded to nearest), F16 and BF16 (exact);
// integer dtypes load when every value is exactly representable in Float32 (|v| ≤ 2^24 or a
// multiple of a suitable power of two), otherwise the load fails naming the value; BOOL and FP8
// tensors are refused. Header-only inspection accepts every dtype the reference knows.
import Foundation
import GlimpseSupport

/// A safetensors element type (the reference implementation's `Dtype`).
public enum SafetensorsDType: String, Sendable, CaseIterable, Codable {
    case bool = "BOOL"
    case u8 = "U8"
    case i8 = "I8"
    case f8E5M2 = "F8_E5M2"
    case f8E4M3 = "F8_E4M3"
    case i16 = "I16"
    case u16 = "U16"
    case f16 = "F16"
    case bf16 = "BF16"
    case i32 = "I32"
    case u32 = "U32"
    case f32 = "F32"
    case f64 = "F64"
    case i64 = "I64"
    case u64 = "U64"

    /// Bytes per element.
    public var byteSize: Int {
        switch self {
        case .bool, .u8, .i8, .f8E5M2, .f8E4M3: 1
        case .i16, .u16, .f16, .bf16: 2
        case .i32, .u32, .f32: 4
        case .f64, .i64, .u64: 8
        }
    }

    /// Whether `Safetensors.read` can load it as Float32 (BOOL and FP8 cannot).
    public var isLoadable: Bool {
        switch self {
        case .bool, .f8E5M2, .f8E4M3: false
        default: true
        }
    }
}

/// Where one tensor lives in a safetensors file, read from the header without loading data.
public struct SafetensorsTensorInfo: Sendable, Equatable {
    public var name: String
    public var dtype: SafetensorsDType
    public var shape: [Int]
    /// Byte range in the data buffer (relative to its start, as in the header).
    public var dataOffsets: Range<Int>

    /// The number of elements, the product of `shape` (1 for a 0-d scalar).
    public var elementCount: Int { shape.reduce(1, *) }
}

/// A validated safetensors header: every tensor's name, dtype, shape and offsets, and the
/// metadata.
public struct SafetensorsHeader: Sendable, Equatable {
    /// Tensors sorted by name.
    public var tensors: [SafetensorsTensorInfo]
    /// The `__metadata__` map (empty when absent).
    public var metadata: [String: String]
    /// N, the JSON header's length in bytes (padding included).
    public var headerLength: Int
    /// Size of the data buffer that follows the header.
    public var bufferLength: Int

    /// File offset of the data buffer.
    public var bufferOffset: Int { 8 + headerLength }

    /// Total number of elements over all tensors.
    public var parameterCount: Int { tensors.reduce(0) { $0 + $1.elementCount } }
}

/// The contents of a safetensors file loaded as Float32 tensors.
public struct SafetensorsFile: Sendable {
    /// Name → tensor.
    public var tensors: [String: Tensor]
    /// The `__metadata__` map (empty when absent).
    public var metadata: [String: String]

    public init(tensors: [String: Tensor], metadata: [String: String] = [:]) {
        self.tensors = tensors
        self.metadata = metadata
    }
}

/// A safetensors file that could not be read or written. Every case names the file (`path`, or
/// the `source` given to `decode`) and, where it applies, the tensor.
public enum SafetensorsError: Error, Equatable, Sendable, CustomStringConvertible, LocalizedError {
    /// The file could not be opened, read or written.
    case file(FileError)
    /// Fewer than the 8 bytes of the header length.
    case tooShort(path: String, size: Int)
    /// The header length is over `Safetensors.maxHeaderLength`.
    case headerTooLarge(path: String, length: UInt64)
    /// The header length runs past the end of the file.
    case headerPastEnd(path: String, length: UInt64, fileSize: Int)
    /// The header is not a JSON object of the expected form.
    case invalidHeader(path: String, reason: String)
    /// A tensor's entry is malformed (shape, offsets, element count).
    case invalidTensor(path: String, name: String, reason: String)
    /// A tensor's dtype is not one the format defines.
    case unknownDType(path: String, name: String, dtype: String)
    /// A tensor's bytes lie (partly) past the end of the data buffer.
    case offsetsOutOfBounds(path: String, name: String, offsets: [Int], bufferLength: Int)
    /// A tensor's byte range does not hold `product(shape)` elements of its dtype.
    case sizeMismatch(
        path: String, name: String, dtype: SafetensorsDType, shape: [Int], offsets: [Int])
    /// The tensors overlap or leave bytes of the buffer unused.
    case invalidLayout(path: String, reason: String)
    /// A tensor's dtype cannot be loaded as Float32 (BOOL, FP8).
    case unsupportedDType(path: String, name: String, dtype: SafetensorsDType)
    /// An integer tensor holds a value that Float32 cannot represent exactly.
    case inexactValue(path: String, name: String, dtype: SafetensorsDType, value: String)

    public var description: String {
        switch self {
        case .file(let error):
            return error.description
        case .tooShort(let path, let size):
            return size == 0
                ? "\(path): empty file, not a safetensors file"
                : "\(path): \(size) bytes is too short for a safetensors file"
                    + " (it starts with an 8-byte header length)"
        case .headerTooLarge(let path, let length):
            return "\(path): header length \(length) bytes is over the"
                + " \(Safetensors.maxHeaderLength)-byte limit: not a safetensors file, or corrupt"
        case .headerPastEnd(let path, let length, let fileSize):
            return "\(path): header length \(length) bytes, but only \(fileSize - 8) bytes follow"
                + " the 8-byte length: truncated, or not a safetensors file"
        case .invalidHeader(let path, let reason):
            return "\(path): invalid header: \(reason)"
        case .invalidTensor(let path, let name, let reason):
            return "\(path): tensor \(name): \(reason)"
        case .unknownDType(let path, let name, let dtype):
            let known = SafetensorsDType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path): tensor \(name): unknown dtype \"\(dtype)\" (known: \(known))"
        case .offsetsOutOfBounds(let path, let name, let offsets, let bufferLength):
            return "\(path): tensor \(name): data_offsets \(offsets) run past the end of the"
                + " \(bufferLength)-byte data buffer: truncated file?"
        case .sizeMismatch(let path, let name, let dtype, let shape, let offsets):
            let bytes = offsets[1] - offsets[0]
            let needed = shape.reduce(1, *)
            let held =
                bytes % dtype.byteSize == 0
                ? "\(bytes / dtype.byteSize) \(dtype.rawValue) values"
                : "\(bytes) bytes, not a whole number of \(dtype.rawValue) values"
            return "\(path): tensor \(name): data_offsets \(offsets) hold \(held),"
                + " shape \(shape) needs \(needed)"
        case .invalidLayout(let path, let reason):
            return "\(path): invalid data layout: \(reason)"
        case .unsupportedDType(let path, let name, let dtype):
            return "\(path): tensor \(name): dtype \(dtype.rawValue) cannot be loaded as Float32"
                + " (loadable: F32, F64, F16, BF16, and integers exact in Float32)"
        case .inexactValue(let path, let name, let dtype, let value):
            return "\(path): tensor \(name): \(dtype.rawValue) value \(value) has no exact"
                + " Float32 representation; convert the tensor to a float dtype first"
        }
    }

    public var errorDescription: String? { description }
}

/// Reading and writing safetensors files and bytes.
///
/// ```swift
/// try Safetensors.write(store.tensors, metadata: ["config": configJSON], to: "model.safetensors")
/// let file = try Safetensors.read(path: "model.safetensors")   // file.tensors, file.metadata
/// let header = try Safetensors.readHeader(path: "model.safetensors")   // no tensor data read
/// ```
public enum Safetensors {
    /// The largest header accepted (the reference implementation's limit), checked before the
    /// header is allocated.
    public static let maxHeaderLength = 100_000_000

    // MARK: Reading

    /// Reads a whole file as Float32 tensors (see the file comment for dtype conversions),
    /// tensor by tensor: besides the tensors, it holds one tensor's bytes at a time.
    public static func read(path: String) throws(SafetensorsError) -> SafetensorsFile {
        let file = try ReadableFile(path: path)
        let header = try readHeader(file, path: path)
        return try load(header, source: path) { info throws(SafetensorsError) in
            try file.read(
                at: header.bufferOffset + info.dataOffsets.lowerBound,
                count: info.dataOffsets.count)
        }
    }

    /// Reads and validates only the header: names, dtypes, shapes and metadata, without tensor
    /// data. Offsets are checked against the file's size.
    public static func readHeader(path: String) throws(SafetensorsError) -> SafetensorsHeader {
        try readHeader(ReadableFile(path: path), path: path)
    }

    /// Decodes the bytes of a whole safetensors file; errors name `source`.
    public static func decode(_ bytes: [UInt8], source: String = "safetensors data")
        throws(SafetensorsError) -> SafetensorsFile
    {
        let header = try decodeHeader(bytes, source: source)
        return try load(header, source: source) { info in
            let start = header.bufferOffset + info.dataOffsets.lowerBound
            return Array(bytes[start..<(start + info.dataOffsets.count)])
        }
    }

    /// Decodes and validates the header of the bytes of a whole safetensors file.
    public static func decodeHeader(_ bytes: [UInt8], source: String = "safetensors data")
        throws(SafetensorsError) -> SafetensorsHeader
    {
        let length = try headerLength(Array(bytes.prefix(8)), fileSize: bytes.count, path: source)
        return try parseHeader(
            Array(bytes[8..<(8 + length)]), bufferLength: bytes.count - 8 - length, path: source)
    }

    // MARK: Writing

    /// The bytes of a safetensors file holding `tensors` as F32, keys sorted, with `metadata`
    /// (omitted when empty). A tensor may not be called `__metadata__`.
    public static func encode(_ tensors: [String: Tensor], metadata: [String: String] = [:])
        -> [UInt8]
    {
        let names = tensors.keys.sorted()
        precondition(!names.contains("__metadata__"), "a tensor cannot be named __metadata__")
        var entries: [String] = []
        if !metadata.isEmpty {
            let pairs = metadata.keys.sorted().map {
                jsonString($0) + ":" + jsonString(metadata[$0]!)
            }
            entries.append("\"__metadata__\":{" + pairs.joined(separator: ",") + "}")
        }
        var offset = 0
        for name in names {
            let tensor = tensors[name]!
            let end = offset + tensor.count * 4
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                jsonString(name) + ":{\"dtype\":\"F32\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(end)]}")
            offset = end
        }
        var header = Array(("{" + entries.joined(separator: ",") + "}").utf8)
        // Pad with spaces so that the data buffer starts 8-byte aligned, as the Python package does.
        header += [UInt8](repeating: 0x20, count: (8 - header.count % 8) % 8)

        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + header.count + offset)
        withUnsafeBytes(of: UInt64(header.count).littleEndian) { bytes += $0 }
        bytes += header
        for name in names {
            tensors[name]!.withUnsafeBufferPointer { scalars in
                #if _endian(little)
                    bytes += UnsafeRawBufferPointer(scalars)
                #else
                    for value in scalars {
                        withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 }
                    }
                #endif
            }
        }
        return bytes
    }

    /// Writes `tensors` and `metadata` to `path` atomically (see `encode` and `AtomicFile.write`).
    public static func write(
        _ tensors: [String: Tensor], metadata: [String: String] = [:], to path: String
    ) throws(SafetensorsError) {
        do {
            try AtomicFile.write(encode(tensors, metadata: metadata), to: path)
        } catch {
            throw .file(error)
        }
    }

    // MARK: Header validation

    private static func readHeader(_ file: ReadableFile, path: String)
        throws(SafetensorsError) -> SafetensorsHeader
    {
        let prefix = try file.read(at: 0, count: min(8, file.size))
        let length = try headerLength(prefix, fileSize: file.size, path: path)
        let json = try file.read(at: 8, count: length)
        return try parseHeader(json, bufferLength: file.size - 8 - length, path: path)
    }

    /// N from the first (up to) 8 bytes, checked against the limit and the file size.
    private static func headerLength(_ prefix: [UInt8], fileSize: Int, path: String)
        throws(SafetensorsError) -> Int
    {
        guard prefix.count == 8 else { throw .tooShort(path: path, size: fileSize) }
        let length = prefix.reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard length <= UInt64(maxHeaderLength) else {
            throw .headerTooLarge(path: path, length: length)
        }
        guard Int(length) <= fileSize - 8 else {
            throw .headerPastEnd(path: path, length: length, fileSize: fileSize)
        }
        return Int(length)
    }

    /// Parses the JSON header and validates every entry against a buffer of `bufferLength`.
    private static func parseHeader(_ json: [UInt8], bufferLength: Int, path: String)
        throws(SafetensorsError) -> SafetensorsHeader
    {
        guard json.first == UInt8(ascii: "{") else {
            throw .invalidHeader(path: path, reason: "it does not start with '{'")
        }
        let raw: RawHeader
        do {
            raw = try JSONDecoder().decode(RawHeader.self, from: Data(json))
        } catch let problem as EntryProblem {
            throw .invalidTensor(path: path, name: problem.name, reason: problem.reason)
        } catch let problem as MetadataProblem {
            throw .invalidHeader(path: path, reason: problem.reason)
        } catch DecodingError.dataCorrupted {
            throw .invalidHeader(path: path, reason: "not valid UTF-8 JSON")
        } catch {
            throw .invalidHeader(path: path, reason: "not a JSON object of tensor entries")
        }

        // JSONDecoder keeps one entry of a repeated key: a repeat would silently drop a tensor.
        var seen = Set<String>()
        for key in topLevelKeys(json) where !seen.insert(key).inserted {
            throw .invalidHeader(path: path, reason: "the name \"\(key)\" appears twice")
        }

        var tensors: [SafetensorsTensorInfo] = []
        for (name, entry) in raw.entries.sorted(by: { $0.key < $1.key }) {
            guard let dtype = SafetensorsDType(rawValue: entry.dtype) else {
                throw .unknownDType(path: path, name: name, dtype: entry.dtype)
            }
            guard entry.shape.allSatisfy({ $0 >= 0 }) else {
                throw .invalidTensor(
                    path: path, name: name,
                    reason: "shape \(entry.shape) has a negative extent")
            }
            let offsets = entry.dataOffsets
            guard offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1] else {
                throw .invalidTensor(
                    path: path, name: name,
                    reason: "data_offsets \(offsets) must be [begin, end] with 0 ≤ begin ≤ end")
            }
            guard offsets[1] <= bufferLength else {
                throw .offsetsOutOfBounds(
                    path: path, name: name, offsets: offsets, bufferLength: bufferLength)
            }
            var count = 1
            var overflow = false
            for extent in entry.shape where !overflow {
                (count, overflow) = count.multipliedReportingOverflow(by: extent)
            }
            let (bytes, byteOverflow) = count.multipliedReportingOverflow(by: dtype.byteSize)
            guard !overflow, !byteOverflow else {
                throw .invalidTensor(
                    path: path, name: name, reason: "shape \(entry.shape) has too many elements")
            }
            guard bytes == offsets[1] - offsets[0] else {
                throw .sizeMismatch(
                    path: path, name: name, dtype: dtype, shape: entry.shape, offsets: offsets)
            }
            tensors.append(
                SafetensorsTensorInfo(
                    name: name, dtype: dtype, shape: entry.shape,
                    dataOffsets: offsets[0]..<offsets[1]))
        }

        // Sorted by offset, the tensors must tile the buffer: each begins where the previous
        // ended and the last ends at the end of the file (the reference implementation's rule).
        var end = 0
        var previous: SafetensorsTensorInfo?
        let byOffset = tensors.sorted {
            ($0.dataOffsets.lowerBound, $0.dataOffsets.upperBound)
                < ($1.dataOffsets.lowerBound, $1.dataOffsets.upperBound)
        }
        for info in byOffset {
            let begin = info.dataOffsets.lowerBound
            if begin < end, let previous {
                throw .invalidLayout(
                    path: path,
                    reason: "tensors \(previous.name) \(bracketed(previous.dataOffsets)) and"
                        + " \(info.name) \(bracketed(info.dataOffsets)) overlap")
            }
            if begin > end {
                throw .invalidLayout(
                    path: path,
                    reason: "bytes [\(end), \(begin)) of the data buffer belong to no tensor")
            }
            end = info.dataOffsets.upperBound
            previous = info
        }
        guard end == bufferLength else {
            throw .invalidLayout(
                path: path,
                reason: "\(bufferLength - end) bytes after the last tensor's data"
                    + " (buffer \(bufferLength) bytes, tensors end at \(end))")
        }
        return SafetensorsHeader(
            tensors: tensors, metadata: raw.metadata, headerLength: json.count,
            bufferLength: bufferLength)
    }

    // MARK: Conversion to Float32

    /// Loads every tensor of a validated header, each from the bytes `data(info)` gives for it.
    private static func load(
        _ header: SafetensorsHeader, source: String,
        data: (SafetensorsTensorInfo) throws(SafetensorsError) -> [UInt8]
    ) throws(SafetensorsError) -> SafetensorsFile {
        var tensors: [String: Tensor] = [:]
        for info in header.tensors {
            guard info.dtype.isLoadable else {
                throw .unsupportedDType(path: source, name: info.name, dtype: info.dtype)
            }
            let tensor = try data(info).withUnsafeBytes { convert($0, info) }
            switch tensor {
            case .success(let tensor): tensors[info.name] = tensor
            case .failure(let value):
                throw .inexactValue(
                    path: source, name: info.name, dtype: info.dtype, value: value.text)
            }
        }
        return SafetensorsFile(tensors: tensors, metadata: header.metadata)
    }

    private struct InexactValue: Error {
        var text: String
    }

    /// The elements of `bytes` (little-endian `info.dtype`) as a Float32 tensor of `info.shape`.
    private static func convert(_ bytes: UnsafeRawBufferPointer, _ info: SafetensorsTensorInfo)
        -> Result<Tensor, InexactValue>
    {
        let count = info.elementCount
        func element<T: FixedWidthInteger & BitwiseCopyable>(_ index: Int, _: T.Type) -> T {
            T(littleEndian: bytes.loadUnaligned(fromByteOffset: index * T.bitWidth / 8, as: T.self))
        }
        func integers<T: FixedWidthInteger & BitwiseCopyable>(_ type: T.Type) -> Result<
            Tensor, InexactValue
        > {
            // Check every value first so a failed load allocates nothing.
            for index in 0..<count where Float(exactly: element(index, type)) == nil {
                return .failure(InexactValue(text: "\(element(index, type))"))
            }
            return .success(floats { Float(element($0, type)) })
        }
        func floats(_ value: (Int) -> Float) -> Tensor {
            Tensor(shape: info.shape) { buffer in
                for index in 0..<count { buffer.initializeElement(at: index, to: value(index)) }
            }
        }

        switch info.dtype {
        case .f32:
            #if _endian(little)
                return .success(
                    Tensor(shape: info.shape) { buffer in
                        UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
                    })
            #else
                return .success(floats { Float(bitPattern: element($0, UInt32.self)) })
            #endif
        case .f64: return .success(floats { Float(Double(bitPattern: element($0, UInt64.self))) })
        case .f16: return .success(floats { Float(Float16(bitPattern: element($0, UInt16.self))) })
        case .bf16:
            // BF16 is the top half of a Float32.
            return .success(floats { Float(bitPattern: UInt32(element($0, UInt16.self)) << 16) })
        case .u8: return integers(UInt8.self)
        case .i8: return integers(Int8.self)
        case .u16: return integers(UInt16.self)
        case .i16: return integers(Int16.self)
        case .u32: return integers(UInt32.self)
        case .i32: return integers(Int32.self)
        case .u64: return integers(UInt64.self)
        case .i64: return integers(Int64.self)
        case .bool, .f8E5M2, .f8E4M3: preconditionFailure("\(info.dtype) is not loadable")
        }
    }
}

// MARK: - JSON header decoding

/// One tensor entry as written in the header, before validation.
private struct RawEntry {
    var dtype: String
    var shape: [Int]
    var dataOffsets: [Int]
}

/// A malformed tensor entry, thrown from inside `JSONDecoder` to keep the tensor's name.
private struct EntryProblem: Error {
    var name: String
    var reason: String
}

/// A malformed `__metadata__`.
private struct MetadataProblem: Error {
    var reason: String
}

/// The header object: `__metadata__` and one entry per tensor under arbitrary keys.
private struct RawHeader: Decodable {
    var metadata: [String: String] = [:]
    var entries: [String: RawEntry] = [:]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private enum EntryKey: String, CodingKey {
        case dtype, shape
        case dataOffsets = "data_offsets"
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        for key in container.allKeys {
            if key.stringValue == "__metadata__" {
                do {
                    metadata =
                        try container.decodeIfPresent([String: String].self, forKey: key) ?? [:]
                } catch {
                    throw MetadataProblem(reason: "__metadata__ must map strings to strings")
                }
                continue
            }
            let name = key.stringValue
            let entry: KeyedDecodingContainer<EntryKey>
            do {
                entry = try container.nestedContainer(keyedBy: EntryKey.self, forKey: key)
            } catch {
                throw EntryProblem(
                    name: name, reason: "entry must be an object with dtype, shape, data_offsets")
            }
            func field<T: Decodable>(_ type: T.Type, _ field: EntryKey, _ expected: String) throws
                -> T
            {
                do {
                    return try entry.decode(type, forKey: field)
                } catch {
                    throw EntryProblem(name: name, reason: "\(field.rawValue) must be \(expected)")
                }
            }
            entries[name] = RawEntry(
                dtype: try field(String.self, .dtype, "a string"),
                shape: try field([Int].self, .shape, "a list of non-negative integers"),
                dataOffsets: try field([Int].self, .dataOffsets, "two non-negative integers"))
        }
    }
}

/// The keys of the top-level object of `json` (already decoded once, so well-formed), in
/// order and with repeats, unescaped.
private func topLevelKeys(_ json: [UInt8]) -> [String] {
    var keys: [String] = []
    var depth = 0
    var expectingKey = false
    var index = 0
    while index < json.count {
        let byte = json[index]
        switch byte {
        case UInt8(ascii: "\""):
            // Find the closing quote, skipping escaped characters.
            var end = index + 1
            var escaped = false
            while end < json.count {
                if escaped {
                    escaped = false
                } else if json[end] == UInt8(ascii: "\\") {
                    escaped = true
                } else if json[end] == UInt8(ascii: "\"") {
                    break
                }
                end += 1
            }
            if depth == 1 && expectingKey {
                let literal = json[index...min(end, json.count - 1)]
                let text =
                    literal.contains(UInt8(ascii: "\\"))
                    ? (try? JSONDecoder().decode(
                        [String].self, from: Data("[".utf8 + literal + "]".utf8)))?.first
                    : String(decoding: literal.dropFirst().dropLast(), as: UTF8.self)
                keys.append(text ?? String(decoding: literal, as: UTF8.self))
                expectingKey = false
            }
            index = end
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            depth += 1
            expectingKey = depth == 1
        case UInt8(ascii: "}"), UInt8(ascii: "]"):
            depth -= 1
        case UInt8(ascii: ","):
            if depth == 1 { expectingKey = true }
        default:
            break
        }
        index += 1
    }
    return keys
}

/// `[begin, end]` as the header writes it.
private func bracketed(_ range: Range<Int>) -> String {
    "[\(range.lowerBound), \(range.upperBound)]"
}

/// `text` as a JSON string literal (UTF-8 passes through; quotes, backslashes and control
/// characters are escaped).
private func jsonString(_ text: String) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20:
            result +=
                "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                + String(scalar.value, radix: 16)
        default: result.unicodeScalars.append(scalar)
        }
    }
    return result + "\""
}

// MARK: - File access

/// A file open for positioned reads, with errors naming it.
private final class ReadableFile {
    let path: String
    let descriptor: Int32
    let size: Int

    init(path: String) throws(SafetensorsError) {
        self.path = path
        // O_NONBLOCK: opening a FIFO must not wait for a writer (it is refused below).
        descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            throw .file(FileError(path: path, reason: String(cString: strerror(errno))))
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0, status.st_mode & S_IFMT == S_IFREG else {
            close(descriptor)
            throw .file(FileError(path: path, reason: "not a regular file"))
        }
        size = Int(status.st_size)
    }

    deinit {
        close(descriptor)
    }

    /// `count` bytes from `offset`; the range must lie inside the file.
    func read(at offset: Int, count: Int) throws(SafetensorsError) -> [UInt8] {
        var failure: String?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            while initialized < count {
                let got = pread(
                    descriptor, buffer.baseAddress! + initialized, count - initialized,
                    off_t(offset + initialized))
                if got < 0 && errno == EINTR { continue }
                if got <= 0 {
                    failure = got < 0 ? String(cString: strerror(errno)) : "file shrank while read"
                    return
                }
                initialized += got
            }
        }
        if let failure { throw .file(FileError(path: path, reason: failure)) }
        return bytes
    }
}
