// The strict JSON syntax check: positions of hand-placed errors, trailing commas refused,
// deep nesting refused without recursion, and agreement with Foundation's parser over
// generated documents and their truncations and one-byte mutations (what the check accepts,
// Foundation parses; every truncation is refused).
import Foundation
import GlimpseSupport
import XCTest

final class JSONSyntaxTests: XCTestCase {
    func error(_ text: String) -> JSONSyntaxError? {
        do {
            try JSONSyntax.check(Array(text.utf8))
            return nil
        } catch {
            return error
        }
    }

    func testErrorsNameLineColumnAndWhat() {
        let cases: [(String, Int, Int, String)] = [
            ("[1, 2,]", 1, 6, "trailing comma before ']'"),
            ("{\"a\": 1,\n  }", 1, 8, "trailing comma before '}'"),
            ("{\"a\": [1,\n  2", 2, 4, "unexpected end of file inside an array"),
            ("{\"a\" 1}", 1, 6, "expected ':' after the key, found '1'"),
            ("{a: 1}", 1, 2, "expected a string key, found 'a'"),
            ("[01]", 1, 3, "expected ',' or ']', found '1'"),
            ("[1.]", 1, 4, "expected a digit after '.', found ']'"),
            ("[tru]", 1, 5, "expected 'true', found ']'"),
            ("\"é\u{1}\"", 1, 3, "control character inside a string (escape it)"),
            ("\"ab", 1, 1, "unexpected end of file inside a string that began here"),
            ("[\"\\x\"]", 1, 4, "expected an escape"),
            ("{} {}", 1, 4, "expected the end of the file after the top-level value, found '{'"),
            ("", 1, 1, "unexpected end of file"),
            ("[NaN]", 1, 2, "expected a value, found 'N'"),
            ("\n\n  ééé]", 3, 3, "expected a value, found byte 0xc3"),
        ]
        for (text, line, column, message) in cases {
            guard let found = error(text) else {
                XCTFail("accepted \(text.debugDescription)")
                continue
            }
            XCTAssertEqual(found.line, line, text.debugDescription)
            XCTAssertEqual(found.column, column, text.debugDescription)
            XCTAssertTrue(found.message.hasPrefix(message), "\(text.debugDescription): \(found)")
        }
    }

    func testInvalidUTF8InsideStringsIsRefused() {
        let quote = UInt8(ascii: "\"")
        for sequence: [UInt8] in [
            [0xFF], [0xC0, 0xAF], [0xC3], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80],
            [0xF4, 0x90, 0x80, 0x80], [0xF0, 0x9F, 0x98], [0x80],
        ] {
            XCTAssertThrowsError(try JSONSyntax.check([quote, 0x61] + sequence + [quote])) {
                XCTAssertEqual(($0 as? JSONSyntaxError)?.column, 3)
                XCTAssertTrue(
                    ($0 as? JSONSyntaxError)?.message.hasPrefix("invalid UTF-8") == true, "\($0)")
            }
        }
        for sequence: [UInt8] in [[0xC3, 0xA9], [0xE2, 0x82, 0xAC], [0xF0, 0x9F, 0x98, 0x80]] {
            XCTAssertNoThrow(try JSONSyntax.check([quote] + sequence + [quote]))
        }
    }

    func testValidDocumentsPass() {
        for text in [
            "{}", "[]", "0", "-0.5e+10", "\"\\u00e9\\n\"", " { \"a\" : [ true , false , null ] } ",
            "\u{FEFF}[1]", "[[[[]]]]", "{\"\": {\"\": {}}}",
        ] {
            XCTAssertNil(error(text), text.debugDescription)
        }
    }

    func testDeepNestingIsRefusedNotRecursed() {
        let depth = JSONSyntax.maxDepth
        XCTAssertNil(
            error(String(repeating: "[", count: depth) + String(repeating: "]", count: depth)))
        let deep = error(String(repeating: "[", count: 200_000))
        XCTAssertEqual(deep?.message, "nested deeper than \(depth) levels")
        XCTAssertEqual(deep?.column, depth + 1)
    }

    /// A seeded random JSON value, as text, from Foundation's encoder.
    func document(_ generator: inout SplitMix) -> [UInt8] {
        func value(_ depth: Int) -> Any {
            switch generator.next() % (depth > 3 ? 4 : 6) {
            case 0: return Int(generator.next() % 2000) - 1000
            case 1: return Double(generator.next() % 10_000) / 7
            case 2: return ["a", "é\"\\\n", "", "\u{1F600}"][Int(generator.next() % 4)]
            case 3: return generator.next() % 2 == 0
            case 4: return (0..<Int(generator.next() % 4)).map { _ in value(depth + 1) }
            default:
                var object: [String: Any] = [:]
                for index in 0..<Int(generator.next() % 4) {
                    object["k\(index)"] = value(depth + 1)
                }
                return object
            }
        }
        let root = (0..<Int(1 + generator.next() % 3)).map { _ in value(1) }
        return Array(try! JSONSerialization.data(withJSONObject: root, options: [.prettyPrinted]))
    }

    func foundationParses(_ bytes: [UInt8]) -> Bool {
        (try? JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])) != nil
    }

    func testAgreesWithFoundationOnGeneratedDocuments() {
        var generator = SplitMix(state: 7)
        var mutations = 0
        for _ in 0..<100 {
            let bytes = document(&generator)
            XCTAssertNoThrow(try JSONSyntax.check(bytes))
            for cut in 0..<bytes.count {
                XCTAssertThrowsError(
                    try JSONSyntax.check(Array(bytes[..<cut])), "prefix \(cut) accepted")
            }
            for _ in 0..<20 {
                var mutated = bytes
                let at = Int(generator.next() % UInt64(bytes.count))
                let replacements: [UInt8] = Array(",]}[{\":0a-. \n".utf8)
                mutated[at] = replacements[Int(generator.next() % UInt64(replacements.count))]
                let accepted = (try? JSONSyntax.check(mutated)) != nil
                if accepted {
                    XCTAssertTrue(
                        foundationParses(mutated), String(decoding: mutated, as: UTF8.self))
                } else {
                    mutations += 1
                }
            }
        }
        XCTAssertGreaterThan(mutations, 500)
    }
}

/// SplitMix64, for seeded documents.
struct SplitMix {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
