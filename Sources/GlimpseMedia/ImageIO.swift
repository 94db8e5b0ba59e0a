// Decoding any supported image from bytes or a file, and encoding to PNG or JPEG.

extension Image {
    /// Decodes a PNG or JPEG, recognised by its content.
    ///
    /// - Parameters:
    ///   - bytes: the encoded file.
    ///   - source: the name used in error messages (usually the path).
    ///   - layout: `.rgb` or `.rgba`; nil keeps alpha only when the file has it (alpha channel
    ///     or PNG tRNS). Alpha is dropped without compositing, as Pillow's `convert("RGB")`.
    ///   - limits: the pixel budget checked against the header before allocating.
    ///   - minimumSize: JPEG only: decode at the smallest DCT scale (1/8 … 1) that still covers
    ///     this size, which is several times faster when a small model input is all that is
    ///     needed. Other formats decode at full size.
    public init(
        decoding bytes: [UInt8], source: String = "<memory>", layout: PixelLayout? = nil,
        limits: DecodeLimits = .standard, minimumSize: (width: Int, height: Int)? = nil
    ) throws(MediaError) {
        guard !bytes.isEmpty else { throw .corrupt(path: source, reason: "file is empty") }
        switch ImageFormat.detect(bytes) {
        case .png: self = try PNGCodec.decode(bytes, source: source, layout: layout, limits: limits)
        case .jpeg:
            self = try JPEGCodec.decode(
                bytes, source: source, layout: layout, limits: limits, minimumSize: minimumSize)
        case nil: throw .unrecognizedFormat(path: source)
        }
    }

    /// Reads and decodes the image file at `path`, which must be a regular file (a directory,
    /// FIFO or device is refused without reading it) of at most `limits.maxFileBytes` bytes.
    public init(
        contentsOf path: String, layout: PixelLayout? = nil, limits: DecodeLimits = .standard
    ) throws(MediaError) {
        try self.init(
            decoding: try MediaFile.read(path, limit: limits.maxFileBytes), source: path,
            layout: layout, limits: limits)
    }

    /// The image encoded as `format`; `quality` (1–100) applies to JPEG, which drops alpha.
    public func encoded(as format: ImageFormat, quality: Int = 90) throws(MediaError) -> [UInt8] {
        switch format {
        case .png: try PNGCodec.encode(self, destination: "<memory>")
        case .jpeg: try JPEGCodec.encode(self, quality: quality, destination: "<memory>")
        }
    }

    /// Writes the image atomically to `path`, in the format its extension names.
    public func write(to path: String, quality: Int = 90) throws(MediaError) {
        let ext = path.split(separator: "/").last?.split(separator: ".").last.map(String.init) ?? ""
        guard let format = ImageFormat(pathExtension: ext), path.contains(".") else {
            throw .unwritable(
                path: path, reason: "unknown image extension (use .png, .jpg or .jpeg)")
        }
        let bytes: [UInt8]
        switch format {
        case .png: bytes = try PNGCodec.encode(self, destination: path)
        case .jpeg: bytes = try JPEGCodec.encode(self, quality: quality, destination: path)
        }
        try MediaFile.write(bytes, to: path)
    }
}

/// What an image file's header says, read without decoding its pixels: the values as stored
/// in the file, before any conversion the decoder makes.
public struct ImageInfo: Codable, Equatable, Sendable {
    public var format: ImageFormat
    public var width: Int
    public var height: Int
    /// Bits per sample in the file: PNG 1, 2, 4, 8 or 16 (for a palette image, bits per
    /// index), JPEG 8.
    public var bitDepth: Int
    /// PNG colour type (IHDR): `gray`, `gray+alpha`, `rgb`, `rgba` or `palette`; JPEG: nil
    /// (see ``colorspace``).
    public var colorType: String?
    /// Samples per pixel as stored: PNG channels (libpng's `png_get_channels`: gray and
    /// palette 1, gray+alpha 2, rgb 3, rgba 4), JPEG components (gray 1, YCbCr 3, CMYK 4).
    public var channels: Int
    /// Whether the file carries transparency (PNG alpha channel or tRNS).
    public var hasAlpha: Bool
    /// Whether the file embeds an ICC colour profile (PNG iCCP chunk, JPEG APP2
    /// `ICC_PROFILE` segments). Decoding ignores it: pixels are the stored values.
    public var hasICCProfile: Bool
    /// JPEG: `ycbcr`, `gray`, `rgb`, `cmyk`, `ycck` (TurboJPEG's colour space); PNG: nil.
    public var colorspace: String?
    /// JPEG chroma subsampling such as `4:2:0`; PNG: nil.
    public var subsampling: String?
    /// PNG Adam7 interlacing.
    public var interlaced: Bool
    /// JPEG EXIF orientation (1–8) when present. `width`/`height` are as stored.
    public var orientation: Int?

    enum CodingKeys: String, CodingKey {
        case format, width, height, channels, colorspace, subsampling, interlaced, orientation
        case bitDepth = "bit_depth"
        case colorType = "color_type"
        case hasAlpha = "has_alpha"
        case hasICCProfile = "has_icc_profile"
    }

    /// Encodes every key, with `null` for values the format does not have.
    public func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(format, forKey: .format)
        try keyed.encode(width, forKey: .width)
        try keyed.encode(height, forKey: .height)
        try keyed.encode(bitDepth, forKey: .bitDepth)
        try keyed.encode(colorType, forKey: .colorType)
        try keyed.encode(channels, forKey: .channels)
        try keyed.encode(hasAlpha, forKey: .hasAlpha)
        try keyed.encode(hasICCProfile, forKey: .hasICCProfile)
        try keyed.encode(colorspace, forKey: .colorspace)
        try keyed.encode(subsampling, forKey: .subsampling)
        try keyed.encode(interlaced, forKey: .interlaced)
        try keyed.encode(orientation, forKey: .orientation)
    }

    /// Reads the header of the image in `bytes`.
    public init(decoding bytes: [UInt8], source: String = "<memory>") throws(MediaError) {
        guard !bytes.isEmpty else { throw .corrupt(path: source, reason: "file is empty") }
        switch ImageFormat.detect(bytes) {
        case .png:
            let header = try PNGCodec.header(of: bytes, source: source)
            self.init(
                format: .png, width: header.width, height: header.height,
                bitDepth: header.bitDepth, colorType: header.colorType,
                channels: header.channels, hasAlpha: header.hasAlpha,
                hasICCProfile: header.iccProfileLength != nil, colorspace: nil,
                subsampling: nil, interlaced: header.interlaced, orientation: nil)
        case .jpeg:
            let header = try JPEGCodec.header(of: bytes, source: source)
            self.init(
                format: .jpeg, width: header.width, height: header.height, bitDepth: 8,
                colorType: nil, channels: header.components, hasAlpha: false,
                hasICCProfile: JPEGMarkers.iccProfileLength(of: bytes) != nil,
                colorspace: header.colorspace, subsampling: header.subsampling,
                interlaced: false, orientation: Orientation(exifOfJPEG: bytes)?.rawValue)
        case nil: throw .unrecognizedFormat(path: source)
        }
    }

    /// Reads the header of the image file at `path` (a regular file) without reading the
    /// rest: the first 64 KiB, or when the header reaches further (large EXIF or ICC data
    /// before the picture) the first ``headerReadLimit`` bytes.
    public init(contentsOf path: String) throws(MediaError) {
        let size = try MediaFile.size(of: path)
        var failure: MediaError?
        for count in [64 << 10, Self.headerReadLimit] {
            do {
                try self.init(
                    decoding: try MediaFile.readPrefix(path, count: count), source: path)
                return
            } catch {
                failure = error
                // Only a header cut off by the prefix can succeed with more bytes.
                guard case .corrupt = error else { break }
            }
            if count >= size { break }
        }
        throw failure ?? .corrupt(path: path, reason: "no image header found")
    }

    /// How far into a file `init(contentsOf:)` looks for the header: 16 MiB.
    public static let headerReadLimit = 16 << 20

    public init(
        format: ImageFormat, width: Int, height: Int, bitDepth: Int, colorType: String?,
        channels: Int, hasAlpha: Bool, hasICCProfile: Bool, colorspace: String?,
        subsampling: String?, interlaced: Bool, orientation: Int?
    ) {
        self.format = format
        self.width = width
        self.height = height
        self.bitDepth = bitDepth
        self.colorType = colorType
        self.channels = channels
        self.hasAlpha = hasAlpha
        self.hasICCProfile = hasICCProfile
        self.colorspace = colorspace
        self.subsampling = subsampling
        self.interlaced = interlaced
        self.orientation = orientation
    }
}
