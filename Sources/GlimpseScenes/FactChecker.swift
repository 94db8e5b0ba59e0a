// FactChecker.swift — scoring a caption against a scene's ground truth.
//
// A caption is parsed with the grammar of CaptionGrammar.swift into object mentions and
// relation triples. It is accurate when
//   1. it parses completely (any unknown or misplaced word fails it),
//   2. its mentions can be matched to distinct scene objects whose attributes equal every
//      attribute the mention states,
//   3. under such a matching every stated relation holds (SpatialRelation.holds, the same
//      definition the generator uses), and
//   4. every scene object is mentioned.
// Scenes have at most a handful of objects, so all matchings are tried.

/// An object as a caption names it; attributes the caption leaves out are nil.
public struct ObjectMention: Equatable, Hashable, Sendable, CustomStringConvertible {
    /// The stated size, if any.
    public var size: SizeClass?
    /// The stated colour, if any.
    public var color: ObjectColor?
    /// The shape (always stated).
    public var shape: ShapeKind

    /// Creates a mention.
    public init(size: SizeClass? = nil, color: ObjectColor? = nil, shape: ShapeKind) {
        self.size = size
        self.color = color
        self.shape = shape
    }

    /// Whether `object` has every attribute the mention states.
    public func matches(_ object: SceneObject) -> Bool {
        object.shape == shape && (size ?? object.size) == object.size
            && (color ?? object.color) == object.color
    }

    /// Whether two mentions could name the same object (no stated attribute differs).
    func isCompatible(with other: ObjectMention) -> Bool {
        shape == other.shape && (size == nil || other.size == nil || size == other.size)
            && (color == nil || other.color == nil || color == other.color)
    }

    /// The mention's words without article, e.g. "small red circle" or "circle".
    public var description: String {
        [size?.rawValue, color?.rawValue, shape.rawValue].compactMap { $0 }.joined(separator: " ")
    }
}

/// "mentions[subject] is <relation> mentions[object]", as a caption states it.
public struct StatedRelation: Equatable, Hashable, Sendable {
    /// Index into ``FactCheck/mentions``.
    public var subject: Int
    /// The stated relation.
    public var relation: SpatialRelation
    /// Index into ``FactCheck/mentions``.
    public var object: Int

    /// Creates a relation triple.
    public init(subject: Int, relation: SpatialRelation, object: Int) {
        self.subject = subject
        self.relation = relation
        self.object = object
    }
}

/// The verdict on one caption: what was parsed and which of the four conditions hold.
public struct FactCheck: Equatable, Sendable {
    /// Whether every word was consumed by the grammar.
    public var parsed: Bool
    /// The distinct objects the caption mentions ("the …" references reuse a mention).
    public var mentions: [ObjectMention]
    /// The relations the caption states between mentions.
    public var relations: [StatedRelation]
    /// Every mention matches a distinct scene object with all stated attributes right.
    public var mentionsMatch: Bool
    /// Under some such matching every stated relation is true (false when mentions do not match).
    public var relationsHold: Bool
    /// Every scene object is matched by a mention.
    public var allObjectsMentioned: Bool
    /// For each mention, the index of its scene object in the matching found (empty when
    /// mentions do not all match).
    public var matching: [Int]
    /// Why the caption is not accurate, one sentence per problem (empty when accurate).
    public var problems: [String]

    /// All four conditions: parsed, mentions match, relations hold, every object mentioned.
    public var isAccurate: Bool { parsed && mentionsMatch && relationsHold && allObjectsMentioned }
}

/// Checks captions against scenes (see the file banner for the conditions).
public struct FactChecker: Sendable {
    /// Creates a checker.
    public init() {}

    /// The verdict on `caption` for `scene`.
    public func check(caption: String, scene: Scene) -> FactCheck {
        var verdict = FactCheck(
            parsed: false, mentions: [], relations: [], mentionsMatch: false,
            relationsHold: false, allObjectsMentioned: false, matching: [], problems: [])
        var parser = CaptionParser(caption)
        guard parser.parseCaption() else {
            verdict.problems = [parser.failure ?? "cannot parse the caption"]
            return verdict
        }
        verdict.parsed = true
        verdict.mentions = parser.mentions
        verdict.relations = parser.relations
        let objects = scene.objects
        let mentions = parser.mentions

        // Conditions 2 and 4: a maximum matching between mentions and objects by attributes.
        let matched = maximumMatching(mentions, objects)
        let matchedCount = matched.compactMap { $0 }.count
        verdict.mentionsMatch = matchedCount == mentions.count
        verdict.allObjectsMentioned = matchedCount == objects.count
        for (i, object) in matched.enumerated() where object == nil {
            verdict.problems.append("no distinct \(mentions[i]) in the scene")
        }
        if !verdict.allObjectsMentioned {
            let used = Set(matched.compactMap { $0 })
            for (j, object) in objects.enumerated() where !used.contains(j) {
                verdict.problems.append("the \(object.name) is not mentioned")
            }
        }
        guard verdict.mentionsMatch else { return verdict }

        // Condition 3: some attribute-respecting matching makes every relation true.
        var first: [Int]?
        var found: [Int]?
        forEachMatching(mentions, objects) { assignment in
            if first == nil { first = assignment }
            let allTrue = parser.relations.allSatisfy { stated in
                scene.holds(
                    stated.relation, objects[assignment[stated.subject]],
                    objects[assignment[stated.object]])
            }
            if allTrue { found = assignment }
            return allTrue
        }
        if let found {
            verdict.relationsHold = true
            verdict.matching = found
        } else if let first {
            verdict.matching = first
            for stated in parser.relations
            where !scene.holds(
                stated.relation, objects[first[stated.subject]], objects[first[stated.object]])
            {
                verdict.problems.append(
                    "false: the \(mentions[stated.subject]) \(stated.relation.phrase) "
                        + "the \(mentions[stated.object])")
            }
        }
        return verdict
    }

    /// The share of captions that pass (`captions[i]` is checked against `scenes[i]`); 0 when
    /// there are none.
    public func accuracy(captions: [String], scenes: [Scene]) -> Double {
        precondition(
            captions.count == scenes.count, "\(captions.count) captions for \(scenes.count) scenes")
        guard !captions.isEmpty else { return 0 }
        let passed = zip(captions, scenes).filter { check(caption: $0, scene: $1).isAccurate }
        return Double(passed.count) / Double(captions.count)
    }

    /// For each mention, a distinct matching object or nil, with as many matched as possible
    /// (Kuhn's augmenting paths).
    func maximumMatching(_ mentions: [ObjectMention], _ objects: [SceneObject]) -> [Int?] {
        var owner = [Int?](repeating: nil, count: objects.count)  // object -> mention
        func augment(_ mention: Int, _ visited: inout [Bool]) -> Bool {
            for (j, object) in objects.enumerated() where !visited[j] {
                guard mentions[mention].matches(object) else { continue }
                visited[j] = true
                if owner[j] == nil || augment(owner[j]!, &visited) {
                    owner[j] = mention
                    return true
                }
            }
            return false
        }
        for mention in mentions.indices {
            var visited = [Bool](repeating: false, count: objects.count)
            _ = augment(mention, &visited)
        }
        var result = [Int?](repeating: nil, count: mentions.count)
        for (j, mention) in owner.enumerated() {
            if let mention { result[mention] = j }
        }
        return result
    }

    /// Calls `body` with each injective attribute-respecting assignment mention -> object until
    /// it returns true.
    func forEachMatching(
        _ mentions: [ObjectMention], _ objects: [SceneObject], _ body: ([Int]) -> Bool
    ) {
        var assignment: [Int] = []
        var used = [Bool](repeating: false, count: objects.count)
        func extend() -> Bool {
            if assignment.count == mentions.count { return body(assignment) }
            let mention = mentions[assignment.count]
            for (j, object) in objects.enumerated() where !used[j] && mention.matches(object) {
                used[j] = true
                assignment.append(j)
                if extend() { return true }
                assignment.removeLast()
                used[j] = false
            }
            return false
        }
        _ = extend()
    }
}

/// The verdict on `caption` for `scene` (see ``FactChecker``).
public func checkFacts(caption: String, scene: Scene) -> FactCheck {
    FactChecker().check(caption: caption, scene: scene)
}

/// The share of `captions` that pass the fact check against the scene at the same index.
public func factAccuracy(captions: [String], scenes: [Scene]) -> Double {
    FactChecker().accuracy(captions: captions, scenes: scenes)
}

/// A recursive-descent parser for the caption grammar (CaptionGrammar.swift).
struct CaptionParser {
    let words: [Substring]
    var position = 0
    var mentions: [ObjectMention] = []
    var relations: [StatedRelation] = []
    /// Why parsing stopped, naming the word.
    var failure: String?

    init(_ caption: String) {
        words = caption.lowercased().split(whereSeparator: { $0.isWhitespace })
    }

    /// caption := prefix? clause ("and" clause)*; true when every word is consumed.
    mutating func parseCaption() -> Bool {
        guard !words.isEmpty else {
            failure = "empty caption"
            return false
        }
        if accept(["there", "is"]) || accept(["there", "are"]) || accept(["the", "image", "shows"])
        {
        }
        repeat {
            guard parseClause() else { return false }
        } while accept(["and"])
        guard position == words.count else {
            return fail("expected a relation or \"and\"")
        }
        return true
    }

    /// clause := object (relation object)*
    mutating func parseClause() -> Bool {
        guard var previous = parseObject() else { return false }
        while position < words.count, words[position] != "and" {
            guard let relation = parseRelation() else {
                return fail("expected a relation or \"and\"")
            }
            guard let next = parseObject() else { return false }
            relations.append(StatedRelation(subject: previous, relation: relation, object: next))
            previous = next
        }
        return true
    }

    /// object := ("a" | "an" | "the") size? color? shape; returns the mention's index.
    mutating func parseObject() -> Int? {
        guard position < words.count else {
            _ = fail("expected an object")
            return nil
        }
        let article = words[position]
        guard ["a", "an", "the"].contains(article) else {
            _ = fail("expected \"a\" or \"the\"")
            return nil
        }
        position += 1
        var mention = ObjectMention(shape: .circle)
        if position < words.count, let size = SizeClass(rawValue: String(words[position])) {
            mention.size = size
            position += 1
        }
        if position < words.count, let color = ObjectColor(rawValue: String(words[position])) {
            mention.color = color
            position += 1
        }
        guard position < words.count, let shape = ShapeKind(rawValue: String(words[position]))
        else {
            _ = fail("expected a shape")
            return nil
        }
        mention.shape = shape
        position += 1
        if article == "the" {
            // A definite reference names an object already mentioned, if one fits.
            let earlier = mentions.indices.filter { mentions[$0].isCompatible(with: mention) }
            if earlier.count > 1 {
                position -= 1
                _ = fail("\"the \(mention)\" could be several objects")
                return nil
            }
            if let index = earlier.first {
                let known = mentions[index]
                mentions[index].size = known.size ?? mention.size
                mentions[index].color = known.color ?? mention.color
                return index
            }
        }
        mentions.append(mention)
        return mentions.count - 1
    }

    /// relation := "to the left of" | "to the right of" | "above" | "below"
    mutating func parseRelation() -> SpatialRelation? {
        for relation in SpatialRelation.allCases
        where accept(relation.phrase.split(separator: " ").map(String.init)) {
            return relation
        }
        return nil
    }

    /// Consumes `expected` if the next words are exactly it.
    mutating func accept(_ expected: [String]) -> Bool {
        guard position + expected.count <= words.count else { return false }
        for (i, word) in expected.enumerated() where words[position + i] != word {
            return false
        }
        position += expected.count
        return true
    }

    /// Records why parsing failed at the current word; returns false.
    mutating func fail(_ reason: String) -> Bool {
        if failure == nil {
            let found = position < words.count ? "\"\(words[position])\"" : "end of caption"
            failure = "cannot parse word \(position + 1) (\(found)): \(reason)"
        }
        return false
    }
}
