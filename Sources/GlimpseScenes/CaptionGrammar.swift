// CaptionGrammar.swift — the reference captions of a scene, from one small fixed grammar:
//
//   caption  := prefix? clause ("and" clause)*
//   prefix   := "there is" | "the image shows"
//   clause   := object (relation object)*
//   object   := ("a" | "the") size? color? shape
//   relation := "to the left of" | "to the right of" | "above" | "below"
//
// Within a clause each relation links the objects either side of it ("a r1 b r2 c" states
// a r1 b and b r2 c). "a" introduces an object, "the" refers back to one already named. The
// generator writes full names (size colour shape) and chains; FactChecker.swift parses the whole
// grammar, including the optional attributes, "and" and "the" that models may produce.
//
// Reference captions for objects O₁…Oₙ:
//   n = 1:  "a S C K", "there is a S C K", "the image shows a S C K"
//   n ≥ 2:  1. left to right (canonical):  O₁ r O₂ r … Oₙ   r = "to the left of" when it holds
//           2. right to left:              Oₙ r … O₁        r = "to the right of" when it holds
//           3. top to bottom:              r = "above" when it holds
//           4. "there is" + bottom to top: r = "below" when it holds
//           where a consecutive pair not apart on the chain's axis (its centres are aligned
//           there) uses the other axis' relation, which the generator guarantees holds.
//           Duplicates (n = 2, one axis aligned) are replaced by "the image shows" + chain 1.

extension Scene {
    /// 3 (one object) or 4 (several) differently phrased reference captions, every stated
    /// relation true; the first lists objects left to right.
    public var captions: [String] { CaptionGrammar.captions(for: self) }
}

/// Writing captions in the scene grammar (see the file banner for the exact templates).
public enum CaptionGrammar {
    /// "a small red circle".
    public static func phrase(_ object: SceneObject) -> String {
        "a \(object.size.rawValue) \(object.color.rawValue) \(object.shape.rawValue)"
    }

    /// The reference captions of `scene` (see ``Scene/captions``).
    public static func captions(for scene: Scene) -> [String] {
        let objects = scene.objects
        guard objects.count > 1 else {
            guard let only = objects.first else { return [] }
            let name = phrase(only)
            return [name, "there is " + name, "the image shows " + name]
        }
        let leftToRight = objects.sorted { ($0.x, $0.y) < ($1.x, $1.y) }
        let topToBottom = objects.sorted { ($0.y, $0.x) < ($1.y, $1.x) }
        let canonical = chain(leftToRight, preferring: .leftOf, in: scene)
        var captions: [String] = []
        for candidate in [
            canonical,
            chain(leftToRight.reversed(), preferring: .rightOf, in: scene),
            chain(topToBottom, preferring: .above, in: scene),
            "there is " + chain(topToBottom.reversed(), preferring: .below, in: scene),
        ] where !captions.contains(candidate) {
            captions.append(candidate)
        }
        if captions.count < 4 { captions.append("the image shows " + canonical) }
        return captions
    }

    /// Objects in the given order, each consecutive pair linked by `preferred` when it holds,
    /// else by a true relation on the other axis, else (never for generated scenes) by "and".
    static func chain(
        _ ordered: [SceneObject], preferring preferred: SpatialRelation, in scene: Scene
    ) -> String {
        var words = phrase(ordered[0])
        for (a, b) in zip(ordered, ordered.dropFirst()) {
            let others: [SpatialRelation] =
                preferred.isHorizontal ? [.above, .below] : [.leftOf, .rightOf]
            if let relation = ([preferred] + others).first(where: { scene.holds($0, a, b) }) {
                words += " " + relation.phrase + " " + phrase(b)
            } else {
                words += " and " + phrase(b)
            }
        }
        return words
    }
}
