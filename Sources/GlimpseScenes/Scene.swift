// Scene.swift — the ground-truth scene graph of one synthetic image: a background and 1–4
// objects, each with attributes and an integer centre. Captions, questions and the fact checker
// all read this value; `render()` (Rasterizer.swift) turns it into pixels.

/// One object in a scene.
///
/// Coordinates are pixels with the origin at the top-left: the object's centre is the centre of
/// pixel (`x`, `y`), i.e. the point (x + ½, y + ½). Every shape lies inside the square of
/// half-side `radius` around that point.
public struct SceneObject: Codable, Equatable, Hashable, Sendable {
    /// The outline.
    public var shape: ShapeKind
    /// The fill colour.
    public var color: ObjectColor
    /// The size class (its radius is in ``radius``).
    public var size: SizeClass
    /// Column of the centre pixel.
    public var x: Int
    /// Row of the centre pixel (grows downwards).
    public var y: Int
    /// Half the bounding-box side in pixels (small ≈ 5–6, large ≈ 9–11 at 64×64).
    public var radius: Int

    /// Creates an object.
    public init(
        shape: ShapeKind, color: ObjectColor, size: SizeClass, x: Int, y: Int, radius: Int
    ) {
        self.shape = shape
        self.color = color
        self.size = size
        self.x = x
        self.y = y
        self.radius = radius
    }

    /// The attribute triple that names the object, e.g. "small red circle".
    public var name: String { "\(size.rawValue) \(color.rawValue) \(shape.rawValue)" }
}

/// How the background is painted: a solid colour or a gradient, plus light per-pixel noise.
public struct SceneBackground: Codable, Equatable, Hashable, Sendable {
    /// The background pattern.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case solid
        /// `from` at the top row, `to` at the bottom row.
        case verticalGradient = "vertical_gradient"
        /// `from` at the left column, `to` at the right column.
        case horizontalGradient = "horizontal_gradient"
    }

    /// Solid or gradient.
    public var kind: Kind
    /// The start colour (sRGB), e.g. [45, 45, 48].
    public var from: [UInt8]
    /// The end colour (sRGB); equal to `from` for `.solid`.
    public var to: [UInt8]
    /// Noise amplitude: each pixel's grey level moves by an integer in −noise…noise.
    public var noise: Int
    /// Seed of the per-pixel noise pattern (32 bits, so JSON readers keep it exact).
    public var noiseSeed: UInt32

    /// Creates a background.
    public init(kind: Kind, from: [UInt8], to: [UInt8], noise: Int, noiseSeed: UInt32) {
        precondition(from.count == 3 && to.count == 3, "background colours need 3 samples")
        self.kind = kind
        self.from = from
        self.to = to
        self.noise = noise
        self.noiseSeed = noiseSeed
    }

    enum CodingKeys: String, CodingKey {
        case kind, from, to, noise
        case noiseSeed = "noise_seed"
    }

    /// Background colours: dark, low-saturation tones whose hues are none of the object
    /// colours', so every object stands out.
    public static let palette: [[UInt8]] = [
        [16, 16, 16],  // near black
        [45, 45, 48],  // charcoal
        [78, 80, 84],  // slate grey
        [110, 110, 110],  // mid grey
        [22, 58, 62],  // dark teal
        [64, 44, 30],  // dark brown
    ]
}

/// A synthetic scene: image size, background and objects in canonical order (left to right by
/// centre column, then top to bottom).
public struct Scene: Codable, Equatable, Hashable, Sendable {
    /// Image width in pixels.
    public var width: Int
    /// Image height in pixels.
    public var height: Int
    /// How the background is painted.
    public var background: SceneBackground
    /// 1–4 objects, in canonical order for generated scenes.
    public var objects: [SceneObject]

    /// Creates a scene; objects are kept in the order given (the generator sorts them).
    public init(width: Int, height: Int, background: SceneBackground, objects: [SceneObject]) {
        self.width = width
        self.height = height
        self.background = background
        self.objects = objects
    }

    /// The minimum centre offset, in pixels, for a spatial relation to hold: ⌊min(W, H) / 8⌋
    /// (8 px at 64×64), at least 2. See ``SpatialRelation/holds(_:_:threshold:)``.
    public var relationThreshold: Int { Scene.relationThreshold(width: width, height: height) }

    /// The relation threshold for a `width`×`height` image (see ``relationThreshold``).
    public static func relationThreshold(width: Int, height: Int) -> Int {
        max(2, min(width, height) / 8)
    }

    /// Whether `relation` holds from `a` to `b` in this scene ("a is <relation> b").
    public func holds(_ relation: SpatialRelation, _ a: SceneObject, _ b: SceneObject) -> Bool {
        relation.holds(a, b, threshold: relationThreshold)
    }
}
