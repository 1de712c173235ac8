// swift-tools-version: 6.0
import Foundation
import PackageDescription

// A package that uses wamedia as any other package would: by URL and version, through its
// products. `scripts/check-consumer.sh` builds and runs it against a tagged clone of the
// repository, whose URL (file://…/wamedia) it passes in WAMEDIA_PACKAGE_URL. Without the
// variable the dependency is the working tree this example sits in, for editing the examples; a
// path dependency is known by its folder's name.
let (wamedia, wamediaPackage): (Package.Dependency, String) =
    if let url = Context.environment["WAMEDIA_PACKAGE_URL"] {
        (.package(url: url, from: "0.1.0"), "wamedia")
    } else {
        (.package(path: "../.."), URL(fileURLWithPath: Context.packageDirectory + "/../..").standardized.lastPathComponent)
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
            dependencies: [.product(name: "WabaMedia", package: wamediaPackage)]
        ),
        // The README's library examples, as written there, so that they compile and run
        // (scripts/check-readme-examples.sh checks every swift block of README.md is here).
        .executableTarget(
            name: "readme-check",
            dependencies: [.product(name: "WabaMedia", package: wamediaPackage)]
        ),
        .executableTarget(
            name: "readme-prepare",
            dependencies: [.product(name: "WabaMedia", package: wamediaPackage)]
        ),
        .executableTarget(
            name: "readme-send",
            dependencies: [
                .product(name: "WabaMedia", package: wamediaPackage),
                .product(name: "WabaClient", package: wamediaPackage),
                .product(name: "WabaSandbox", package: wamediaPackage),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
