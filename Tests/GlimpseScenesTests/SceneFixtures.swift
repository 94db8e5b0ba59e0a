// Hand-built scenes whose captions, facts and questions the tests check word by word.
import GlimpseScenes

enum HandScenes {
    static let background = SceneBackground(
        kind: .solid, from: [45, 45, 48], to: [45, 45, 48], noise: 0, noiseSeed: 0)

    /// A small red circle left of a large blue square, on one row (threshold 8 at 64×64).
    static let pair = Scene(
        width: 64, height: 64, background: background,
        objects: [
            SceneObject(shape: .circle, color: .red, size: .small, x: 15, y: 20, radius: 5),
            SceneObject(shape: .square, color: .blue, size: .large, x: 40, y: 22, radius: 10),
        ])

    /// Triangle (top left), diamond (top right) and square under the diamond:
    ///   triangle–diamond: dx 28, dy 2; triangle–square: dx 30, dy 36; diamond–square: dx 2, dy 34.
    static let triple = Scene(
        width: 64, height: 64, background: background,
        objects: [
            SceneObject(shape: .triangle, color: .green, size: .small, x: 12, y: 12, radius: 5),
            SceneObject(shape: .diamond, color: .yellow, size: .large, x: 40, y: 14, radius: 9),
            SceneObject(shape: .square, color: .white, size: .small, x: 42, y: 48, radius: 6),
        ])
}
