// `--attention-map`: one PNG with the input and a heatmap per generated word.
import GlimpseCaption
import GlimpseMedia

enum AttentionMapWriter {
    static func write(
        caption: GeneratedCaption, image: Image, model: CaptionModel, to path: String
    ) throws {
        guard !caption.attention.isEmpty else {
            throw ValidationFailure(
                "\(path): the \(model.configuration.decoder.rawValue) decoder has no attention to draw"
            )
        }
        let encoder = model.configuration.encoder
        let sheet = AttentionMapSheet.render(
            image: encoder.preprocessing.resized(image),
            words: caption.tokens.map { model.vocabulary.words[$0] },
            attention: caption.attention, gridWidth: encoder.gridWidth,
            gridHeight: encoder.gridHeight)
        try sheet.write(to: path)
    }
}
