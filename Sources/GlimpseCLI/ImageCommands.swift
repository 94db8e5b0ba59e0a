// `glimpse image info` and `glimpse image convert`.
import ArgumentParser
import GlimpseMedia

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Inspect and convert PNG and JPEG images.",
        subcommands: [Info.self, Convert.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an image's format, size, bit depth and colour information.")

        @Argument(help: "The image file (PNG or JPEG, recognised by content).")
        var file: String
        @Flag(help: "Print one JSON object.")
        var json = false

        func run() throws {
            let info = try ImageInfo(contentsOf: file)
            if json {
                try Standard.printJSON(PathTagged(path: file, value: info))
                return
            }
            var details = ["\(info.bitDepth)-bit"]
            if let colorspace = info.colorspace { details.append(colorspace) }
            if let subsampling = info.subsampling, info.colorspace != "gray" {
                details.append(subsampling)
            }
            if info.hasAlpha { details.append("alpha") }
            if info.interlaced { details.append("interlaced") }
            if let orientation = info.orientation {
                details.append("EXIF orientation \(orientation)")
            }
            print(
                "\(file): \(info.format.rawValue) \(info.width)x\(info.height), "
                    + details.joined(separator: ", "))
        }
    }

    struct Convert: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Decode an image and write it as PNG or JPEG (format from OUT's extension).")

        @Argument(help: "The input image.")
        var input: String
        @Argument(help: "The output file: .png, .jpg or .jpeg. Written atomically.")
        var output: String
        @Option(help: "Resize to WxH.")
        var size: Size?
        @Option(help: "Resampling for --size: bilinear or area.")
        var method: ResizeMethod = .area
        @Option(help: "JPEG quality, 1-100.")
        var quality: Int = 90
        @OptionGroup var decode: DecodeOptions

        func validate() throws {
            guard (1...100).contains(quality) else {
                throw ValidationError("--quality must be 1...100, got \(quality)")
            }
            try size?.validate(within: decode.limits)
        }

        func run() throws {
            var image = try Image(contentsOf: input, limits: decode.limits)
            if let size {
                image = image.resized(width: size.width, height: size.height, method: method)
            }
            try image.write(to: output, quality: quality)
        }
    }
}

/// A value printed as JSON together with the file it describes.
struct PathTagged<Value: Encodable>: Encodable {
    var path: String
    var value: Value

    func encode(to encoder: any Encoder) throws {
        try value.encode(to: encoder)
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(path, forKey: .path)
    }

    enum Key: String, CodingKey { case path }
}
