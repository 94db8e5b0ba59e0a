// `glimpse image info` and `glimpse image convert`.
import ArgumentParser
import GlimpseMedia

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image", abstract: "Inspect and convert PNG and JPEG images.",
        subcommands: [Info.self, Convert.self])

    struct Info: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an image's format, size, bit depth and colour information.",
            discussion: """
                Values are as stored in the file, read from its header by libpng and \
                TurboJPEG: bit_depth (PNG 1-16, bits per index for a palette; JPEG 8), \
                color_type (PNG: gray, gray+alpha, rgb, rgba, palette; JPEG: null), channels \
                (PNG channels, JPEG components), colorspace and subsampling (JPEG; PNG: null), \
                has_alpha (alpha channel or PNG tRNS), has_icc_profile (PNG iCCP chunk, JPEG \
                APP2 ICC_PROFILE), interlaced, orientation (JPEG EXIF 1-8, else null).
                """)

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
            print(Self.describe(info, file: file))
        }

        /// One line: `a.png: png 32x32, 16-bit rgba, alpha, no ICC profile`,
        /// `b.jpg: jpeg 97x61, 8-bit ycbcr (3 components), 4:2:0, no alpha, no ICC profile`.
        static func describe(_ info: ImageInfo, file: String) -> String {
            var details: [String] = []
            if let colorType = info.colorType {
                details.append("\(info.bitDepth)-bit \(colorType)")
            } else {
                let components = "\(info.channels) component" + (info.channels == 1 ? "" : "s")
                details.append(
                    "\(info.bitDepth)-bit \(info.colorspace ?? "unknown") (\(components))")
            }
            if let subsampling = info.subsampling, info.colorspace != "gray" {
                details.append(subsampling)
            }
            let alphaChannel = info.colorType == "rgba" || info.colorType == "gray+alpha"
            details.append(
                info.hasAlpha
                    ? (alphaChannel || info.format != .png ? "alpha" : "alpha (tRNS)")
                    : "no alpha")
            details.append(info.hasICCProfile ? "ICC profile" : "no ICC profile")
            if info.interlaced { details.append("interlaced") }
            if let orientation = info.orientation {
                details.append("EXIF orientation \(orientation)")
            }
            return "\(file): \(info.format.rawValue) \(info.width)x\(info.height), "
                + details.joined(separator: ", ")
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
