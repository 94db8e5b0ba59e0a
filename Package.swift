// swift-tools-version:6.0
// Glimpse: multimodal (vision + sequence) pipelines on Linux, in one native binary.
import PackageDescription

let package = Package(
    name: "Glimpse",
    products: [
        .executable(name: "glimpse", targets: ["GlimpseCLI"]),
        .executable(name: "glimpse-bench", targets: ["GlimpseBench"]),
        .library(name: "GlimpseMedia", targets: ["GlimpseMedia"]),
        .library(name: "GlimpsePipeline", targets: ["GlimpsePipeline"]),
        .library(name: "GlimpseTensor", targets: ["GlimpseTensor"]),
        .library(name: "GlimpseLayers", targets: ["GlimpseLayers"]),
        .library(name: "GlimpseTraining", targets: ["GlimpseTraining"]),
        .library(name: "GlimpseLanguageModel", targets: ["GlimpseLanguageModel"]),
        .library(name: "GlimpseVision", targets: ["GlimpseVision"]),
        .library(name: "GlimpseCaption", targets: ["GlimpseCaption"]),
        .library(name: "GlimpseLabeling", targets: ["GlimpseLabeling"]),
        .library(name: "GlimpseVQA", targets: ["GlimpseVQA"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0")
    ],
    targets: [
        // C libraries from Debian, as system-library targets (pkg-config names checked in PLATFORM.md).
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(
            name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CFFmpeg", pkgConfig: "libavformat",
            providers: [
                .apt(["libavformat-dev", "libavcodec-dev", "libavutil-dev", "libswscale-dev"])
            ]),
        .systemLibrary(
            name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        // libpng reports errors by longjmp: this shim keeps setjmp/longjmp inside C.
        .target(name: "CPNGShim", dependencies: ["CPNG"]),

        .target(name: "GlimpseSupport"),
        .target(
            name: "GlimpseMedia",
            dependencies: ["CPNGShim", "CTurboJPEG", "CFFmpeg", "GlimpseSupport"]),
        // σ, tanh and the LSTM cell, compiled for baseline x86-64 and for AVX2+FMA (chosen at
        // run time): Swift code can only use the baseline's SSE2.
        .target(name: "CVectorMath"),
        .target(
            name: "GlimpseTensor", dependencies: ["COpenBLAS", "CVectorMath", "GlimpseSupport"]),
        .target(name: "GlimpseLayers", dependencies: ["GlimpseTensor", "GlimpseSupport"]),
        // The one training engine: loop, checkpoints, signals, guards, progress, metrics log and
        // curve.
        .target(
            name: "GlimpseTraining",
            dependencies: ["GlimpseMedia", "GlimpseTensor", "GlimpseLayers", "GlimpseSupport"]),
        .target(name: "GlimpseScenes", dependencies: ["GlimpseMedia", "GlimpseSupport"]),
        // Stages, pipeline files, the overlapped executor and resumable batch runs; the task
        // modules provide their own stages on top of it.
        .target(name: "GlimpsePipeline", dependencies: ["GlimpseMedia", "GlimpseSupport"]),
        .target(
            name: "GlimpseVision",
            dependencies: [
                "GlimpseMedia", "GlimpsePipeline", "GlimpseTensor", "GlimpseLayers",
                "GlimpseSupport",
            ]),
        .target(
            name: "GlimpseCaption",
            dependencies: [
                "GlimpseMedia", "GlimpsePipeline", "GlimpseTensor", "GlimpseLayers",
                "GlimpseScenes",
                "GlimpseSupport", "GlimpseTraining", "GlimpseVision",
            ]),
        // Visual question answering: data formats, vocabularies, the official accuracy, the model.
        .target(
            name: "GlimpseVQA",
            dependencies: [
                "GlimpseMedia", "GlimpsePipeline", "GlimpseTensor", "GlimpseLayers",
                "GlimpseSupport", "GlimpseTraining", "GlimpseVision",
            ]),
        .target(
            name: "GlimpseLanguageModel",
            dependencies: ["GlimpseLayers", "GlimpseTensor", "GlimpseSupport", "GlimpseTraining"]),
        // Frame labelling: the online LSTM labeller, its data formats, metrics and training.
        .target(
            name: "GlimpseLabeling",
            dependencies: [
                "GlimpseMedia", "GlimpsePipeline", "GlimpseTensor", "GlimpseLayers",
                "GlimpseSupport", "GlimpseTraining", "GlimpseVision",
            ]),
        .executableTarget(
            name: "GlimpseCLI",
            dependencies: [
                "GlimpseMedia", "GlimpsePipeline", "GlimpseTensor", "GlimpseLayers",
                "GlimpseSupport",
                "GlimpseLanguageModel", "GlimpseScenes", "GlimpseCaption", "GlimpseTraining",
                "GlimpseLabeling", "GlimpseVQA", "GlimpseVision",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "GlimpseBench",
            dependencies: [
                "GlimpseMedia", "GlimpseTensor", "GlimpseLayers", "GlimpseCaption", "GlimpseScenes",
                "GlimpsePipeline", "GlimpseVision", "GlimpseVQA", "GlimpseLabeling",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        .target(
            name: "TestSupport", dependencies: ["GlimpseMedia", "GlimpseTensor"],
            path: "Tests/TestSupport"),
        .testTarget(name: "GlimpseSupportTests", dependencies: ["GlimpseSupport"]),
        .testTarget(
            name: "GlimpseTensorTests",
            dependencies: ["CVectorMath", "GlimpseTensor", "TestSupport"],
            exclude: ["reference"]),
        .testTarget(
            name: "GlimpseLayersTests", dependencies: ["GlimpseLayers", "TestSupport"],
            exclude: ["reference"]),
        .testTarget(
            name: "GlimpseTrainingTests",
            dependencies: ["GlimpseTraining", "GlimpseLayers", "GlimpseTensor", "TestSupport"]),
        .testTarget(
            name: "GlimpseVisionTests", dependencies: ["GlimpseVision", "TestSupport"]),
        .testTarget(
            name: "GlimpseScenesTests", dependencies: ["GlimpseScenes", "TestSupport"]),
        .testTarget(
            name: "GlimpseCaptionTests",
            dependencies: [
                "GlimpseCaption", "GlimpsePipeline", "GlimpseVision", "GlimpseScenes",
                "TestSupport",
            ],
            exclude: ["reference"]),
        // GlimpseScenes only for the test that reads the synthetic questions.jsonl.
        .testTarget(
            name: "GlimpseVQATests", dependencies: ["GlimpseVQA", "GlimpseScenes", "TestSupport"]),
        .testTarget(
            name: "GlimpseLanguageModelTests",
            dependencies: ["GlimpseLanguageModel", "GlimpseTraining", "TestSupport"]),
        .testTarget(
            name: "GlimpseMediaTests", dependencies: ["GlimpseMedia", "TestSupport"],
            exclude: ["reference"]),
        .testTarget(
            name: "GlimpseLabelingTests",
            dependencies: [
                "GlimpseLabeling", "GlimpseLayers", "GlimpseMedia", "GlimpsePipeline",
                "GlimpseScenes",
                "GlimpseTensor",
                "GlimpseTraining", "TestSupport",
            ]),
        .testTarget(
            name: "GlimpsePipelineTests", dependencies: ["GlimpsePipeline", "TestSupport"]),
        .testTarget(
            name: "GlimpseCLITests", dependencies: ["GlimpseCLI", "GlimpseMedia", "TestSupport"]),
    ]
)
