// A strict RFC 8259 syntax check run before Foundation parses a file, because Foundation on
// Linux accepts trailing commas and reports a failure with no position. The check names the
// line and column (columns count characters, not bytes, from 1) and what was expected there:
//   captions.json:12:5: unexpected end of file inside an array
// It keeps its own stack, so no nesting (`[[[[…`) can overflow the call stack; nesting deeper
// than ``JSONSyntax/maxDepth`` is refused.

/// A JSON syntax error at a position.
public struct JSONSyntaxError: Error, Equatable, Sendable {
    public var line: Int
    public var column: Int
    public var message: String

    /// `LINE:COLUMN: message`.
    public var description: String { "\(line):\(column): \(message)" }
}

/// The syntax check.
public enum JSONSyntax {
    /// The deepest nesting of arrays and objects accepted.
    public static let maxDepth = 512

    /// Throws the first syntax error in `bytes` (UTF-8 JSON text, one value).
    public static func check(_ bytes: [UInt8]) throws(JSONSyntaxError) {
        var scanner = Scanner(bytes: bytes)
        try scanner.document()
    }

    private enum Container { case array, object }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var stack: [Container] = []

        init(bytes: [UInt8]) { self.bytes = bytes }

        /// The 1-based line and character column of byte `offset`.
        func position(_ offset: Int) -> (Int, Int) {
            var line = 1
            var column = 1
            for byte in bytes[..<min(offset, bytes.count)] {
                if byte == 0x0A {
                    line += 1
                    column = 1
                } else if byte & 0xC0 != 0x80 {
                    column += 1
                }
            }
            return (line, column)
        }

        func fail(_ message: String, at offset: Int? = nil) -> JSONSyntaxError {
            let (line, column) = position(offset ?? index)
            return JSONSyntaxError(line: line, column: column, message: message)
        }

        var inside: String {
            switch stack.last {
            case .array: " inside an array"
            case .object: " inside an object"
            case nil: ""
            }
        }

        func unexpected(_ expected: String) -> JSONSyntaxError {
            guard index < bytes.count else { return fail("unexpected end of file\(inside)") }
            let byte = bytes[index]
            let shown =
                byte >= 0x20 && byte < 0x7F
                ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
            return fail("expected \(expected), found \(shown)")
        }

        mutating func skipSpace() {
            while index < bytes.count,
                bytes[index] == 0x20 || bytes[index] == 0x0A || bytes[index] == 0x0D
                    || bytes[index] == 0x09
            {
                index += 1
            }
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func document() throws(JSONSyntaxError) {
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { index = 3 }
            skipSpace()
            try value()
            skipSpace()
            guard index == bytes.count else {
                throw unexpected("the end of the file after the top-level value")
            }
        }

        /// One value, arrays and objects walked with the explicit stack.
        mutating func value() throws(JSONSyntaxError) {
            var needValue = true
            while true {
                skipSpace()
                if needValue {
                    switch peek() {
                    case UInt8(ascii: "["), UInt8(ascii: "{"):
                        guard stack.count < JSONSyntax.maxDepth else {
                            throw fail("nested deeper than \(JSONSyntax.maxDepth) levels")
                        }
                        let isArray = peek() == UInt8(ascii: "[")
                        index += 1
                        skipSpace()
                        if peek() == UInt8(ascii: isArray ? "]" : "}") {
                            index += 1
                            needValue = false
                        } else {
                            stack.append(isArray ? .array : .object)
                            if !isArray { try key() }
                            continue
                        }
                    case UInt8(ascii: "\""): try string()
                    case UInt8(ascii: "t"): try literal("true")
                    case UInt8(ascii: "f"): try literal("false")
                    case UInt8(ascii: "n"): try literal("null")
                    case .some(UInt8(ascii: "-")), .some(UInt8(ascii: "0")...UInt8(ascii: "9")):
                        try number()
                    default: throw unexpected("a value")
                    }
                    needValue = false
                }
                skipSpace()
                guard let container = stack.last else { return }
                let close = UInt8(ascii: container == .array ? "]" : "}")
                if peek() == close {
                    index += 1
                    stack.removeLast()
                    continue
                }
                guard peek() == UInt8(ascii: ",") else {
                    throw unexpected(container == .array ? "',' or ']'" : "',' or '}'")
                }
                let comma = index
                index += 1
                skipSpace()
                if peek() == close {
                    throw fail(
                        "trailing comma before '\(Character(Unicode.Scalar(close)))'", at: comma)
                }
                if container == .object { try key() }
                needValue = true
            }
        }

        mutating func key() throws(JSONSyntaxError) {
            skipSpace()
            guard peek() == UInt8(ascii: "\"") else { throw unexpected("a string key") }
            try string()
            skipSpace()
            guard peek() == UInt8(ascii: ":") else { throw unexpected("':' after the key") }
            index += 1
        }

        mutating func literal(_ word: String) throws(JSONSyntaxError) {
            for byte in word.utf8 {
                guard peek() == byte else { throw unexpected("'\(word)'") }
                index += 1
            }
        }

        mutating func digits() -> Int {
            let start = index
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                index += 1
            }
            return index - start
        }

        mutating func number() throws(JSONSyntaxError) {
            if peek() == UInt8(ascii: "-") { index += 1 }
            if peek() == UInt8(ascii: "0") {
                index += 1
            } else if digits() == 0 {
                throw unexpected("a digit")
            }
            if peek() == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw unexpected("a digit after '.'") }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw unexpected("a digit in the exponent") }
            }
        }

        mutating func string() throws(JSONSyntaxError) {
            let start = index
            index += 1
            while true {
                guard let byte = peek() else {
                    throw fail("unexpected end of file inside a string that began here", at: start)
                }
                switch byte {
                case UInt8(ascii: "\""):
                    index += 1
                    return
                case UInt8(ascii: "\\"):
                    index += 1
                    guard let escaped = peek() else { continue }
                    if escaped == UInt8(ascii: "u") {
                        index += 1
                        for _ in 0..<4 {
                            guard let hex = peek(), hex.isHexDigit else {
                                throw unexpected("four hex digits after \\u")
                            }
                            index += 1
                        }
                    } else if Array("\"\\/bfnrt".utf8).contains(escaped) {
                        index += 1
                    } else {
                        throw unexpected("an escape (\\\" \\\\ \\/ \\b \\f \\n \\r \\t \\u)")
                    }
                case 0..<0x20:
                    throw fail("control character inside a string (escape it)")
                case 0x80...:
                    try utf8Sequence()
                default:
                    index += 1
                }
            }
        }

        /// One multi-byte UTF-8 sequence (RFC 3629: no overlong forms, no surrogates, nothing
        /// above U+10FFFF).
        mutating func utf8Sequence() throws(JSONSyntaxError) {
            let lead = bytes[index]
            let (count, second): (Int, ClosedRange<UInt8>) =
                switch lead {
                case 0xC2...0xDF: (2, 0x80...0xBF)
                case 0xE0: (3, 0xA0...0xBF)
                case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80...0xBF)
                case 0xED: (3, 0x80...0x9F)
                case 0xF0: (4, 0x90...0xBF)
                case 0xF1...0xF3: (4, 0x80...0xBF)
                case 0xF4: (4, 0x80...0x8F)
                default: (0, 0x80...0xBF)
                }
            guard count > 0 else { throw fail("invalid UTF-8 (byte 0x\(String(lead, radix: 16)))") }
            for offset in 1..<count {
                let range = offset == 1 ? second : 0x80...0xBF
                guard index + offset < bytes.count, range.contains(bytes[index + offset]) else {
                    throw fail(
                        "invalid UTF-8 (byte 0x\(String(lead, radix: 16)) begins a "
                            + "sequence that is cut short or malformed)")
                }
            }
            index += count
        }
    }
}

extension UInt8 {
    fileprivate var isHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
