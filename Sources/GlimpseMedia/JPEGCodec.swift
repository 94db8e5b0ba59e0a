// JPEG decoding and encoding through libjpeg-turbo's TurboJPEG API, which reports errors as
// return values (no longjmp), plus the EXIF orientation that TurboJPEG does not apply.
import CTurboJPEG

/// TurboJPEG behind Swift errors. Use ``Image/init(decoding:source:layout:limits:)``.
enum JPEGCodec {
    /// The header fields of a JPEG file.
    struct Header {
        var width: Int
        var height: Int
        var colorspace: String
        var subsampling: String
        /// Components (samples per pixel) the colour space has: gray 1, YCbCr/RGB 3,
        /// CMYK/YCCK 4.
        var components: Int
    }

    private final class Handle {
        let raw: tjhandle
        init(decompressing: Bool, source: String) throws(MediaError) {
            guard let raw = decompressing ? tjInitDecompress() : tjInitCompress() else {
                throw .unreadable(path: source, reason: "cannot initialise TurboJPEG")
            }
            self.raw = raw
        }
        deinit { tjDestroy(raw) }

        var message: String { String(cString: tjGetErrorStr2(raw)) }
    }

    private static func readHeader(
        _ handle: Handle, _ bytes: UnsafeBufferPointer<UInt8>, source: String
    ) throws(MediaError) -> (width: Int, height: Int, subsampling: Int32, colorspace: Int32) {
        var width: Int32 = 0
        var height: Int32 = 0
        var subsampling: Int32 = 0
        var colorspace: Int32 = 0
        guard
            tjDecompressHeader3(
                handle.raw, bytes.baseAddress, UInt(bytes.count), &width, &height, &subsampling,
                &colorspace) == 0
        else {
            throw classify(handle.message, source: source)
        }
        // TurboJPEG 2.1 reports success with a 0x0 size when the data ends before any frame
        // header (SOF), e.g. inside a damaged APPn segment.
        guard width > 0, height > 0 else {
            throw .corrupt(
                path: source, reason: "JPEG: no frame header (SOF) before the end of the data")
        }
        return (Int(width), Int(height), subsampling, colorspace)
    }

    /// 12-bit and lossless JPEGs are valid files TurboJPEG 2.1 cannot decode; say so plainly.
    private static func classify(_ message: String, source: String) -> MediaError {
        if message.contains("precision") || message.contains("Unsupported JPEG process") {
            return .unsupported(
                path: source, reason: "JPEG: \(message) (only 8-bit JPEG is decoded)")
        }
        return .corrupt(path: source, reason: "JPEG: \(message)")
    }

    static func header(of bytes: [UInt8], source: String) throws(MediaError) -> Header {
        let handle = try Handle(decompressing: true, source: source)
        return try bytes.withUnsafeBufferPointer { buffer throws(MediaError) -> Header in
            let (width, height, subsampling, colorspace) = try readHeader(
                handle, buffer, source: source)
            return Header(
                width: width, height: height, colorspace: describe(colorspace: colorspace),
                subsampling: describe(subsampling: subsampling),
                components: components(of: colorspace))
        }
    }

    /// The smallest DCT scaling (1/8, 2/8 … 8/8) whose output covers `minimum` in both
    /// directions; decoding at 1/8 skips most of the inverse DCT work.
    private static func scaledSize(
        width: Int, height: Int, minimum: (width: Int, height: Int)?
    ) -> (width: Int, height: Int) {
        guard let minimum else { return (width, height) }
        for eighths in 1...8 {
            let w = (width * eighths + 7) / 8
            let h = (height * eighths + 7) / 8
            if w >= minimum.width && h >= minimum.height { return (w, h) }
        }
        return (width, height)
    }

    static func decode(
        _ bytes: [UInt8], source: String, layout: PixelLayout?, limits: DecodeLimits,
        minimumSize: (width: Int, height: Int)? = nil
    ) throws(MediaError) -> Image {
        let handle = try Handle(decompressing: true, source: source)
        let orientation = Orientation(exifOfJPEG: bytes)
        // The minimum is asked of the picture as shown; the decoder sees it as stored.
        let storedMinimum = minimumSize.map {
            orientation?.swapsDimensions == true ? ($0.height, $0.width) : $0
        }
        var image = try bytes.withUnsafeBufferPointer { buffer throws(MediaError) -> Image in
            let (fullWidth, fullHeight, _, colorspace) = try readHeader(
                handle, buffer, source: source)
            try limits.check(width: fullWidth, height: fullHeight, path: source)
            let (width, height) = scaledSize(
                width: fullWidth, height: fullHeight, minimum: storedMinimum)
            let isCMYK =
                colorspace == Int32(TJCS_CMYK.rawValue) || colorspace == Int32(TJCS_YCCK.rawValue)
            let channels = isCMYK ? 4 : 3
            guard
                let byteCount = DecodeLimits.byteCount(
                    width: width, height: height, channels: channels)
            else {
                throw .tooLarge(
                    path: source, width: width, height: height,
                    limit: limits.effectiveMaxPixels)
            }
            var pixels = [UInt8](repeating: 0, count: byteCount)
            let format = isCMYK ? TJPF_CMYK : TJPF_RGB
            let status = pixels.withUnsafeMutableBufferPointer {
                tjDecompress2(
                    handle.raw, buffer.baseAddress, UInt(buffer.count), $0.baseAddress,
                    Int32(width), 0, Int32(height), Int32(format.rawValue), 0)
            }
            // TurboJPEG also returns -1 for warnings such as "Premature end of JPEG file":
            // the output would be partly grey filler, so a warning is an error here too.
            guard status == 0 else { throw classify(handle.message, source: source) }
            let rgb = isCMYK ? rgbFromInvertedCMYK(pixels) : pixels
            return Image(width: width, height: height, layout: .rgb, pixels: rgb)
        }
        if let orientation {
            image = image.applying(orientation)
        }
        return layout == .rgba ? image.addingAlpha() : image
    }

    /// Adobe CMYK JPEGs store inverted ink values (255 = no ink), so R = C·K / 255 and so on,
    /// the conversion libjpeg-turbo's own tools and browsers use.
    private static func rgbFromInvertedCMYK(_ cmyk: [UInt8]) -> [UInt8] {
        let count = cmyk.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        for i in 0..<count {
            let k = UInt32(cmyk[i * 4 + 3])
            for c in 0..<3 {
                rgb[i * 3 + c] = UInt8((UInt32(cmyk[i * 4 + c]) * k + 127) / 255)
            }
        }
        return rgb
    }

    /// Encodes `image` (alpha dropped) at `quality` 1–100 with 4:2:0 chroma subsampling.
    static func encode(_ image: Image, quality: Int, destination: String) throws(MediaError)
        -> [UInt8]
    {
        guard (1...100).contains(quality) else {
            throw .invalidArgument("JPEG quality must be 1...100, got \(quality)")
        }
        let handle = try Handle(decompressing: false, source: destination)
        let rgb = image.droppingAlpha()
        var output: UnsafeMutablePointer<UInt8>?
        var size: UInt = 0
        let status = rgb.pixels.withUnsafeBufferPointer {
            tjCompress2(
                handle.raw, $0.baseAddress, Int32(rgb.width), 0, Int32(rgb.height),
                Int32(TJPF_RGB.rawValue), &output, &size, Int32(TJSAMP_420.rawValue),
                Int32(quality), 0)
        }
        defer { if let output { tjFree(output) } }
        guard status == 0, let output else {
            throw .unwritable(path: destination, reason: "JPEG: \(handle.message)")
        }
        return Array(UnsafeBufferPointer(start: output, count: Int(size)))
    }

    private static func describe(colorspace: Int32) -> String {
        switch colorspace {
        case Int32(TJCS_RGB.rawValue): "rgb"
        case Int32(TJCS_YCbCr.rawValue): "ycbcr"
        case Int32(TJCS_GRAY.rawValue): "gray"
        case Int32(TJCS_CMYK.rawValue): "cmyk"
        case Int32(TJCS_YCCK.rawValue): "ycck"
        default: "unknown"
        }
    }

    private static func components(of colorspace: Int32) -> Int {
        switch colorspace {
        case Int32(TJCS_GRAY.rawValue): 1
        case Int32(TJCS_CMYK.rawValue), Int32(TJCS_YCCK.rawValue): 4
        default: 3
        }
    }

    private static func describe(subsampling: Int32) -> String {
        switch subsampling {
        case Int32(TJSAMP_444.rawValue): "4:4:4"
        case Int32(TJSAMP_422.rawValue): "4:2:2"
        case Int32(TJSAMP_420.rawValue): "4:2:0"
        case Int32(TJSAMP_GRAY.rawValue): "gray"
        case Int32(TJSAMP_440.rawValue): "4:4:0"
        case Int32(TJSAMP_411.rawValue): "4:1:1"
        default: "other"
        }
    }
}
