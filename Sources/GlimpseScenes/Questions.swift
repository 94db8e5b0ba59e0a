// Questions.swift — visual questions with one-word answers, read off the scene graph:
//
//   what color is the <shape>                  colour   (only when that shape occurs once)
//   what shape is the <color> object            shape    (only when that colour occurs once)
//   how many objects are there                  number word
//   how many <shape>s are there                 number word, for each shape present and one
//                                                        absent shape ("zero")
//   is there a <color> <shape>                  yes / no, one of each per scene
//   what is <relation> the <size color shape>   shape    (only when exactly one object stands
//                                                         in that relation to the named one)
//
// The two choices (absent shape, yes/no targets) come from a generator seeded by the scene's
// content, so a scene loaded from scenes.json yields exactly the questions written with it.

/// One question about a scene and its one-word answer.
public struct SceneQuestion: Codable, Equatable, Hashable, Sendable {
    /// Lower-case words, no question mark, e.g. "what color is the circle".
    public var question: String
    /// One lower-case word, e.g. "red", "three", "yes".
    public var answer: String

    /// Creates a question/answer pair.
    public init(question: String, answer: String) {
        self.question = question
        self.answer = answer
    }
}

extension Scene {
    /// The scene's questions in a fixed order (see the file banner for the templates).
    public var questions: [SceneQuestion] { SceneQuestions.questions(for: self) }
}

/// Writing the questions of a scene.
public enum SceneQuestions {
    /// Number words used as answers, "zero" … "ten".
    public static let numberWords = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ]

    /// The questions of `scene` (see ``Scene/questions``).
    public static func questions(for scene: Scene) -> [SceneQuestion] {
        var random = SceneRandom(seed: contentHash(scene))
        let objects = scene.objects
        var result: [SceneQuestion] = []
        func ask(_ question: String, _ answer: String) {
            result.append(SceneQuestion(question: question, answer: answer))
        }
        func number(_ n: Int) -> String { n < numberWords.count ? numberWords[n] : String(n) }

        for shape in ShapeKind.allCases {
            let matching = objects.filter { $0.shape == shape }
            if matching.count == 1 {
                ask("what color is the \(shape.rawValue)", matching[0].color.rawValue)
            }
        }
        for color in ObjectColor.allCases {
            let matching = objects.filter { $0.color == color }
            if matching.count == 1 {
                ask("what shape is the \(color.rawValue) object", matching[0].shape.rawValue)
            }
        }
        ask("how many objects are there", number(objects.count))
        let present = ShapeKind.allCases.filter { shape in objects.contains { $0.shape == shape } }
        let absent = ShapeKind.allCases.filter { !present.contains($0) }
        var counted = present
        if !absent.isEmpty { counted.append(random.element(of: absent)) }
        for shape in counted {
            ask(
                "how many \(shape.rawValue)s are there",
                number(objects.filter { $0.shape == shape }.count))
        }
        if !objects.isEmpty {
            let yes = random.element(of: objects)
            ask("is there a \(yes.color.rawValue) \(yes.shape.rawValue)", "yes")
            let missing = ObjectColor.allCases.flatMap { color in
                ShapeKind.allCases.map { (color, $0) }
            }.filter { pair in !objects.contains { $0.color == pair.0 && $0.shape == pair.1 } }
            let no = random.element(of: missing)
            ask("is there a \(no.0.rawValue) \(no.1.rawValue)", "no")
        }
        for reference in objects {
            for relation in SpatialRelation.allCases {
                let related = objects.filter {
                    $0 != reference && scene.holds(relation, $0, reference)
                }
                if related.count == 1 {
                    ask(
                        "what is \(relation.phrase) the \(reference.name)",
                        related[0].shape.rawValue)
                }
            }
        }
        return result
    }

    /// FNV-1a over the scene's geometry and attributes: a seed that depends on content only.
    static func contentHash(_ scene: Scene) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func add(_ value: Int) {
            var v = UInt64(bitPattern: Int64(value))
            for _ in 0..<8 {
                hash = (hash ^ (v & 0xFF)) &* 0x0000_0100_0000_01B3
                v >>= 8
            }
        }
        add(scene.width)
        add(scene.height)
        for object in scene.objects {
            add(ShapeKind.allCases.firstIndex(of: object.shape)!)
            add(ObjectColor.allCases.firstIndex(of: object.color)!)
            add(SizeClass.allCases.firstIndex(of: object.size)!)
            add(object.x)
            add(object.y)
            add(object.radius)
        }
        return hash
    }
}
