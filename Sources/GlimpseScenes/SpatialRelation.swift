// SpatialRelation.swift — the one definition of "left of", "right of", "above" and "below",
// used by the generator (placement, captions, questions) and by the fact checker alike.

/// A spatial relation between two objects' centres, read "a is <relation> b".
///
/// With centres (xₐ, yₐ), (x_b, y_b) and threshold t (``Scene/relationThreshold``):
/// - left of:  x_b − xₐ ≥ t
/// - right of: xₐ − x_b ≥ t
/// - above:    y_b − yₐ ≥ t   (rows grow downwards)
/// - below:    yₐ − y_b ≥ t
public enum SpatialRelation: String, Codable, Sendable, CaseIterable {
    case leftOf = "left_of"
    case rightOf = "right_of"
    case above
    case below

    /// The words a caption uses: "to the left of", "to the right of", "above", "below".
    public var phrase: String {
        switch self {
        case .leftOf: "to the left of"
        case .rightOf: "to the right of"
        case .above: "above"
        case .below: "below"
        }
    }

    /// The relation with its arguments swapped: a left of b ⇔ b right of a.
    public var inverse: SpatialRelation {
        switch self {
        case .leftOf: .rightOf
        case .rightOf: .leftOf
        case .above: .below
        case .below: .above
        }
    }

    /// Whether the relation compares columns (left/right) rather than rows (above/below).
    public var isHorizontal: Bool { self == .leftOf || self == .rightOf }

    /// Whether "a is <self> b" holds with centre-offset threshold `threshold` (see the type).
    public func holds(_ a: SceneObject, _ b: SceneObject, threshold: Int) -> Bool {
        switch self {
        case .leftOf: b.x - a.x >= threshold
        case .rightOf: a.x - b.x >= threshold
        case .above: b.y - a.y >= threshold
        case .below: a.y - b.y >= threshold
        }
    }
}
