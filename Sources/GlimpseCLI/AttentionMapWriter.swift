// `--attention-map`: one PNG with the input and a heatmap per generated word.
import GlimpseCaption
import GlimpseMedia
import GlimpseVision

enum AttentionMapWriter {
    static func write(
        caption: GeneratedCaption, image: Image, model: CaptionModel,
        resize: Preprocessing.ResizeMode? = nil, to path: String
    ) throws {
        guard !caption.attention.isEmpty else {
            throw ValidationFailure(
                "\(path): the \(model.configuration.decoder.rawValue) decoder has no attention to draw"
            )
        }
        let encoder = model.configuration.encoder
        var preprocessing = encoder.preprocessing
        preprocessing.resize = resize ?? preprocessing.resize
        let sheet = AttentionMapSheet.render(
            image: preprocessing.resized(image),
            words: caption.tokens.map { model.vocabulary.words[$0] },
            attention: caption.attention, gridWidth: encoder.gridWidth,
            gridHeight: encoder.gridHeight)
        try sheet.write(to: path)
    }
}
