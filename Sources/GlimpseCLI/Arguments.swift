// Argument types shared by the commands.
import ArgumentParser
import GlimpseMedia

/// A `WxH` size such as `320x240`.
struct Size: ExpressibleByArgument {
    var width: Int
    var height: Int

    init?(argument: String) {
        let parts = argument.lowercased().split(separator: "x")
        guard parts.count == 2, let width = Int(parts[0]), let height = Int(parts[1]),
            width > 0, height > 0, width <= 65536, height <= 65536
        else { return nil }
        self.width = width
        self.height = height
    }

    static var defaultValueDescription: String { "WxH" }
}

extension ResizeMethod: ExpressibleByArgument {}

/// Options every decoding command takes.
struct DecodeOptions: ParsableArguments {
    @Option(help: "Refuse images or frames larger than this many pixels (decompression bombs).")
    var maxPixels: Int = DecodeLimits.standard.maxPixels

    var limits: DecodeLimits { DecodeLimits(maxPixels: maxPixels) }
}
