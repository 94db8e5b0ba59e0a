// The safetensors fuzzer's seed corpus (fixtures/fuzz/safetensors) through the header parser
// and the loader, as the fuzz target calls them: crashers added there stay fixed.
import Foundation
import GlimpseTensor
import TestSupport
import XCTest

final class SafetensorsFuzzCorpusTests: XCTestCase {
    func testSeedsParseOrThrow() throws {
        let directory = Fixtures.path("fuzz/safetensors")
        let names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 3)
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name)))
            do {
                let header = try Safetensors.decodeHeader(bytes, source: name)
                let file = try Safetensors.decode(bytes, source: name)
                XCTAssertEqual(Set(file.tensors.keys), Set(header.tensors.map(\.name)), name)
                XCTAssertFalse(name.hasPrefix("crash-"), "\(name) parsed")
            } catch {
                XCTAssertTrue(name.hasPrefix("crash-"), "\(name): \(error)")
                XCTAssertTrue(error.description.contains(name), error.description)
            }
        }
    }
}
