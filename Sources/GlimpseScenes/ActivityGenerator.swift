// Synthetic activity clips for frame labelling: one object that, segment after segment, moves,
// turns, grows, shrinks or bounces, separated by stretches where it stays still (background),
// with a smaller distractor drifting the whole time.
//
// No single frame reveals the label: in every frame the object is a filled rectangle of a random
// colour, aspect and orientation somewhere in the picture, with a size from one range — grow and
// shrink sweep the same range, a turning object has the angles any other may rest at, and moving
// and bouncing objects stay inside the same area. Only the change between frames tells the
// activity, so a model needs temporal context.
//
// And every labelled frame shows its activity: nothing stalls against a limit while its label
// says it acts. A move reflects off the edges of the area; a grow or shrink is chosen, at its
// segment's start, to fit the sizes left (the other one where they do not, at a rate slowed
// to fit where neither does); a bounce near the top hangs downwards.
import Foundation
import GlimpseMedia

/// The activities, in label order (background is time no segment covers).
public enum Activity: String, CaseIterable, Sendable {
    case move, turn, grow, shrink, bounce
}

/// One labelled stretch of a clip, in seconds.
public struct ActivitySegment: Equatable, Sendable {
    public var start: Double
    public var end: Double
    public var activity: Activity
}

/// A generated clip: its frames and segments.
public struct ActivityClip: Sendable {
    public var fps: Double
    public var frames: [Image]
    public var segments: [ActivitySegment]
}

/// Deterministic clips from a seed.
public struct ActivityGenerator: Sendable {
    public let seed: UInt64
    public let size: Int

    public static let sizes = 64...128

    public init(seed: UInt64, size: Int = 64) {
        self.seed = seed
        self.size = size
    }

    /// The `index`-th clip: 8–15 fps, 3–20 s (mostly 4–10 s), two to four activities.
    public func clip(_ index: Int) -> ActivityClip {
        var random = SceneRandom(seed: seed, index: index, stream: 0xAC71)
        let fps = Double(random.int(in: 8...15))
        func uniform(_ low: Double, _ high: Double) -> Double {
            low + (high - low) * Double(random.next() >> 11) / Double(1 << 53)
        }
        // Segments: still gaps of 0.6–1.5 s around activities of 1.5–3 s.
        var segments: [ActivitySegment] = []
        var time = uniform(0.6, 1.5)
        for _ in 0..<random.int(in: 2...4) {
            let length = uniform(1.5, 3)
            segments.append(
                ActivitySegment(
                    start: time, end: time + length, activity: random.element(of: Activity.allCases)
                ))
            time += length + uniform(0.6, 1.5)
        }
        let duration = min(20, max(3, time))
        let frameCount = Int((duration * fps).rounded())

        let s = Double(size)
        var object = Body(
            x: uniform(0.3, 0.7) * s, y: uniform(0.3, 0.7) * s, scale: uniform(0.12, 0.22) * s,
            aspect: uniform(0.4, 0.8), angle: uniform(0, .pi), color: color(&random))
        var distractor = Body(
            x: uniform(0.1, 0.9) * s, y: uniform(0.1, 0.9) * s, scale: 0.05 * s, aspect: 1,
            angle: 0, color: color(&random))
        let drift = (uniform(-1, 1) * s * 0.01, uniform(-1, 1) * s * 0.01)
        let background = [UInt8](repeating: UInt8(random.int(in: 20...60)), count: 3)
        // Per segment: a direction, a rate and a phase, drawn once.
        let motions = segments.map { _ in
            (dx: uniform(-1, 1), dy: uniform(-1, 1), rate: uniform(0.6, 1.0), spin: random.bool())
        }

        var frames: [Image] = []
        var bounce = (base: object.y, direction: -1.0)
        var velocity = (x: 0.0, y: 0.0)
        var growth = 0.0  // per second: > 0 grows, < 0 shrinks
        let (low, high) = (0.15 * s, 0.85 * s)
        let (smallest, largest) = (0.07 * s, 0.3 * s)
        for frame in 0..<frameCount {
            let t = Double(frame) / fps
            let dt = 1 / fps
            if let k = segments.firstIndex(where: { $0.start <= t && t < $0.end }) {
                let motion = motions[k]
                let segment = segments[k]
                if t - segment.start < dt {
                    // The segment's first frame: fit its motion to where the object is.
                    let length = max(
                        1e-6, (motion.dx * motion.dx + motion.dy * motion.dy).squareRoot())
                    let speed = motion.rate * 0.25 * s
                    velocity = (motion.dx / length * speed, motion.dy / length * speed)
                    bounce = (object.y, object.y - 0.15 * s >= low ? -1 : 1)
                    if segment.activity == .grow || segment.activity == .shrink {
                        let duration = segment.end - segment.start
                        let rate = motion.rate * (segment.activity == .grow ? 0.35 : 0.3)
                        let room = (
                            grow: log(largest / object.scale), shrink: log(object.scale / smallest)
                        )
                        var grows = segment.activity == .grow
                        if (grows ? room.grow : room.shrink) < rate * duration {
                            grows = room.grow >= room.shrink
                        }
                        segments[k].activity = grows ? .grow : .shrink
                        growth =
                            (grows ? 1 : -1)
                            * min(rate, (grows ? room.grow : room.shrink) / duration)
                    }
                }
                let into = t - segment.start
                switch segments[k].activity {
                case .move:
                    object.x += velocity.x * dt
                    object.y += velocity.y * dt
                    if object.x < low || object.x > high {
                        velocity.x = -velocity.x
                        object.x = object.x < low ? 2 * low - object.x : 2 * high - object.x
                    }
                    if object.y < low || object.y > high {
                        velocity.y = -velocity.y
                        object.y = object.y < low ? 2 * low - object.y : 2 * high - object.y
                    }
                case .turn:
                    object.angle += (motion.spin ? 1 : -1) * motion.rate * 2.5 * dt
                case .grow, .shrink:
                    object.scale = min(largest, max(smallest, object.scale * exp(growth * dt)))
                case .bounce:
                    object.y =
                        bounce.base + bounce.direction * abs(sin(into * 2 * .pi * motion.rate))
                        * 0.15 * s
                }
                object.x = min(max(object.x, low), high)
                object.y = min(max(object.y, low), high)
            }
            distractor.x = (distractor.x + drift.0 + s).truncatingRemainder(dividingBy: s)
            distractor.y = (distractor.y + drift.1 + s).truncatingRemainder(dividingBy: s)
            var image = Image(width: size, height: size, filledWith: background)
            distractor.draw(into: &image)
            object.draw(into: &image)
            frames.append(image)
        }
        return ActivityClip(
            fps: fps, frames: frames, segments: segments.filter { $0.end <= duration })
    }

    private func color(_ random: inout SceneRandom) -> [UInt8] {
        (0..<3).map { _ in UInt8(random.int(in: 90...255)) }
    }
}

/// A filled rectangle: centre, half length `scale`, half width `scale·aspect`, angle.
struct Body {
    var x, y, scale, aspect, angle: Double
    var color: [UInt8]

    func draw(into image: inout Image) {
        let (c, s) = (cos(angle), sin(angle))
        let reach = Int(scale) + 2
        for py in max(0, Int(y) - reach)...min(image.height - 1, Int(y) + reach) {
            for px in max(0, Int(x) - reach)...min(image.width - 1, Int(x) + reach) {
                let (dx, dy) = (Double(px) + 0.5 - x, Double(py) + 0.5 - y)
                let along = dx * c + dy * s
                let across = -dx * s + dy * c
                guard abs(along) <= scale && abs(across) <= scale * aspect else { continue }
                let offset = (py * image.width + px) * 3
                image.pixels[offset] = color[0]
                image.pixels[offset + 1] = color[1]
                image.pixels[offset + 2] = color[2]
            }
        }
    }
}
