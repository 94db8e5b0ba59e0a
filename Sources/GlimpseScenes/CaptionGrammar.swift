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
//   n ≥ 2:  the same three phrasings of one chain O₁ r O₂ r … Oₙ in reading order: columns left
//           to right, and objects within a column (centres less than t/2 apart horizontally,
//           the generator's "aligned") top to bottom. So r is "to the left of" between
//           columns and "above" within one.
// The references differ in phrasing, not in which object comes next or which relation links
// two objects. Earlier versions did, and a model trained on them and decoded greedily mixed
// the alternatives:
//   - listing the objects in four orders (left to right, right to left, top to bottom, bottom to
//     top), it began with one order's first object and went on with another order's relation
//     or attributes ("a small yellow square to the left of a large yellow diamond" for a square
//     right of the diamond), which held fact accuracy on 3–4 objects near 0;
//   - phrasing pairs apart on both axes both as "to the left of" and as "above"/"below", it
//     picked "above" or "below" before attending to the next object, and got a third of those
//     wrong;
//   - ordering aligned objects by their (pixel-close) x, so that the next one was as likely
//     above as below, it said "above" for most of them.

extension Scene {
    /// 3 differently phrased reference captions (none for an empty scene), every stated
    /// relation true, each naming the objects in reading order (see CaptionGrammar.swift).
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
        guard !scene.objects.isEmpty else { return [] }
        let words = chain(readingOrder(scene), in: scene)
        return [words, "there is " + words, "the image shows " + words]
    }

    /// The objects column by column from the left, each column top to bottom; a column is a run
    /// of objects (sorted by x) whose neighbours' centres are less than t/2 apart horizontally.
    static func readingOrder(_ scene: Scene) -> [SceneObject] {
        var columns: [[SceneObject]] = []
        for object in scene.objects.sorted(by: { ($0.x, $0.y) < ($1.x, $1.y) }) {
            if let last = columns.last?.last, (object.x - last.x) * 2 < scene.relationThreshold {
                columns[columns.count - 1].append(object)
            } else {
                columns.append([object])
            }
        }
        return columns.flatMap { $0.sorted { ($0.y, $0.x) < ($1.y, $1.x) } }
    }

    /// The objects in the given order, each consecutive pair linked by "to the left of" when it
    /// holds, else by "above" or "below", else (never for generated scenes) by "and".
    static func chain(_ ordered: [SceneObject], in scene: Scene) -> String {
        var words = phrase(ordered[0])
        for (a, b) in zip(ordered, ordered.dropFirst()) {
            let relation = [SpatialRelation.leftOf, .above, .below].first {
                scene.holds($0, a, b)
            }
            words += " " + (relation?.phrase ?? "and") + " " + phrase(b)
        }
        return words
    }
}
