// Decoded video frames to tight RGB images at one output size, through one swscale context
// reused while the source format and sizes stay the same.
import CFFmpeg

/// Converts a video reader's decoded frames to RGB at a requested size (as shown, after
/// rotation) or at the stream's own size.
final class FrameConverter {
    /// The video's name, for errors.
    private let path: String
    private let limits: DecodeLimits
    private var scaler: OpaquePointer?
    /// swscale's destination, aligned and padded, reused while the output size stays the same.
    private var destination: UnsafeMutablePointer<AVFrame>?

    init(path: String, limits: DecodeLimits) {
        self.path = path
        self.limits = limits
    }

    deinit {
        sws_freeContext(scaler)
        av_frame_free(&destination)
    }

    /// `frame` as an upright RGB image of `size` (as shown, after `orientation`), or of the
    /// frame's own size when `size` is nil.
    func convert(
        _ frame: UnsafeMutablePointer<AVFrame>, to size: (width: Int, height: Int)?,
        orientation: Orientation
    ) throws(MediaError) -> Image {
        let sourceWidth = Int(frame.pointee.width)
        let sourceHeight = Int(frame.pointee.height)
        // The requested size is as shown; scale to the stored orientation, then rotate.
        var (width, height) =
            size
            ?? (orientation.swapsDimensions
                ? (sourceHeight, sourceWidth) : (sourceWidth, sourceHeight))
        if orientation.swapsDimensions { swap(&width, &height) }

        scaler = sws_getCachedContext(
            scaler, Int32(sourceWidth), Int32(sourceHeight),
            AVPixelFormat(frame.pointee.format), Int32(width), Int32(height), AV_PIX_FMT_RGB24,
            SWS_BICUBIC, nil, nil, nil)
        guard let scaler else {
            throw .unsupported(path: path, reason: "cannot convert this pixel format to RGB")
        }
        Self.applyColorspace(of: frame, to: scaler)
        let destination = try rgbFrame(width: width, height: height)
        let converted = FFmpeg.scale(scaler, from: frame, to: destination)
        guard converted == Int32(height) else {
            throw .corrupt(
                path: path, reason: "RGB conversion produced \(converted) of \(height) rows")
        }
        // Only the tight rows are copied out: swscale's padding stays in FFmpeg's buffer.
        let stride = width * 3
        guard case (let byteCount, false) = stride.multipliedReportingOverflow(by: height) else {
            throw .tooLarge(
                path: path, width: width, height: height, limit: limits.effectiveMaxPixels)
        }
        let pixels = [UInt8](unsafeUninitializedCapacity: byteCount) { buffer, count in
            av_image_copy_plane(
                buffer.baseAddress, Int32(stride), destination.pointee.data.0,
                destination.pointee.linesize.0, Int32(stride), Int32(height))
            count = byteCount
        }
        return Image(width: width, height: height, layout: .rgb, pixels: pixels)
            .applying(orientation)
    }

    /// The RGB frame swscale writes into, made anew only when the output size changes.
    private func rgbFrame(width: Int, height: Int) throws(MediaError) -> UnsafeMutablePointer<
        AVFrame
    > {
        if let destination, destination.pointee.width == Int32(width),
            destination.pointee.height == Int32(height)
        {
            return destination
        }
        av_frame_free(&destination)
        destination = FFmpeg.allocateFrame(width: width, height: height, format: AV_PIX_FMT_RGB24)
        guard let destination else {
            throw .unreadable(path: path, reason: "out of memory for a \(width)x\(height) frame")
        }
        return destination
    }

    /// Use the frame's own matrix and range, as the ffmpeg CLI's scale filter does ("auto").
    private static func applyColorspace(
        of frame: UnsafeMutablePointer<AVFrame>, to scaler: OpaquePointer
    ) {
        var inverseTable: UnsafeMutablePointer<Int32>?
        var table: UnsafeMutablePointer<Int32>?
        var sourceRange: Int32 = 0
        var destinationRange: Int32 = 0
        var brightness: Int32 = 0
        var contrast: Int32 = 0
        var saturation: Int32 = 0
        guard
            sws_getColorspaceDetails(
                scaler, &inverseTable, &sourceRange, &table, &destinationRange, &brightness,
                &contrast, &saturation) >= 0
        else { return }
        let space = frame.pointee.colorspace
        let coefficients =
            space == AVCOL_SPC_UNSPECIFIED || space == AVCOL_SPC_RGB
            ? sws_getCoefficients(SWS_CS_DEFAULT) : sws_getCoefficients(Int32(space.rawValue))
        let fullRange: Int32 = frame.pointee.color_range == AVCOL_RANGE_JPEG ? 1 : sourceRange
        sws_setColorspaceDetails(
            scaler, coefficients, fullRange, table, destinationRange, brightness, contrast,
            saturation)
    }
}
