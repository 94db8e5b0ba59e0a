// PNG decoding and encoding through libpng (via the CPNGShim status-code wrapper).
import CPNGShim
import Foundation

/// libpng behind Swift errors. Use ``Image/init(decoding:source:layout:limits:)`` rather than
/// calling this directly.
enum PNGCodec {
    /// The header fields of a PNG file.
    struct Header {
        var width: Int
        var height: Int
        var bitDepth: Int
        var hasAlpha: Bool
        var interlaced: Bool
        /// `gray`, `gray+alpha`, `rgb`, `rgba` or `palette` (IHDR colour type 0, 4, 2, 6, 3).
        var colorType: String
        /// Samples per pixel as stored (libpng's `png_get_channels`).
        var channels: Int
        /// Bytes of the iCCP chunk's profile; nil when there is none.
        var iccProfileLength: Int?
    }

    static func header(of bytes: [UInt8], source: String) throws(MediaError) -> Header {
        var info = glimpse_png_info()
        var message = [CChar](repeating: 0, count: Int(GLIMPSE_PNG_ERROR_LENGTH))
        let decoder = bytes.withUnsafeBufferPointer {
            glimpse_png_open($0.baseAddress, $0.count, &info, &message)
        }
        guard let decoder else {
            throw .corrupt(path: source, reason: "PNG: " + string(from: message))
        }
        glimpse_png_close(decoder)
        return Header(
            width: Int(info.width), height: Int(info.height), bitDepth: Int(info.bit_depth),
            hasAlpha: info.has_alpha != 0, interlaced: info.interlaced != 0,
            colorType: String(cString: glimpse_png_color_type_name(info.color_type)),
            channels: Int(info.channels),
            iccProfileLength: info.icc_profile_length > 0 ? Int(info.icc_profile_length) : nil)
    }

    static func decode(
        _ bytes: [UInt8], source: String, layout: PixelLayout?, limits: DecodeLimits
    ) throws(MediaError) -> Image {
        try bytes.withUnsafeBufferPointer { buffer throws(MediaError) -> Image in
            var info = glimpse_png_info()
            var message = [CChar](repeating: 0, count: Int(GLIMPSE_PNG_ERROR_LENGTH))
            guard let decoder = glimpse_png_open(buffer.baseAddress, buffer.count, &info, &message)
            else {
                throw .corrupt(path: source, reason: "PNG: " + string(from: message))
            }
            defer { glimpse_png_close(decoder) }
            let width = Int(info.width)
            let height = Int(info.height)
            try limits.check(width: width, height: height, path: source)
            let layout = layout ?? (info.has_alpha != 0 ? .rgba : .rgb)
            guard
                let byteCount = DecodeLimits.byteCount(
                    width: width, height: height, channels: layout.channels)
            else {
                throw .tooLarge(
                    path: source, width: width, height: height,
                    limit: limits.effectiveMaxPixels)
            }
            var pixels = [UInt8](repeating: 0, count: byteCount)
            let status = pixels.withUnsafeMutableBufferPointer {
                glimpse_png_decode(
                    decoder, Int32(layout.channels), $0.baseAddress, $0.count, &message)
            }
            guard status == 0 else {
                throw .corrupt(path: source, reason: "PNG: " + string(from: message))
            }
            return Image(width: width, height: height, layout: layout, pixels: pixels)
        }
    }

    /// Encodes `image` losslessly with zlib `compressionLevel` (0–9, default 6 as libpng).
    static func encode(
        _ image: Image, compressionLevel: Int = 6, destination: String
    ) throws(MediaError) -> [UInt8] {
        var output: UnsafeMutablePointer<UInt8>?
        var size = 0
        var message = [CChar](repeating: 0, count: Int(GLIMPSE_PNG_ERROR_LENGTH))
        let status = image.pixels.withUnsafeBufferPointer {
            glimpse_png_encode(
                $0.baseAddress, UInt32(image.width), UInt32(image.height), Int32(image.channels),
                Int32(compressionLevel), &output, &size, &message)
        }
        guard status == 0, let output else {
            throw .unwritable(path: destination, reason: "PNG: " + string(from: message))
        }
        defer { free(output) }
        return Array(UnsafeBufferPointer(start: output, count: size))
    }
}

/// The text of a NUL-terminated C buffer.
func string(from buffer: [CChar]) -> String {
    let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
    return String(decoding: bytes, as: UTF8.self)
}
