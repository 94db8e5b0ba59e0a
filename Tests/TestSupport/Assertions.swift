// Comparisons used across the test suites.
import GlimpseMedia
import XCTest

/// Largest absolute difference between two equally long sample arrays.
public func maxAbsoluteDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    precondition(a.count == b.count, "\(a.count) vs \(b.count) samples")
    var worst = 0
    for i in a.indices { worst = max(worst, abs(Int(a[i]) - Int(b[i]))) }
    return worst
}

/// Peak signal-to-noise ratio in dB between two 8-bit sample arrays (infinity when equal).
public func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count && !a.isEmpty, "\(a.count) vs \(b.count) samples")
    var squared = 0.0
    for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        squared += d * d
    }
    let mse = squared / Double(a.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
}

/// Asserts that `body` throws a ``MediaError`` matching `expected`'s case.
public func assertMediaError<T>(
    _ body: @autoclosure () throws -> T, _ matches: (MediaError) -> Bool, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
) {
    do {
        _ = try body()
        XCTFail("\(what): expected an error, got a result", file: file, line: line)
    } catch let error as MediaError {
        XCTAssertTrue(matches(error), "\(what): unexpected error \(error)", file: file, line: line)
        XCTAssertFalse(
            (error.errorDescription ?? "").isEmpty, "\(what): empty message", file: file, line: line
        )
    } catch {
        XCTFail("\(what): not a MediaError: \(error)", file: file, line: line)
    }
}
