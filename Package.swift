// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "wamedia",
    platforms: [.macOS(.v15)],
    products: [
        // The offline pipeline (detect, validate, prepare, name, encode): no networking dependency,
        // for tools that only check or prepare files.
        .library(name: "WabaMedia", targets: ["WabaMedia", "WabaEncoding"]),
        // Sending and remote asset checks, over AsyncHTTPClient; used together with WabaMedia.
        .library(name: "WabaClient", targets: ["WabaClient"]),
        // The local stand-in for the send-media API, for tests of code that sends.
        .library(name: "WabaSandbox", targets: ["WabaSandbox"]),
        // `wamedia serve`: the send-media API in front of the real one, preparing every file on its way.
        .library(name: "WabaGateway", targets: ["WabaGateway"]),
        // Campaigns: many messages, each sent once, with a durable journal (SQLite, or PostgreSQL for many workers).
        .library(name: "WabaCampaign", targets: ["WabaCampaign"]),
        .executable(name: "wamedia", targets: ["wamedia"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        // `swift package generate-documentation`: the DocC catalogs under Sources/*/*.docc.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        // The campaign journal many workers share (`--journal postgres://…`).
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        // Runs ffmpeg for transcoding: no shell, its output streamed, cancellation as terminate-then-kill.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
    ],
    targets: [
        // Native libraries, reached through pkg-config.
        .systemLibrary(
            name: "CVips",
            pkgConfig: "vips",
            providers: [.apt(["libvips-dev"])]
        ),
        .systemLibrary(
            name: "CMagic",
            pkgConfig: "libmagic",
            providers: [.apt(["libmagic-dev"])]
        ),
        // Fixed-arity wrappers over libvips' variadic API. libjpeg (libvips' own, libjpeg62-turbo)
        // runs the JPEG decode that reads ahead of a reduction.
        .target(
            name: "CVipsShim", dependencies: ["CVips"],
            linkerSettings: [.linkedLibrary("gmodule-2.0"), .linkedLibrary("z"), .linkedLibrary("jpeg")]),
        // Vectorised base64 encoding with a portable scalar fallback. No unsafe flags (a package
        // that has them cannot be depended on by version): the vector kernels get their
        // instruction sets from per-function target attributes, their speed from the release
        // build's own optimisation.
        .target(name: "CBase64"),
        // Streaming base64 of files, on its own so that a process that only encodes does not load
        // libvips, libmagic or Foundation (~30 ms and ~30 MB at start-up).
        .target(name: "WabaEncoding", dependencies: ["CBase64"]),

        // The offline pipeline: detect, validate, probe, transform, name, encode, payload.
        .target(
            name: "WabaMedia",
            dependencies: [
                "CMagic",
                "CVipsShim",
                "WabaEncoding",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
                // The blocking work's threads (NIOThreadPool).
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Networking: the send client and remote asset checks.
        .target(
            name: "WabaClient",
            dependencies: [
                "WabaMedia",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // A send-media request body parsed as it arrives, its base64 media decoded straight into a
        // file: what the sandbox and the gateway both take in.
        .target(name: "WabaRequestBody"),
        // The local stand-in for the send-media API.
        .target(
            name: "WabaSandbox",
            dependencies: [
                "WabaMedia",
                "WabaClient",
                "WabaRequestBody",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The media gateway: the send-media API served locally, each file prepared, then passed upstream.
        .target(
            name: "WabaGateway",
            dependencies: [
                "WabaMedia",
                "WabaClient",
                "WabaRequestBody",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // Campaigns: the sender, its journal, its reports.
        .target(
            name: "WabaCampaign",
            dependencies: [
                "WabaMedia",
                "WabaClient",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "wamedia",
            dependencies: [
                "WabaMedia",
                "WabaClient",
                "WabaCampaign",
                "WabaSandbox",
                "WabaGateway",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // Shared by the test targets: fixture tools and running the built CLI.
        .target(
            name: "TestSupport", dependencies: [.product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"),
        .testTarget(
            name: "WabaMediaTests", dependencies: ["WabaMedia", "WabaEncoding", "TestSupport"],
            resources: [.copy("Resources")]),
        .testTarget(name: "WabaEncodingTests", dependencies: ["WabaEncoding"]),
        .testTarget(
            name: "WabaClientTests",
            dependencies: [
                "WabaMedia", "WabaClient", "WabaSandbox", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "WabaGatewayTests",
            dependencies: [
                "WabaGateway", "WabaSandbox", "WabaMedia", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "CLITests", dependencies: ["wamedia", "WabaSandbox", "TestSupport"]),
        .testTarget(
            name: "WabaCampaignTests",
            dependencies: [
                "WabaCampaign", "WabaMedia", "WabaClient", "WabaSandbox", "wamedia", "TestSupport",
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "MetricsTestKit", package: "swift-metrics"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "BatchTests",
            dependencies: [
                "WabaMedia", "WabaClient", "wamedia", "TestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Benchmarks stay out of the default build: `WAMEDIA_BENCHMARKS=1 swift build -c release`
// adds them (scripts/bench-*.sh do that).
if Context.environment["WAMEDIA_BENCHMARKS"] != nil {
    package.targets.append(
        .executableTarget(name: "base64-bench", dependencies: ["WabaEncoding"], path: "Benchmarks/Base64"))
    package.targets.append(
        .executableTarget(name: "journal-bench", dependencies: ["WabaCampaign"], path: "Benchmarks/Journal"))
}

// Every Swift target: `any` spelled out; libraries also keep their imports internal, so no
// dependency's types leak into the public API by accident.
for target in package.targets where target.type != .system && target.type != .test && !target.name.hasPrefix("C") {
    var settings = target.swiftSettings ?? []
    settings.append(.enableUpcomingFeature("ExistentialAny"))
    if target.type == .regular {
        settings.append(.enableUpcomingFeature("InternalImportsByDefault"))
    }
    target.swiftSettings = settings
}
