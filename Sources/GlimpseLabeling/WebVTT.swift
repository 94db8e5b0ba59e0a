// WebVTT subtitles of labelled segments, the file a video player shows over the video: one cue
// per segment, `label (97%)`, timed hh:mm:ss.ttt (W3C WebVTT, section 4).

/// Formatting segments as a WebVTT document.
public enum WebVTT {
    /// `WEBVTT`, a blank line, then one numbered cue per segment.
    public static func document(_ segments: [SegmentLine]) -> String {
        var text = "WEBVTT\n\n"
        for (index, segment) in segments.enumerated() {
            text += "\(index + 1)\n"
            text += "\(timestamp(segment.start)) --> \(timestamp(segment.end))\n"
            text += "\(segment.label) (\(Int((segment.confidence * 100).rounded()))%)\n\n"
        }
        return text
    }

    /// `hh:mm:ss.ttt`, rounded to the millisecond (negative times are clamped to zero).
    public static func timestamp(_ seconds: Double) -> String {
        let milliseconds = seconds.isFinite ? Int((max(0, seconds) * 1000).rounded()) : 0
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(milliseconds / 3_600_000, 2) + ":" + padded(milliseconds / 60000 % 60, 2)
            + ":" + padded(milliseconds / 1000 % 60, 2) + "." + padded(milliseconds % 1000, 3)
    }
}
