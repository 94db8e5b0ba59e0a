// Running the built `glimpse` executable in end-to-end tests.
import Foundation

/// Runs the `glimpse` binary that `swift build`/`swift test` built beside the test bundle.
public func runGlimpse(
    _ arguments: [String], timeout: TimeInterval? = nil, standardInput: String? = nil
) throws -> ProcessResult {
    try runProcess(glimpseExecutable, arguments, timeout: timeout, standardInput: standardInput)
}

/// The path of the built `glimpse` executable.
public let glimpseExecutable: String = {
    // The test bundle lives in the products directory (.build/<config>/), as does the binary.
    var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    while url.path != "/" {
        let candidate = url.appendingPathComponent("glimpse").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        url.deleteLastPathComponent()
    }
    return Fixtures.root.appendingPathComponent(".build/debug/glimpse").path
}()
