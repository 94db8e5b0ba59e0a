// Finding a shipped model when the user names none.
import Foundation

enum ModelLocation {
    /// `explicit` if given; else `$GLIMPSE_MODELS/<name>`, `./models/<name>`, or
    /// `models/<name>` in a folder above the executable (a source checkout's build). When
    /// `name` is a ``ModelKind`` and `explicit` holds a model of another kind, throws naming it.
    static func resolve(_ explicit: String?, name: String) throws -> String {
        if let explicit {
            try ModelKind(rawValue: name)?.check(explicit)
            return explicit
        }
        var candidates: [String] = []
        if let root = ProcessInfo.processInfo.environment["GLIMPSE_MODELS"] {
            candidates.append(root + "/" + name)
        }
        candidates.append(FileManager.default.currentDirectoryPath + "/models/" + name)
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        while url.path != "/" {
            url.deleteLastPathComponent()
            candidates.append(url.appendingPathComponent("models/" + name).path)
        }
        for candidate in candidates
        where FileManager.default.fileExists(atPath: candidate + "/config.json") {
            return candidate
        }
        throw ValidationFailure(
            "no --model given and the shipped models/\(name) was not found "
                + "(set GLIMPSE_MODELS to the folder holding it)")
    }
}
