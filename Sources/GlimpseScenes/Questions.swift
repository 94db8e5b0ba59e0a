// Questions.swift — visual questions with one-word answers, read off the scene graph, sampled so
// that the question alone says little about the answer (a question-only model cannot score high).
//
// Templates, by question type (answer type in brackets):
//   color     what color is the <shape>                   (that shape occurs once)      [other]
//             what color is the <size> <shape>            (shape repeats, size+shape once)
//   shape     what shape is the <color> object            (that colour occurs once)     [other]
//             what shape is the <size> <color> object     (colour repeats, size+colour once)
//   size      what size is the <color> <shape>            (colour+shape occurs once)    [other]
//   count     how many objects are there                  1–4                           [number]
//             how many <shape>s / <color> objects / <size> objects are there   0–3
//   exists    is there a <color> <shape>                  yes / no                      [yes/no]
//             is there no <color> <shape>                 (negation: the answer flips)
//   relation  what is <relation> the <size color shape>   shape (exactly one object     [other]
//                                                          stands in that relation)
//             is the <name> <relation> the <name>         yes / no                      [yes/no]
//
// Balance. Yes/no questions are balanced exactly by construction: each scene gets one existence
// question about a present colour+shape and one about an absent one, both negated or neither
// (one coin), and one relation question that holds and one that does not about the same pair.
// Every other template family is balanced by rejection: a candidate with answer a in family F
// is kept with probability min_b n_F(b) / n_F(a), where n_F counts the family's candidates per
// answer over a fixed reference run of the generator (``SceneQuestions/referenceScenes`` scenes,
// seed ``SceneQuestions/referenceSeed``, 64×64), so every answer of a family appears about
// equally often over a data set, whatever its seed.
//
// The choices (which candidates are kept, the absent pair, the negation coin, the relation
// pair) come from a generator seeded by the scene's content, so a scene loaded from scenes.json
// yields exactly the questions written with it.

/// What a question asks about (the `question_type` of questions.jsonl).
public enum SceneQuestionType: String, Codable, Sendable, CaseIterable {
    case color
    case shape
    case size
    case count
    case exists
    case relation
}

/// The kind of answer, as VQA's `answer_type`: `"yes/no"`, `"number"` or `"other"`.
public enum SceneAnswerType: String, Codable, Sendable, CaseIterable {
    case yesNo = "yes/no"
    case number
    case other
}

/// One question about a scene, its one-word answer and their types.
public struct SceneQuestion: Codable, Equatable, Hashable, Sendable {
    /// Lower-case words, no question mark, e.g. "what color is the circle".
    public var question: String
    /// One lower-case word, e.g. "red", "three", "yes".
    public var answer: String
    /// What the question asks about, e.g. `.color`.
    public var questionType: SceneQuestionType
    /// `.yesNo`, `.number` or `.other`.
    public var answerType: SceneAnswerType

    /// Creates a question/answer pair.
    public init(
        question: String, answer: String, questionType: SceneQuestionType,
        answerType: SceneAnswerType
    ) {
        self.question = question
        self.answer = answer
        self.questionType = questionType
        self.answerType = answerType
    }

    enum CodingKeys: String, CodingKey {
        case question, answer
        case questionType = "question_type"
        case answerType = "answer_type"
    }
}

extension Scene {
    /// The scene's balanced questions in a fixed order (see the file banner).
    public var questions: [SceneQuestion] { SceneQuestions.questions(for: self) }
}

/// Writing the questions of a scene.
public enum SceneQuestions {
    /// Number words used as answers, "zero" … "ten".
    public static let numberWords = [
        "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    ]

    /// Largest answer of the attribute counting questions ("how many circles"): larger counts
    /// are too rare to balance.
    public static let maxAttributeCount = 3

    /// The seed of the reference run that measures answer frequencies.
    public static let referenceSeed: UInt64 = 0x0051_DE5E
    /// Scenes in the reference run.
    public static let referenceScenes = 2000

    /// The balanced questions of `scene` (see ``Scene/questions``): the rejection-sampled
    /// candidates, then the exactly balanced yes/no questions.
    public static func questions(for scene: Scene) -> [SceneQuestion] {
        var random = SceneRandom(seed: contentHash(scene))
        var result: [SceneQuestion] = []
        for candidate in candidates(for: scene) {
            let keep = keepProbability[candidate.family]?[candidate.question.answer] ?? 1
            // An integer comparison, so that every machine keeps the same candidates.
            if random.int(below: 1 << 20) < Int((keep * Double(1 << 20)).rounded()) {
                result.append(candidate.question)
            }
        }
        return result + yesNoQuestions(for: scene, &random)
    }

    /// A question before balancing, with the family whose answers are balanced together.
    struct Candidate {
        var family: String
        var question: SceneQuestion
    }

    /// Every answerable question of the non-yes/no templates, in a fixed order.
    public static func allCandidates(for scene: Scene) -> [SceneQuestion] {
        candidates(for: scene).map(\.question)
    }

    static func candidates(for scene: Scene) -> [Candidate] {
        let objects = scene.objects
        var result: [Candidate] = []
        func ask(
            _ family: String, _ type: SceneQuestionType, _ answerType: SceneAnswerType,
            _ question: String, _ answer: String
        ) {
            result.append(
                Candidate(
                    family: family,
                    question: SceneQuestion(
                        question: question, answer: answer, questionType: type,
                        answerType: answerType)))
        }
        func count(_ predicate: (SceneObject) -> Bool) -> Int { objects.filter(predicate).count }

        for object in objects {
            if count({ $0.shape == object.shape }) == 1 {
                ask(
                    "color", .color, .other, "what color is the \(object.shape.rawValue)",
                    object.color.rawValue)
            } else if count({ $0.shape == object.shape && $0.size == object.size }) == 1 {
                ask(
                    "color", .color, .other,
                    "what color is the \(object.size.rawValue) \(object.shape.rawValue)",
                    object.color.rawValue)
            }
        }
        for object in objects {
            if count({ $0.color == object.color }) == 1 {
                ask(
                    "shape", .shape, .other, "what shape is the \(object.color.rawValue) object",
                    object.shape.rawValue)
            } else if count({ $0.color == object.color && $0.size == object.size }) == 1 {
                ask(
                    "shape", .shape, .other,
                    "what shape is the \(object.size.rawValue) \(object.color.rawValue) object",
                    object.shape.rawValue)
            }
        }
        for object in objects
        where count({ $0.color == object.color && $0.shape == object.shape }) == 1 {
            ask(
                "size", .size, .other,
                "what size is the \(object.color.rawValue) \(object.shape.rawValue)",
                object.size.rawValue)
        }
        ask("count_objects", .count, .number, "how many objects are there", number(objects.count))
        var attributeCounts: [(String, Int)] = []
        for shape in ShapeKind.allCases {
            attributeCounts.append(("\(shape.rawValue)s", count { $0.shape == shape }))
        }
        for color in ObjectColor.allCases {
            attributeCounts.append(("\(color.rawValue) objects", count { $0.color == color }))
        }
        for size in SizeClass.allCases {
            attributeCounts.append(("\(size.rawValue) objects", count { $0.size == size }))
        }
        for (noun, n) in attributeCounts where n <= maxAttributeCount {
            ask("count_attribute", .count, .number, "how many \(noun) are there", number(n))
        }
        for reference in objects {
            for relation in SpatialRelation.allCases {
                let related = objects.filter {
                    $0 != reference && scene.holds(relation, $0, reference)
                }
                if related.count == 1 {
                    ask(
                        "relation", .relation, .other,
                        "what is \(relation.phrase) the \(reference.name)",
                        related[0].shape.rawValue)
                }
            }
        }
        return result
    }

    /// One existence question about a present and one about an absent colour+shape (both
    /// negated or neither), and, with two objects or more, one relation that holds and one that
    /// does not between a random ordered pair: as many "yes" as "no" answers in every scene.
    static func yesNoQuestions(for scene: Scene, _ random: inout SceneRandom) -> [SceneQuestion] {
        let objects = scene.objects
        guard !objects.isEmpty else { return [] }
        var result: [SceneQuestion] = []
        func ask(_ type: SceneQuestionType, _ question: String, _ yes: Bool) {
            result.append(
                SceneQuestion(
                    question: question, answer: yes ? "yes" : "no", questionType: type,
                    answerType: .yesNo))
        }
        let present = random.element(of: objects)
        let missing = ObjectColor.allCases.flatMap { color in
            ShapeKind.allCases.map { (color, $0) }
        }.filter { pair in !objects.contains { $0.color == pair.0 && $0.shape == pair.1 } }
        let negated = random.bool()
        let article = negated ? "no" : "a"
        ask(
            .exists,
            "is there \(article) \(present.color.rawValue) \(present.shape.rawValue)", !negated)
        if !missing.isEmpty {
            let absent = random.element(of: missing)
            ask(.exists, "is there \(article) \(absent.0.rawValue) \(absent.1.rawValue)", negated)
        }
        if objects.count >= 2 {
            let first = random.int(below: objects.count)
            let second = (first + 1 + random.int(below: objects.count - 1)) % objects.count
            let (a, b) = (objects[first], objects[second])
            let holding = SpatialRelation.allCases.filter { scene.holds($0, a, b) }
            let failing = SpatialRelation.allCases.filter { !scene.holds($0, a, b) }
            // Placement keeps every pair apart on some axis, and opposite relations never both
            // hold, so both lists are non-empty for generated scenes.
            if !holding.isEmpty && !failing.isEmpty {
                let yes = random.element(of: holding)
                let no = random.element(of: failing)
                ask(.relation, "is the \(a.name) \(yes.phrase) the \(b.name)", true)
                ask(.relation, "is the \(b.name) \(no.inverse.phrase) the \(a.name)", false)
            }
        }
        return result
    }

    static func number(_ n: Int) -> String { n < numberWords.count ? numberWords[n] : String(n) }

    /// Family → answer → probability of keeping a candidate (see the file banner), measured
    /// once on the reference run.
    static let keepProbability: [String: [String: Double]] = {
        var counts: [String: [String: Int]] = [:]
        let generator = SceneGenerator(seed: referenceSeed)
        for index in 0..<referenceScenes {
            for candidate in candidates(for: generator.scene(at: index)) {
                counts[candidate.family, default: [:]][candidate.question.answer, default: 0] += 1
            }
        }
        return counts.mapValues { answers in
            let least = answers.values.min() ?? 1
            return answers.mapValues { Double(least) / Double($0) }
        }
    }()

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
