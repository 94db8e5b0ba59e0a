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
//   n ≥ 2:  always in one order, left to right: O₁ r O₂ r … Oₙ, with the relation r between
//           consecutive objects phrased two ways:
//           1. horizontal first:  r = "to the left of" when it holds, else "above" or "below"
//           2. "there is" + 1
//           3. vertical first:    r = "above" or "below" when it holds, else "to the left of"
//           4. "the image shows" + 3
//           When no pair is apart vertically, 3 equals 1 and the captions are 1, 2 and
//           "the image shows" + 1.
// One mention order makes the references differ in phrasing, not in which object comes first.
// With several orders (an earlier version listed the objects left to right, right to left, top
// to bottom and bottom to top), a model trained on all of them and decoded greedily mixed them:
// it began with one order's first object and went on with another order's relation or
// attributes ("a small yellow square to the left of a large yellow diamond" for a square right
// of the diamond), which held fact accuracy on 3–4 objects near 0.

extension Scene {
    /// 3 or 4 differently phrased reference captions, every stated relation true, each naming
    /// the objects left to right.
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
        let horizontal = chain(leftToRight, preferring: [.leftOf, .above, .below], in: scene)
        let vertical = chain(leftToRight, preferring: [.above, .below, .leftOf], in: scene)
        guard vertical != horizontal else {
            return [horizontal, "there is " + horizontal, "the image shows " + horizontal]
        }
        return [horizontal, "there is " + horizontal, vertical, "the image shows " + vertical]
    }

    /// Objects in the given order, each consecutive pair linked by the first relation of
    /// `preferences` that holds, else (never for generated scenes) by "and".
    static func chain(
        _ ordered: [SceneObject], preferring preferences: [SpatialRelation], in scene: Scene
    ) -> String {
        var words = phrase(ordered[0])
        for (a, b) in zip(ordered, ordered.dropFirst()) {
            if let relation = preferences.first(where: { scene.holds($0, a, b) }) {
                words += " " + relation.phrase + " " + phrase(b)
            } else {
                words += " and " + phrase(b)
            }
        }
        return words
    }
}
