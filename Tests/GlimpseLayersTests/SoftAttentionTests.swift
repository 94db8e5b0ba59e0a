// SoftAttention: parameter names, values against the numpy reference with and without a mask,
// the precomputed-projection path, and gradients of features, hidden state and parameters.
import GlimpseLayers
import GlimpseTensor
import TestSupport
import XCTest

final class SoftAttentionTests: XCTestCase {
    func testParameterNamesAndShapes() {
        let store = ParameterStore(seed: 1)
        _ = SoftAttention(
            features: 3, hidden: 4, attention: 6, in: store.scope("decoder").scope("attention"))
        XCTAssertEqual(
            store.parameters.map(\.name),
            [
                "decoder.attention.encoder_att.weight", "decoder.attention.encoder_att.bias",
                "decoder.attention.decoder_att.weight", "decoder.attention.decoder_att.bias",
                "decoder.attention.full_att.weight", "decoder.attention.full_att.bias",
            ])
        XCTAssertEqual(store.parameters.map(\.shape), [[6, 3], [6], [6, 4], [6], [1, 6], [1]])
    }

    func testMatchesNumpyReferenceWithAndWithoutMask() throws {
        let reference = try RecurrentReference.load("soft_attention")
        let store = ParameterStore()
        let attention = SoftAttention(features: 3, hidden: 4, attention: 6, in: store.root)
        try reference.load(into: store)
        let (features, hidden) = (reference.input("features"), reference.input("hidden"))
        let plain = attention(features, hidden: hidden)
        assertClose(plain.alpha, reference.output("alpha"), absoluteTolerance: 1e-6, "alpha")
        assertClose(plain.context, reference.output("context"), absoluteTolerance: 1e-6, "context")

        let mask = reference.output("mask")
        let masked = attention(features, hidden: hidden, mask: mask)
        assertClose(
            masked.alpha, reference.output("masked_alpha"), absoluteTolerance: 1e-6, "masked alpha")
        assertClose(
            masked.context, reference.output("masked_context"), absoluteTolerance: 1e-6,
            "masked context")
        // Masked locations get exactly zero weight; each row is a distribution.
        XCTAssertEqual(masked.alpha[1, 3], 0)
        XCTAssertEqual(masked.alpha[1, 4], 0)
        assertClose(masked.alpha.sum(alongAxis: 1).scalars, [1, 1], absoluteTolerance: 1e-6)
    }

    func testPrecomputedProjectionMatchesDirectCall() {
        let store = ParameterStore(seed: 2)
        let attention = SoftAttention(features: 5, hidden: 3, attention: 4, in: store.root)
        let features = sample([2, 7, 5], seed: 3)
        let projected = attention.projectFeatures(features)  // once for all steps
        XCTAssertEqual(projected.shape, [2, 7, 4])
        for step in 0..<3 {
            let hidden = sample([2, 3], seed: 10 + UInt64(step))
            let direct = attention(features, hidden: hidden)
            let cached = attention(features, projected: projected, hidden: hidden)
            assertClose(cached.context, direct.context)
            assertClose(cached.alpha, direct.alpha)
        }
    }

    func testGradientsOfFeaturesHiddenAndParameters() {
        let store = ParameterStore(seed: 4)
        let attention = SoftAttention(features: 3, hidden: 2, attention: 4, in: store.root)
        let features = sample([2, 5, 3], seed: 5)
        let hidden = sample([2, 2], seed: 6)
        let mask = Tensor(shape: [2, 5], scalars: [1, 1, 1, 1, 1, 0, 1, 1, 0, 1])
        for mask in [nil, mask] {
            checkGradients([features, hidden] + store.parameters.map(\.value)) { p in
                for (parameter, value) in zip(store.parameters, p[2...]) { parameter.value = value }
                let (context, alpha) = attention(p[0], hidden: p[1], mask: mask)
                return concat([context, alpha], axis: 1)
            }
        }
    }
}
