// Finding a shipped model when the user names none.
import Foundation

enum ModelLocation {
    /// `explicit` if given; else `$GLIMPSE_MODELS/<name>`, `./models/<name>`, or
    /// `models/<name>` in a folder above the executable (a source checkout's build).
    static func resolve(_ explicit: String?, name: String) throws -> String {
        if let explicit { return explicit }
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

/// Expanding file arguments: files as given, folders to their images (or videos), glob
/// patterns.
enum ImageArguments {
    static let extensions: Set<String> = ["png", "jpg", "jpeg"]
    static let videoExtensions: Set<String> = ["mp4", "mkv", "mov", "avi", "webm", "m4v"]

    /// The files, and whether any argument was a folder or pattern (streaming mode).
    static func expand(_ arguments: [String], extensions: Set<String> = extensions) throws -> (
        paths: [String], streaming: Bool
    ) {
        var paths: [String] = []
        var streaming = false
        for argument in arguments {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: argument, isDirectory: &isDirectory),
                isDirectory.boolValue
            {
                streaming = true
                let names = try FileManager.default.contentsOfDirectory(atPath: argument)
                paths += names.filter {
                    extensions.contains(URL(fileURLWithPath: $0).pathExtension.lowercased())
                }.sorted().map { argument + "/" + $0 }
            } else if argument.contains(where: { "*?[".contains($0) }) {
                streaming = true
                paths += glob(argument)
            } else {
                paths.append(argument)
            }
        }
        guard !paths.isEmpty else {
            throw ValidationFailure(
                "no \(extensions == Self.extensions ? "images" : "videos") found in "
                    + arguments.joined(separator: " "))
        }
        return (paths, streaming)
    }

    private static func glob(_ pattern: String) -> [String] {
        var result = glob_t()
        defer { globfree(&result) }
        guard Glibc.glob(pattern, 0, nil, &result) == 0 else { return [] }
        return (0..<Int(result.gl_pathc)).compactMap { index in
            result.gl_pathv[index].map { String(cString: $0) }
        }.sorted()
    }
}
