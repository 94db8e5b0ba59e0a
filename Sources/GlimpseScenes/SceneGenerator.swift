// SceneGenerator.swift — deterministic random scenes: a varied background and 1–4 objects
// placed so that they never overlap and every pair has a clear spatial relation.
//
// Placement rules for every pair of objects (t = relation threshold, m = margin):
//   - no overlap: the bounding squares, grown by m, are disjoint on at least one axis;
//   - unambiguous: the centres differ by at least t on at least one axis;
//   - crisp: on each axis the centre offset is either < t/2 ("aligned") or ≥ t ("apart"), so no
//     relation sits on the edge of being true;
//   - distinct names: no two objects share size, colour and shape, so "the small red circle"
//     always names one object.

/// Generates scene `index` of a run from the run's seed alone (random access, reproducible on
/// every machine).
///
/// ```swift
/// let generator = SceneGenerator(seed: 7)
/// let scene = generator.scene(at: 0)
/// let image = scene.render()      // 64×64 RGB
/// let captions = scene.captions   // 3–4 reference captions
/// ```
public struct SceneGenerator: Sendable {
    /// The run's seed.
    public let seed: UInt64
    /// Image width and height in pixels.
    public let size: Int

    /// Smallest supported image side: below it small objects would be 2 px wide.
    public static let minimumSize = 32
    /// Largest supported image side.
    public static let maximumSize = 1024

    /// A generator of `size`×`size` scenes (`size` in 32…1024).
    public init(seed: UInt64, size: Int = 64) {
        precondition(
            (Self.minimumSize...Self.maximumSize).contains(size),
            "scene size \(size) outside \(Self.minimumSize)...\(Self.maximumSize)")
        self.seed = seed
        self.size = size
    }

    /// Radii (pixels) a size class may take at 64×64; other sizes scale them.
    static let baseRadii: [SizeClass: [Int]] = [.small: [5, 6], .large: [9, 10, 11]]

    /// Gap kept between objects' bounding squares and from the image edge.
    var margin: Int { max(1, size / 32) }

    /// Scene number `index` (0-based; files number it `index + 1`).
    public func scene(at index: Int) -> Scene {
        var random = SceneRandom(seed: seed, index: index)
        let background = makeBackground(&random)
        var count = 1 + random.int(below: 4)
        while true {
            for _ in 0..<20 {
                if let objects = placeObjects(count: count, &random) {
                    let sorted = objects.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
                    return Scene(
                        width: size, height: size, background: background, objects: sorted)
                }
            }
            count -= 1  // Never reached at supported sizes; keeps generation total anyway.
        }
    }

    /// Scenes `range` (0-based indices).
    public func scenes(_ range: Range<Int>) -> [Scene] {
        range.map { scene(at: $0) }
    }

    func makeBackground(_ random: inout SceneRandom) -> SceneBackground {
        let kind = random.element(of: SceneBackground.Kind.allCases)
        let from = random.element(of: SceneBackground.palette)
        var to = from
        if kind != .solid {
            while to == from { to = random.element(of: SceneBackground.palette) }
        }
        let noise = random.int(in: 0...6)
        let noiseSeed = UInt32(truncatingIfNeeded: random.next())
        return SceneBackground(kind: kind, from: from, to: to, noise: noise, noiseSeed: noiseSeed)
    }

    /// Places `count` objects by rejection sampling, or nil when a placement keeps failing.
    func placeObjects(count: Int, _ random: inout SceneRandom) -> [SceneObject]? {
        var objects: [SceneObject] = []
        for _ in 0..<count {
            var placed: SceneObject?
            for attempt in 0..<200 {
                // Crowded scenes: after many misses try a small object instead.
                var size = random.element(of: SizeClass.allCases)
                if attempt >= 100 { size = .small }
                let candidate = randomObject(size: size, &random)
                if fits(candidate, among: objects) {
                    placed = candidate
                    break
                }
            }
            guard let placed else { return nil }
            objects.append(placed)
        }
        return objects
    }

    func randomObject(size sizeClass: SizeClass, _ random: inout SceneRandom) -> SceneObject {
        let shape = random.element(of: ShapeKind.allCases)
        let color = random.element(of: ObjectColor.allCases)
        let base = random.element(of: Self.baseRadii[sizeClass]!)
        let radius = max(2, (base * size + 32) / 64)
        let low = radius + margin
        let high = size - 1 - radius - margin
        return SceneObject(
            shape: shape, color: color, size: sizeClass, x: random.int(in: low...high),
            y: random.int(in: low...high), radius: radius)
    }

    /// Whether `candidate` obeys the placement rules (file banner) against every placed object.
    func fits(_ candidate: SceneObject, among placed: [SceneObject]) -> Bool {
        let threshold = Scene.relationThreshold(width: size, height: size)
        for other in placed {
            if other.shape == candidate.shape && other.color == candidate.color
                && other.size == candidate.size
            {
                return false
            }
            let dx = abs(other.x - candidate.x)
            let dy = abs(other.y - candidate.y)
            let clearance = other.radius + candidate.radius + margin
            guard dx >= clearance || dy >= clearance else { return false }
            guard max(dx, dy) >= threshold else { return false }
            for offset in [dx, dy] where offset * 2 >= threshold && offset < threshold {
                return false
            }
        }
        return true
    }
}
