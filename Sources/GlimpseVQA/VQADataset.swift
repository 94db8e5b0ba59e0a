// VQA data on disk, in two formats:
//
//   JSONL     one object per line: {"image": PATH, "question": TEXT, "answer": TEXT} or
//             "answers": [TEXT, …] (e.g. VQA's ten human answers), optional "question_type" and
//             "answer_type"; PATH is relative to the JSONL file's folder (or absolute). Blank
//             lines are skipped. `glimpse data scenes --questions` writes this format.
//   VQA v2    a questions file {"questions": [{"image_id", "question", "question_id"}]}, an
//             optional annotations file {"annotations": [{"question_id", "image_id",
//             "answers": [{"answer"}], "multiple_choice_answer", "answer_type",
//             "question_type"}]} and an images directory holding, for each image id, a file
//             whose name without extension ends with the id zero-padded to 12 digits (COCO's
//             COCO_train2014_000000000042.jpg, or 000000000042.png).
//
// Every row is checked as it is read: a question must have 1…``VQADataset/maxQuestionWords``
// words, an image path must not be empty, and, when answers are required (training,
// evaluation), a row must carry at least one non-empty answer. Errors name the file and the
// line (JSONL) or the row (`questions[12]`, `annotations[3]`).
import Foundation
import GlimpseSupport

/// One question about one image, with its human answers when known.
public struct VQAExample: Equatable, Hashable, Sendable {
    /// The image file, resolved against the data file's folder.
    public var image: String
    /// The question as written.
    public var question: String
    /// The human answers as written (one for synthetic data, ten for VQA; empty when unknown).
    public var answers: [String]
    /// E.g. "color", "what is the" (VQA's question_type); nil when the row has none.
    public var questionType: String?
    /// "yes/no", "number" or "other"; nil when the row has none.
    public var answerType: String?
    /// VQA's question_id, nil for JSONL rows.
    public var questionID: Int?
    /// Where the row came from, for messages: `data.jsonl: line 3`, `q.json: questions[12]`.
    public var source: String

    public init(
        image: String, question: String, answers: [String], questionType: String? = nil,
        answerType: String? = nil, questionID: Int? = nil, source: String = ""
    ) {
        self.image = image
        self.question = question
        self.answers = answers
        self.questionType = questionType
        self.answerType = answerType
        self.questionID = questionID
        self.source = source
    }
}

/// A list of VQA examples read from JSONL or from the VQA v2 files (see the file banner).
public struct VQADataset: Equatable, Sendable {
    /// The examples, in file order.
    public var examples: [VQAExample]

    /// Longest question accepted, in tokens (``VQATokenizer``).
    public static let maxQuestionWords = 64
    /// Largest data file read (the VQA v2 training annotations are about 350 MB).
    public static let maxFileBytes = 2 << 30

    public init(examples: [VQAExample]) {
        self.examples = examples
    }

    /// The distinct image paths, in order of first use.
    public var images: [String] {
        var seen: Set<String> = []
        return examples.map(\.image).filter { seen.insert($0).inserted }
    }

    /// Every row of a JSONL file; the first bad row throws, naming the file and the line.
    /// - Parameter requireAnswers: refuse rows without an answer (training and evaluation).
    public init(jsonl path: String, requireAnswers: Bool) throws(VQAError) {
        let (examples, problems) = try Self.readJSONL(path, requireAnswers: requireAnswers)
        if let first = problems.first { throw first }
        self.init(examples: examples)
    }

    /// The good rows of a JSONL file and one error per bad row (batch inference skips bad rows
    /// and lists them). Throws only when the file itself cannot be read.
    public static func readJSONL(_ path: String, requireAnswers: Bool) throws(VQAError)
        -> (examples: [VQAExample], problems: [VQAError])
    {
        let bytes: [UInt8]
        do {
            bytes = try InputFile.read(path, limit: maxFileBytes)
        } catch {
            throw .invalidData(path: error.path, reason: error.reason)
        }
        let folder = (path as NSString).deletingLastPathComponent
        var examples: [VQAExample] = []
        var problems: [VQAError] = []
        var lineNumber = 0
        for line in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            lineNumber += 1
            let text = String(decoding: line, as: UTF8.self)
            if text.allSatisfy(\.isWhitespace) { continue }
            do {
                examples.append(
                    try parseLine(
                        text, folder: folder, requireAnswers: requireAnswers,
                        source: "line \(lineNumber)"))
            } catch {
                problems.append(.invalidData(path: path, reason: error.reason))
            }
        }
        if examples.isEmpty && problems.isEmpty {
            throw .invalidData(path: path, reason: "no rows (an empty file?)")
        }
        for index in examples.indices {
            examples[index].source = path + ": " + examples[index].source
        }
        return (examples, problems)
    }

    /// A problem with one row, before the file name is added.
    struct RowProblem: Error {
        var reason: String
    }

    private struct Line: Decodable {
        var image: String
        var question: String
        var answer: String?
        var answers: [String]?
        var questionType: String?
        var answerType: String?

        enum CodingKeys: String, CodingKey {
            case image, question, answer, answers
            case questionType = "question_type"
            case answerType = "answer_type"
        }
    }

    static func parseLine(
        _ text: String, folder: String, requireAnswers: Bool, source: String
    ) throws(RowProblem) -> VQAExample {
        let line: Line
        do {
            line = try JSONDecoder().decode(Line.self, from: Data(text.utf8))
        } catch let error as DecodingError {
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty {
                throw RowProblem(reason: "\(source): not valid JSON")
            }
            throw RowProblem(reason: "\(source): \(JSONFile.describe(error))")
        } catch {
            throw RowProblem(reason: "\(source): not valid JSON")
        }
        if line.answer != nil && line.answers != nil {
            throw RowProblem(reason: "\(source): give \"answer\" or \"answers\", not both")
        }
        let answers = line.answers ?? line.answer.map { [$0] } ?? []
        try check(
            image: line.image, question: line.question, answers: answers,
            requireAnswers: requireAnswers, source: source)
        let image = line.image.hasPrefix("/") ? line.image : folder + "/" + line.image
        return VQAExample(
            image: folder.isEmpty ? line.image : image, question: line.question, answers: answers,
            questionType: line.questionType, answerType: line.answerType, source: source)
    }

    /// The checks every row passes (see the file banner).
    static func check(
        image: String, question: String, answers: [String], requireAnswers: Bool, source: String
    ) throws(RowProblem) {
        if image.isEmpty { throw RowProblem(reason: "\(source): empty image path") }
        let words = VQATokenizer().tokens(of: question).count
        if words == 0 { throw RowProblem(reason: "\(source): empty question") }
        if words > maxQuestionWords {
            throw RowProblem(
                reason: "\(source): question has \(words) words, more than the limit of "
                    + "\(maxQuestionWords)")
        }
        if let blank = answers.firstIndex(where: { $0.allSatisfy(\.isWhitespace) }) {
            throw RowProblem(reason: "\(source): answer \(blank + 1) is empty")
        }
        if requireAnswers && answers.isEmpty {
            throw RowProblem(
                reason: "\(source): no answer (give \"answer\": TEXT or \"answers\": [TEXT, …])")
        }
    }

    // MARK: VQA v2

    private struct QuestionsFile: Decodable {
        var questions: [Question]
        struct Question: Decodable {
            var imageID: Int
            var question: String
            var questionID: Int
            enum CodingKeys: String, CodingKey {
                case question
                case imageID = "image_id"
                case questionID = "question_id"
            }
        }
    }

    private struct AnnotationsFile: Decodable {
        var annotations: [Annotation]
        struct Annotation: Decodable {
            var questionID: Int
            var imageID: Int
            var answers: [Answer]
            var multipleChoiceAnswer: String?
            var answerType: String?
            var questionType: String?
            enum CodingKeys: String, CodingKey {
                case answers
                case questionID = "question_id"
                case imageID = "image_id"
                case multipleChoiceAnswer = "multiple_choice_answer"
                case answerType = "answer_type"
                case questionType = "question_type"
            }
        }
        struct Answer: Decodable {
            var answer: String
        }
    }

    /// The VQA v2 pair: questions, annotations (nil for test questions) and the images folder.
    /// - Parameter requireAnswers: refuse a question without annotation.
    public init(
        vqaQuestions questionsPath: String, annotations annotationsPath: String?,
        images imagesDirectory: String, requireAnswers: Bool
    ) throws(VQAError) {
        let questions = try Self.decode(QuestionsFile.self, questionsPath).questions
        var annotations: [Int: (AnnotationsFile.Annotation, Int)] = [:]
        if let annotationsPath {
            let list = try Self.decode(AnnotationsFile.self, annotationsPath).annotations
            for (row, annotation) in list.enumerated() {
                if annotations[annotation.questionID] != nil {
                    throw .invalidData(
                        path: annotationsPath,
                        reason: "annotations[\(row)]: question_id \(annotation.questionID) is "
                            + "annotated twice")
                }
                annotations[annotation.questionID] = (annotation, row)
            }
        } else if requireAnswers {
            throw .invalidArgument(
                "\(questionsPath): answers are needed, but no annotations file was given")
        }
        let imageFiles = try Self.imageIndex(imagesDirectory)
        var examples: [VQAExample] = []
        examples.reserveCapacity(questions.count)
        for (row, question) in questions.enumerated() {
            let source = "questions[\(row)]"
            guard let file = imageFiles[question.imageID] else {
                throw .invalidData(
                    path: questionsPath,
                    reason: "\(source): no image for image_id \(question.imageID) in "
                        + "\(imagesDirectory) (expected a file name ending with "
                        + String(format: "%012d", question.imageID) + ")")
            }
            var answers: [String] = []
            var answerType: String?
            var questionType: String?
            if let (annotation, annotationRow) = annotations[question.questionID] {
                if annotation.imageID != question.imageID {
                    throw .invalidData(
                        path: annotationsPath ?? questionsPath,
                        reason: "annotations[\(annotationRow)]: image_id \(annotation.imageID), "
                            + "but question \(question.questionID) is about image "
                            + "\(question.imageID)")
                }
                answers = annotation.answers.map(\.answer)
                if answers.isEmpty, let single = annotation.multipleChoiceAnswer {
                    answers = [single]
                }
                answerType = annotation.answerType
                questionType = annotation.questionType
            }
            do {
                try Self.check(
                    image: file, question: question.question, answers: answers,
                    requireAnswers: requireAnswers,
                    source: "\(source) (question_id \(question.questionID))")
            } catch {
                throw .invalidData(path: questionsPath, reason: error.reason)
            }
            examples.append(
                VQAExample(
                    image: imagesDirectory + "/" + file, question: question.question,
                    answers: answers, questionType: questionType, answerType: answerType,
                    questionID: question.questionID, source: "\(questionsPath): \(source)"))
        }
        guard !examples.isEmpty else {
            throw .invalidData(path: questionsPath, reason: "no questions")
        }
        self.init(examples: examples)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ path: String) throws(VQAError)
        -> T
    {
        do {
            return try JSONFile.decode(
                type, from: InputFile.read(path, limit: maxFileBytes), source: path)
        } catch {
            throw .invalidData(path: error.path, reason: error.reason)
        }
    }

    /// Image id → file name, for the files whose name (without extension) ends with 12 digits.
    static func imageIndex(_ directory: String) throws(VQAError) -> [Int: String] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            throw .invalidData(path: directory, reason: "cannot list the images directory")
        }
        var index: [Int: String] = [:]
        for name in names {
            let stem = (name as NSString).deletingPathExtension
            let digits = stem.suffix(12)
            guard digits.count == 12, digits.allSatisfy({ ("0"..."9").contains($0) }),
                let id = Int(digits)
            else { continue }
            if index[id] == nil { index[id] = name }
        }
        return index
    }
}
