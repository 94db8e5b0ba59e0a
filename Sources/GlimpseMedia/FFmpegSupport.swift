// Small helpers shared by the FFmpeg-based reader and writer: error text, rationals, logging.
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
}
