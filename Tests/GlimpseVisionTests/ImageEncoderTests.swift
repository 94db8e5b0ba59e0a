import Foundation
// The shared encoder: grid shape and order, preprocessing, gradients reach every parameter.
import GlimpseLayers
import GlimpseMedia
import GlimpseTensor
import GlimpseVision
import TestSupport
import XCTest

final class ImageEncoderTests: XCTestCase {
    func testGridShapeAndLocationOrder() {
        var configuration = EncoderConfiguration()
        configuration.channels = [4, 6]
        configuration.preprocessing.width = 16
        configuration.preprocessing.height = 8
        XCTAssertEqual(configuration.locations, 4 * 2)
        let store = ParameterStore(seed: 1)
        let encoder = ImageEncoder(configuration, in: store.scope("encoder"))
        XCTAssertEqual(
            store.parameters.map(\.name),
            [
                "encoder.conv1.weight", "encoder.conv1.bias", "encoder.conv2.weight",
                "encoder.conv2.bias", "encoder.position",
            ])
        XCTAssertEqual(store["encoder.position"]?.shape, [8, 6])
        let images = sample([2, 3, 8, 16], seed: 2)
        let grid = encoder(images)
        XCTAssertEqual(grid.shape, [2, 8, 6])
        // Location p = y·W + x holds the channel vector of the last feature map at (y, x) plus
        // row p of the position embedding.
        let position = store["encoder.position"]!.value
        var x = images
        for index in 0..<2 {
            let conv = Conv2D(
                inChannels: index == 0 ? 3 : 4, outChannels: [4, 6][index], kernelSize: 3,
                padding: 1, in: ParameterStore().root)
            conv.weight.value = store["encoder.conv\(index + 1).weight"]!.value.detached()
            conv.bias!.value = store["encoder.conv\(index + 1).bias"]!.value.detached()
            x = maxPool2d(relu(conv(x)), kernel: (2, 2), stride: (2, 2))
        }
        for (y, xPosition, channel) in [(0, 0, 0), (1, 3, 5), (0, 2, 3)] {
            XCTAssertEqual(
                grid[1, y * 4 + xPosition, channel],
                x[1, channel, y, xPosition] + position[y * 4 + xPosition, channel], accuracy: 1e-6)
        }
        grid.sum().backward()
        for parameter in store.parameters { XCTAssertNotNil(parameter.gradient, parameter.name) }
    }

    func testConfigurationsWithoutPositionKeyDecodeWithoutIt() throws {
        let json =
            #"{"channels": [8], "preprocessing": {"width": 4, "height": 4, "#
            + #""resize": "stretch", "method": "area", "mean": [0, 0, 0], "std": [1, 1, 1]}}"#
        let decoder = JSONDecoder()
        let old = try decoder.decode(EncoderConfiguration.self, from: Data(json.utf8))
        XCTAssertFalse(old.positionEmbedding)
        let store = ParameterStore(seed: 1)
        _ = ImageEncoder(old, in: store.root)
        XCTAssertNil(store["position"])
        let written = try JSONEncoder().encode(EncoderConfiguration())
        XCTAssertTrue(String(decoding: written, as: UTF8.self).contains("\"position_embedding\""))
        XCTAssertTrue(
            try decoder.decode(EncoderConfiguration.self, from: written).positionEmbedding)
    }

    /// A model of RGB images, as captioning and VQA decode their encoder.
    struct RGBModel: Decodable {
        let encoder: EncoderConfiguration
        enum CodingKeys: CodingKey { case encoder }
        init(from decoder: any Decoder) throws {
            encoder = try decoder.container(keyedBy: CodingKeys.self).decodeRGBEncoder(
                forKey: .encoder)
        }
    }

    func testInputChannelsAreRangeCheckedAndRGBModelsRefuseOthers() throws {
        let base = try String(
            decoding: JSONEncoder().encode(EncoderConfiguration()), as: UTF8.self)
        XCTAssertTrue(base.contains("\"input_channels\":3"), base)
        for channels in [-1, 0, 1, 2, 3, 4, 6, 4096, 4097] {
            let json = base.replacingOccurrences(
                of: "\"input_channels\":3", with: "\"input_channels\":\(channels)")
            let encoder = try? JSONDecoder().decode(
                EncoderConfiguration.self, from: Data(json.utf8))
            XCTAssertEqual(encoder?.inputChannels, (1...4096).contains(channels) ? channels : nil)
            let model = try? JSONDecoder().decode(
                RGBModel.self, from: Data("{\"encoder\": \(json)}".utf8))
            XCTAssertEqual(model?.encoder.inputChannels, channels == 3 ? 3 : nil, "\(channels)")
        }
    }

    func testPreprocessingNormalisesPlanarRGB() {
        var preprocessing = Preprocessing()
        preprocessing.width = 2
        preprocessing.height = 2
        let image = Image(width: 4, height: 4, filledWith: [255, 128, 0])
        let input = preprocessing.tensor([image, image])
        XCTAssertEqual(input.shape, [2, 3, 2, 2])
        // (255/255 − 0.5)/0.25 = 2, (128/255 − 0.5)/0.25 ≈ 0.0078, (0 − 0.5)/0.25 = −2.
        XCTAssertEqual(input[0, 0, 0, 0], 2, accuracy: 1e-5)
        XCTAssertEqual(input[1, 1, 1, 1], (128.0 / 255 - 0.5) / 0.25, accuracy: 1e-5)
        XCTAssertEqual(input[0, 2, 1, 0], -2, accuracy: 1e-5)
    }
}
