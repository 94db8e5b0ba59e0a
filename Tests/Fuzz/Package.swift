// swift-tools-version:6.0
// libFuzzer targets for Glimpse's decoders and loaders, kept out of the main package: an
// executable that defines LLVMFuzzerTestOneInput and no main links only with
// -sanitize=fuzzer. Build and run one with `scripts/fuzz TARGET SECONDS` (from the repository
// root); seed corpora are in fixtures/fuzz/TARGET.
import PackageDescription

let package = Package(
    name: "GlimpseFuzz",
    dependencies: [.package(name: "Glimpse", path: "../..")],
    targets: [
        .executableTarget(
            name: "FuzzPNG", dependencies: [.product(name: "GlimpseMedia", package: "Glimpse")]),
        .executableTarget(
            name: "FuzzJPEG", dependencies: [.product(name: "GlimpseMedia", package: "Glimpse")]),
        .executableTarget(
            name: "FuzzVideo", dependencies: [.product(name: "GlimpseMedia", package: "Glimpse")]),
        .executableTarget(
            name: "FuzzSafetensors",
            dependencies: [.product(name: "GlimpseTensor", package: "Glimpse")]),
        .executableTarget(
            name: "FuzzCaptionData",
            dependencies: [.product(name: "GlimpseCaption", package: "Glimpse")]),
        .executableTarget(
            name: "FuzzModel",
            dependencies: [
                .product(name: "GlimpseCaption", package: "Glimpse"),
                .product(name: "GlimpseMedia", package: "Glimpse"),
            ]),
    ]
)
