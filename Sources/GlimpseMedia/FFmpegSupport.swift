// Small helpers shared by the FFmpeg-based reader and writer: error text, rationals, logging,
// and the frame buffers swscale converts between.
import CFFmpeg

enum FFmpeg {
    /// FFmpeg's own text for an AVERROR code (`av_strerror`).
    static func describe(_ code: Int32) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        av_strerror(code, &buffer, buffer.count)
        return string(from: buffer)
    }

    static let again = glimpse_averror_eagain()
    static let endOfFile = glimpse_averror_eof()
    static let noTimestamp = glimpse_av_nopts_value()

    /// FFmpeg's log goes to stderr; Glimpse reports errors itself, so the library stays quiet.
    static func silenceLogging() {
        glimpse_av_log_quiet()
    }

    static func seconds(_ rational: AVRational) -> Double {
        rational.den == 0 ? 0 : Double(rational.num) / Double(rational.den)
    }

    /// A frame of `width` × `height` in `format` whose planes FFmpeg allocates itself: rows
    /// aligned and padded as swscale's vector code reads and writes them (it works in blocks
    /// and overruns a tightly packed row). Nil when the allocation fails.
    static func allocateFrame(width: Int, height: Int, format: AVPixelFormat)
        -> UnsafeMutablePointer<AVFrame>?
    {
        var frame = av_frame_alloc()
        guard let allocated = frame else { return nil }
        allocated.pointee.width = Int32(width)
        allocated.pointee.height = Int32(height)
        allocated.pointee.format = format.rawValue
        guard av_frame_get_buffer(allocated, 0) >= 0 else {
            av_frame_free(&frame)
            return nil
        }
        return allocated
    }

    /// Converts all of `source` into `destination` (both sized as `scaler` was made for);
    /// returns the number of destination rows written, or a negative AVERROR code.
    static func scale(
        _ scaler: OpaquePointer, from source: UnsafeMutablePointer<AVFrame>,
        to destination: UnsafeMutablePointer<AVFrame>
    ) -> Int32 {
        withUnsafePointer(to: &source.pointee.data) { sourceData in
            withUnsafePointer(to: &source.pointee.linesize) { sourceStride in
                withUnsafePointer(to: &destination.pointee.data) { destinationData in
                    withUnsafePointer(to: &destination.pointee.linesize) { destinationStride in
                        sourceData.withMemoryRebound(to: UnsafePointer<UInt8>?.self, capacity: 8) {
                            src in
                            destinationData.withMemoryRebound(
                                to: UnsafeMutablePointer<UInt8>?.self, capacity: 8
                            ) { dst in
                                sourceStride.withMemoryRebound(to: Int32.self, capacity: 8) {
                                    srcStride in
                                    destinationStride.withMemoryRebound(
                                        to: Int32.self, capacity: 8
                                    ) { dstStride in
                                        sws_scale(
                                            scaler, src, srcStride, 0, source.pointee.height, dst,
                                            dstStride)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
