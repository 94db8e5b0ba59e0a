// The official VQA accuracy (Antol et al. 2015; the evaluation script of GT-Vision-Lab/VQA,
// PythonEvaluationTools/vqaEvaluation/vqaEval.py): answers are normalised, then a predicted
// answer scores
//
//     acc(a) = 1/n · Σᵢ min(1, #{j ≠ i : humanⱼ = a} / 3)
//
// over the n leave-one-out subsets of the n human answers (10 choose 9 for VQA's ten), i.e.
// "right when at least three humans gave it", averaged so that every human counts. A row with a
// single answer scores plain accuracy (1 when equal after normalisation, else 0).
//
// Normalisation, as vqaEval.py's processPunctuation then processDigitArticle:
//   1. newlines and tabs become spaces; leading and trailing spaces go;
//   2. each mark of ; : / ' [ ] " ( ) = + \ _ > < @ ` , ? is deleted when the text has it next to
//      a space or has a comma between digits anywhere ("1,000"), else replaced by a space
//      ("it's" -> "it s", as the script does);
//   3. every '.' not followed by a digit is deleted (at most 32 of them: the script passes
//      re.UNICODE, 32, as the count). Its lookbehind is mistyped as a lookahead, so "5." -> "5"
//      while "3.5" stays;
//   4. lower case, split at whitespace; number words zero–ten (and "none") become digits;
//      "a", "an", "the" are dropped; contractions written without apostrophe get it back
//      (the script's table, with its curly apostrophes: "dont" -> "don’t");
//   5. words are joined by single spaces.
// Where Glimpse differs from the script, on purpose:
//   - Human answers get the whole normalisation, as the prediction does (the script applies
//     only step 2 to them, and only when they are not all equal, relying on VQA's annotations
//     being normalised at collection). With raw answers ("three", "the dog") the script would
//     never match a normalised prediction.
//   - Per-question-type and per-answer-type accuracies average each question's accuracy (the
//     script appends the last leave-one-out term `acc` instead of the question's mean).
// Marks outside that list ('!', '-', '%', …) are kept, as by the script.

/// The official VQA answer normalisation (see the file banner).
public enum VQAAnswerNormalization {
    static let punctuation: [Character] = [
        ";", ":", "/", "'", "[", "]", "\"", "(", ")", "=", "+", "\\", "_", ">", "<", "@", "`",
        ",", "?",
    ]
    static let numbers = [
        "none": "0", "zero": "0", "one": "1", "two": "2", "three": "3", "four": "4", "five": "5",
        "six": "6", "seven": "7", "eight": "8", "nine": "9", "ten": "10",
    ]
    static let articles: Set<String> = ["a", "an", "the"]

    /// `answer` normalised: "The Two dogs." -> "2 dogs".
    public static func normalize(_ answer: String) -> String {
        let trimmed = String(answer.map { $0 == "\n" || $0 == "\t" ? " " : $0 })
            .trimmingSpaces()
        return digitsAndArticles(periodsStripped(punctuationProcessed(trimmed)))
    }

    /// Step 2 of the banner.
    static func punctuationProcessed(_ text: String) -> String {
        let characters = Array(text)
        let commaBetweenDigits = characters.indices.contains { i in
            i > 0 && i + 1 < characters.count && characters[i] == ","
                && characters[i - 1].isASCIIDigit && characters[i + 1].isASCIIDigit
        }
        var output = characters
        for mark in punctuation {
            let nextToSpace = characters.indices.contains { i in
                characters[i] == mark
                    && ((i + 1 < characters.count && characters[i + 1] == " ")
                        || (i > 0 && characters[i - 1] == " "))
            }
            if nextToSpace || commaBetweenDigits {
                output.removeAll { $0 == mark }
            } else {
                output = output.map { $0 == mark ? " " : $0 }
            }
        }
        return String(output)
    }

    /// Step 3 of the banner.
    static func periodsStripped(_ text: String) -> String {
        let characters = Array(text)
        var output: [Character] = []
        var removed = 0
        for (i, c) in characters.enumerated() {
            let beforeDigit = i + 1 < characters.count && characters[i + 1].isASCIIDigit
            if c == ".", !beforeDigit, removed < 32 {
                removed += 1
                continue
            }
            output.append(c)
        }
        return String(output)
    }

    /// Step 4 and 5 of the banner.
    static func digitsAndArticles(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).compactMap { word -> String? in
            let mapped = numbers[String(word)] ?? String(word)
            if articles.contains(mapped) { return nil }
            return contractions[mapped] ?? mapped
        }.joined(separator: " ")
    }

    /// vqaEval.py's contraction table, keys and values as written there.
    static let contractions: [String: String] = [
        "aint": "ain't", "arent": "aren't", "cant": "can't", "couldve": "could've",
        "couldnt": "couldn't", "couldn'tve": "couldn’t’ve", "couldnt’ve": "couldn’t’ve",
        "didnt": "didn’t", "doesnt": "doesn’t", "dont": "don’t", "hadnt": "hadn’t",
        "hadnt’ve": "hadn’t’ve", "hadn'tve": "hadn’t’ve", "hasnt": "hasn’t", "havent": "haven’t",
        "hed": "he’d", "hed’ve": "he’d’ve", "he’dve": "he’d’ve", "hes": "he’s", "howd": "how’d",
        "howll": "how’ll", "hows": "how’s", "Id’ve": "I’d’ve", "I’dve": "I’d’ve", "Im": "I’m",
        "Ive": "I’ve", "isnt": "isn’t", "itd": "it’d", "itd’ve": "it’d’ve", "it’dve": "it’d’ve",
        "itll": "it’ll", "let’s": "let’s", "maam": "ma’am", "mightnt": "mightn’t",
        "mightnt’ve": "mightn’t’ve", "mightn’tve": "mightn’t’ve", "mightve": "might’ve",
        "mustnt": "mustn’t", "mustve": "must’ve", "neednt": "needn’t", "notve": "not’ve",
        "oclock": "o’clock", "oughtnt": "oughtn’t", "ow’s’at": "’ow’s’at", "’ows’at": "’ow’s’at",
        "’ow’sat": "’ow’s’at", "shant": "shan’t", "shed’ve": "she’d’ve", "she’dve": "she’d’ve",
        "she’s": "she’s", "shouldve": "should’ve", "shouldnt": "shouldn’t",
        "shouldnt’ve": "shouldn’t’ve", "shouldn’tve": "shouldn’t’ve", "somebody’d": "somebodyd",
        "somebodyd’ve": "somebody’d’ve", "somebody’dve": "somebody’d’ve",
        "somebodyll": "somebody’ll", "somebodys": "somebody’s", "someoned": "someone’d",
        "someoned’ve": "someone’d’ve", "someone’dve": "someone’d’ve", "someonell": "someone’ll",
        "someones": "someone’s", "somethingd": "something’d", "somethingd’ve": "something’d’ve",
        "something’dve": "something’d’ve", "somethingll": "something’ll", "thats": "that’s",
        "thered": "there’d", "thered’ve": "there’d’ve", "there’dve": "there’d’ve",
        "therere": "there’re", "theres": "there’s", "theyd": "they’d", "theyd’ve": "they’d’ve",
        "they’dve": "they’d’ve", "theyll": "they’ll", "theyre": "they’re", "theyve": "they’ve",
        "twas": "’twas", "wasnt": "wasn’t", "wed’ve": "we’d’ve", "we’dve": "we’d’ve",
        "weve": "we've", "werent": "weren’t", "whatll": "what’ll", "whatre": "what’re",
        "whats": "what’s", "whatve": "what’ve", "whens": "when’s", "whered": "where’d",
        "wheres": "where's", "whereve": "where’ve", "whod": "who’d", "whod’ve": "who’d’ve",
        "who’dve": "who’d’ve", "wholl": "who’ll", "whos": "who’s", "whove": "who've",
        "whyll": "why’ll", "whyre": "why’re", "whys": "why’s", "wont": "won’t",
        "wouldve": "would’ve", "wouldnt": "wouldn’t", "wouldnt’ve": "wouldn’t’ve",
        "wouldn’tve": "wouldn’t’ve", "yall": "y’all", "yall’ll": "y’all’ll", "y’allll": "y’all’ll",
        "yall’d’ve": "y’all’d’ve", "y’alld’ve": "y’all’d’ve", "y’all’dve": "y’all’d’ve",
        "youd": "you’d", "youd’ve": "you’d’ve", "you’dve": "you’d’ve", "youll": "you’ll",
        "youre": "you’re", "youve": "you’ve",
    ]
}

extension Character {
    fileprivate var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}

extension String {
    /// Without leading and trailing spaces (Python's `strip()` after tabs and newlines became
    /// spaces).
    fileprivate func trimmingSpaces() -> String {
        var characters = Substring(self)
        while characters.first?.isWhitespace == true { characters = characters.dropFirst() }
        while characters.last?.isWhitespace == true { characters = characters.dropLast() }
        return String(characters)
    }
}

/// Accuracy over a group of questions.
public struct VQAScore: Codable, Equatable, Sendable {
    /// Mean accuracy in [0, 1].
    public var accuracy: Double
    /// Questions scored.
    public var count: Int

    public init(accuracy: Double, count: Int) {
        self.accuracy = accuracy
        self.count = count
    }
}

/// The result of an evaluation (`Codable`; keys `accuracy`, `count`, `by_answer_type`,
/// `by_question_type`).
public struct VQAEvaluation: Codable, Equatable, Sendable {
    /// Mean accuracy over every scored question, in [0, 1].
    public var accuracy: Double
    /// Questions scored (rows without any human answer are not).
    public var count: Int
    /// Accuracy per answer type ("yes/no", "number", "other"), for rows that carry one.
    public var byAnswerType: [String: VQAScore]
    /// Accuracy per question type, for rows that carry one.
    public var byQuestionType: [String: VQAScore]

    enum CodingKeys: String, CodingKey {
        case accuracy, count
        case byAnswerType = "by_answer_type"
        case byQuestionType = "by_question_type"
    }
}

/// The official VQA accuracy of predicted answers (see the file banner).
public enum VQAAccuracy {
    /// The accuracy of `prediction` against the human `answers`: leave-one-out
    /// min(1, matches / 3) averaged over the subsets for two answers or more, exact match for
    /// one, 0 for none. Both sides are normalised.
    public static func score(prediction: String, answers: [String]) -> Double {
        let predicted = VQAAnswerNormalization.normalize(prediction)
        let humans = answers.map(VQAAnswerNormalization.normalize)
        switch humans.count {
        case 0: return 0
        case 1: return humans[0] == predicted ? 1 : 0
        default:
            let matches = humans.filter { $0 == predicted }.count
            // Leaving out human i leaves matches − [humanᵢ = prediction] agreeing humans.
            let total = humans.reduce(0.0) { sum, human in
                sum + min(1, Double(matches - (human == predicted ? 1 : 0)) / 3)
            }
            return total / Double(humans.count)
        }
    }

    /// Scores `predictions[i]` against `examples[i]`, overall and by answer and question type.
    /// Examples without human answers are left out. Throws when the counts differ.
    public static func evaluate(predictions: [String], examples: [VQAExample])
        throws(VQAError) -> VQAEvaluation
    {
        guard predictions.count == examples.count else {
            throw .invalidArgument(
                "\(predictions.count) predictions for \(examples.count) questions")
        }
        var sum = 0.0
        var count = 0
        var byAnswer: [String: (Double, Int)] = [:]
        var byQuestion: [String: (Double, Int)] = [:]
        for (prediction, example) in zip(predictions, examples) where !example.answers.isEmpty {
            let accuracy = score(prediction: prediction, answers: example.answers)
            sum += accuracy
            count += 1
            if let type = example.answerType {
                byAnswer[type, default: (0, 0)].0 += accuracy
                byAnswer[type, default: (0, 0)].1 += 1
            }
            if let type = example.questionType {
                byQuestion[type, default: (0, 0)].0 += accuracy
                byQuestion[type, default: (0, 0)].1 += 1
            }
        }
        func scores(_ groups: [String: (Double, Int)]) -> [String: VQAScore] {
            groups.mapValues { VQAScore(accuracy: $0.0 / Double($0.1), count: $0.1) }
        }
        return VQAEvaluation(
            accuracy: count == 0 ? 0 : sum / Double(count), count: count,
            byAnswerType: scores(byAnswer), byQuestionType: scores(byQuestion))
    }
}
