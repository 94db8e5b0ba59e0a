// MODEL_DIR/training.png: the training loss and one validation metric against the step, axes
// labelled, drawn with GlimpseMedia's own drawing code (people would rather look at a curve
// than read a log). Loss on the left axis, the metric on the right, each scaled to its range.
import Foundation
import GlimpseMedia

/// Draws a run's ``TrainingRecord``s as a chart.
public enum TrainingCurve {
    /// The name of the file in a model directory.
    public static let fileName = "training.png"
    public static let width = 720
    public static let height = 420
    /// The plot area inside the margins (left, top, right, bottom edges).
    public static let plot = (left: 70, top: 36, right: 650, bottom: 370)

    static let background: [UInt8] = [255, 255, 255]
    static let ink: [UInt8] = [40, 40, 40]
    static let grid: [UInt8] = [225, 225, 225]
    static let lossColor: [UInt8] = [31, 119, 180]
    static let metricColor: [UInt8] = [230, 110, 0]

    /// The chart of `records`: every training row's loss, and validation rows' `metric`.
    public static func image(of records: [TrainingRecord], metric: String?) -> Image {
        var image = Image(width: width, height: height, filledWith: background)
        let losses = records.compactMap { r in r.loss.map { (Double(r.step), $0) } }
            .filter { $0.1.isFinite }
        let metrics =
            metric.map { name in
                records.compactMap { r in r.validation?[name].map { (Double(r.step), $0) } }
                    .filter { $0.1.isFinite }
            } ?? []
        let steps = (losses + metrics).map(\.0)
        let xRange = range(steps, padding: 0)
        for k in 0...4 {
            let y = plot.top + (plot.bottom - plot.top) * k / 4
            image.drawLine(fromX: plot.left, y: y, toX: plot.right, y: y, color: grid)
        }
        image.drawLine(fromX: plot.left, y: plot.top, toX: plot.left, y: plot.bottom, color: ink)
        image.drawLine(
            fromX: plot.left, y: plot.bottom, toX: plot.right, y: plot.bottom, color: ink)
        image.drawText(
            "step", x: (plot.left + plot.right) / 2 - 12, y: plot.bottom + 22, color: ink)
        image.drawText(label(xRange.lowerBound), x: plot.left, y: plot.bottom + 6, color: ink)
        let last = label(xRange.upperBound)
        image.drawText(
            last, x: plot.right - BitmapFont.size(of: last).width, y: plot.bottom + 6, color: ink)

        image.drawText("training loss", x: plot.left, y: 12, color: lossColor, scale: 1)
        draw(losses, xRange: xRange, color: lossColor, axisX: 4, alignRight: false, on: &image)
        if let metric, !metrics.isEmpty {
            let title = "validation " + metric
            image.drawText(
                title, x: plot.right - BitmapFont.size(of: title).width, y: 12, color: metricColor)
            draw(
                metrics, xRange: xRange, color: metricColor, axisX: plot.right + 6,
                alignRight: true, on: &image, marks: true)
        }
        return image
    }

    /// Writes the chart as a PNG, atomically.
    public static func write(_ records: [TrainingRecord], metric: String?, to path: String)
        throws(MediaError)
    {
        try image(of: records, metric: metric).write(to: path)
    }

    /// One series as a polyline in the plot area, with its axis' extreme values as labels.
    private static func draw(
        _ points: [(Double, Double)], xRange: ClosedRange<Double>, color: [UInt8], axisX: Int,
        alignRight: Bool, on image: inout Image, marks: Bool = false
    ) {
        guard !points.isEmpty else { return }
        let yRange = range(points.map(\.1), padding: 0.05)
        for (value, y) in [(yRange.upperBound, plot.top), (yRange.lowerBound, plot.bottom - 9)] {
            let text = label(value)
            let x = alignRight ? axisX : max(0, plot.left - 6 - BitmapFont.size(of: text).width)
            image.drawText(text, x: x, y: y, color: color)
        }
        func position(_ point: (Double, Double)) -> (x: Int, y: Int) {
            let u = (point.0 - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound)
            let v = (point.1 - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)
            return (
                plot.left + Int((u * Double(plot.right - plot.left)).rounded()),
                plot.bottom - Int((v * Double(plot.bottom - plot.top)).rounded())
            )
        }
        var previous = position(points[0])
        for point in points {
            let here = position(point)
            image.drawLine(
                fromX: previous.x, y: previous.y, toX: here.x, y: here.y, color: color,
                thickness: 2)
            if marks {
                image.fillRectangle(x: here.x - 2, y: here.y - 2, width: 5, height: 5, color: color)
            }
            previous = here
        }
    }

    /// The span of `values`, widened by `padding` of itself (and to 1 when they are all equal).
    private static func range(_ values: [Double], padding: Double) -> ClosedRange<Double> {
        guard let low = values.min(), let high = values.max() else { return 0...1 }
        guard high > low else { return (low - 0.5)...(high + 0.5) }
        let margin = (high - low) * padding
        return (low - margin)...(high + margin)
    }

    private static func label(_ value: Double) -> String {
        String(format: abs(value) >= 1000 || value == value.rounded() ? "%.0f" : "%.3g", value)
    }
}
