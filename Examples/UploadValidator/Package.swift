// swift-tools-version: 6.0
import PackageDescription

// A package that uses wamedia as any other package would: by URL and version, through its
// products. `scripts/check-consumer.sh` builds and runs it against a tagged clone of the
// repository, whose URL (file://…) it passes in WAMEDIA_PACKAGE_URL. Without the variable the
// dependency is the working tree this example sits in, for editing the examples.
let wamedia: Package.Dependency =
    if let url = Context.environment["WAMEDIA_PACKAGE_URL"] {
        .package(url: url, from: "0.1.0")
    } else {
        .package(path: "../..")
    }

let package = Package(
    name: "UploadValidator",
    platforms: [.macOS(.v15)],
    dependencies: [
        wamedia
    ],
    targets: [
        // What a CMS that validates uploads needs: the offline pipeline alone, no networking.
        .executableTarget(
            name: "upload-validator",
            dependencies: [.product(name: "WabaMedia", package: "wamedia")]
        ),
        // The README's library examples, as written there, so that they compile and run
        // (scripts/check-readme-examples.sh checks every swift block of README.md is here).
        .executableTarget(
            name: "readme-check",
            dependencies: [.product(name: "WabaMedia", package: "wamedia")]
        ),
        .executableTarget(
            name: "readme-send",
            dependencies: [
                .product(name: "WabaMedia", package: "wamedia"),
                .product(name: "WabaClient", package: "wamedia"),
                .product(name: "WabaSandbox", package: "wamedia"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
