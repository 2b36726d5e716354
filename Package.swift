// swift-tools-version:6.2
import PackageDescription

let package = Package(
    name: "gizmolua",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "gizmolua", targets: ["gizmolua"]),
        .executable(name: "gizmobench", targets: ["gizmobench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket.git", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
        .package(url: "https://github.com/apple/swift-nio-extras.git", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-http-types.git", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift.git", from: "7.10.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/vapor/postgres-nio.git", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        .systemLibrary(name: "CLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .target(name: "CGizmoLua", dependencies: ["CLua"]),
        // A module's shared store (gz.store): SQLite through GRDB, on Debian's
        // libsqlite3; or PostgreSQL through postgres-nio, shared by replicas.
        .target(name: "GizmoStore", dependencies: [
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What a script may reach beyond its folders and its page (--allow-run, ...).
        .target(name: "GizmoGrants"),
        // The inotify watcher, for hot reload (GizmoServer) and gz.tail (GizmoLua), and LogText.
        .target(name: "GizmoWatch", dependencies: [.product(name: "Logging", package: "swift-log")]),
        // Programs a script starts (gz.spawn) and watches (gz.process): spawning
        // through swift-subprocess, output as lines with backpressure, /proc stats.
        .target(name: "GizmoProcess", dependencies: [.product(name: "Subprocess", package: "swift-subprocess")]),
        .target(
            name: "GizmoLua",
            dependencies: [
                "CLua", "CGizmoLua", "GizmoStore", "GizmoGrants", "GizmoWatch", "GizmoProcess",
                .product(name: "Logging", package: "swift-log"),
                // gz.fetch (docs/architecture.md, "Calling HTTP")
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            resources: [.embedInCode("Resources/runtime.lua"), .embedInCode("Resources/sandbox.lua"),
                        .embedInCode("Resources/scheduler.lua"), .embedInCode("Resources/page.lua"),
                        .embedInCode("Resources/components.lua"), .embedInCode("Resources/gizmo.lua"),
                        .embedInCode("Resources/plot.lua"), .embedInCode("Resources/inputs.lua"),
                        .embedInCode("Resources/bridge.lua"), .embedInCode("Resources/proxies.lua"),
                        .embedInCode("Resources/extras.lua"), .embedInCode("Resources/store.lua"),
                        .embedInCode("Resources/live.lua"), .embedInCode("Resources/files.lua"),
                        .embedInCode("Resources/fetch.lua"),
                        .embedInCode("Resources/process.lua"), .embedInCode("Resources/mistakes.lua")]
        ),
        .target(
            name: "GizmoServer",
            dependencies: [
                "GizmoLua", "GizmoStore", "GizmoGrants", "GizmoWatch",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            resources: [
                .embedInCode("Resources/gizmo.js"),
                .embedInCode("Resources/gizmo.css"),
                .embedInCode("Resources/index.html"),
            ]
        ),
        // `gizmolua test`: gizmo scripts' own tests (*_test.lua) against
        // simulated pages, a simulated clock and scripted programs, in process.
        .target(
            name: "GizmoHarness",
            dependencies: [
                "GizmoServer", "GizmoLua", "GizmoStore", "GizmoGrants", "GizmoProcess",
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.embedInCode("Resources/test.lua")]
        ),
        .executableTarget(
            name: "gizmolua",
            dependencies: [
                "GizmoServer", "GizmoLua", "GizmoStore", "GizmoGrants", "GizmoHarness",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // jemalloc (Debian's libjemalloc2): the server's allocator, which
            // gives memory back after sessions end (Sources/CGizmoLua/process_memory.c).
            // Linked as a shared library, so that every library of the process
            // (libc's own strdup, libstdc++, liblua) allocates and frees with
            // it: linked statically, its functions stay hidden from them under
            // --static-swift-stdlib, and a block from glibc's malloc freed by
            // jemalloc crashes.
            linkerSettings: [.linkedLibrary("jemalloc", .when(platforms: [.linux]))]
        ),
        .executableTarget(
            name: "gizmobench",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                // the static floor of the first-paint row serves its copy of the page
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
            ],
            // bench_h5, the Python package of the side by side with H5Gizmos (Makefile: bench-h5gizmos);
            // the Python helpers of `make profile` and of the first-paint row
            exclude: ["h5gizmos", "profile", "firstpaint"]
        ),
        .target(name: "GizmoTestFixtures", path: "Tests/GizmoTestFixtures"),
        .testTarget(name: "GizmoStoreTests", dependencies: ["GizmoStore", "GizmoTestFixtures",
                                                         .product(name: "Logging", package: "swift-log")]),
        .testTarget(name: "GizmoGrantsTests", dependencies: ["GizmoGrants"]),
        .testTarget(name: "GizmoWatchTests", dependencies: ["GizmoWatch", "GizmoTestFixtures"]),
        .testTarget(
            name: "GizmoLuaTests",
            dependencies: [
                "GizmoLua", "GizmoStore", "GizmoGrants", "CLua", "GizmoTestFixtures",
                // gz.fetch's tests answer from a Hummingbird app on loopback
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "GizmoProcessTests", dependencies: ["GizmoProcess"]),
        // gizmobench's own logic (the scale run's plan, /proc, limits) and a small scale run.
        .testTarget(
            name: "GizmoBenchTests",
            dependencies: ["gizmobench", .product(name: "NIOCore", package: "swift-nio")]
        ),
        .testTarget(
            name: "GizmoHarnessTests",
            dependencies: [
                "GizmoHarness", "GizmoLua", "GizmoTestFixtures",
                // scripted programs' tests drive a GizmoVM of their own
                "GizmoProcess", "GizmoGrants", .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "GizmoServerTests",
            dependencies: [
                "GizmoServer", "GizmoLua", "GizmoStore", "GizmoGrants", "GizmoTestFixtures",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOWebSocket", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
