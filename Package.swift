// swift-tools-version: 6.2
// shopperd: a self-healing MLOps pipeline for e-commerce purchase intent, in one daemon.
// Data flows one way: Core → Store → ML / Drift → Pipeline → Daemon → CLI.
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
]

let package = Package(
    name: "shopperd",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "shopperd", targets: ["shopperd"]),
        .executable(name: "shopperd-bench", targets: ["shopperd-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/groue/GRDB.swift", exact: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", exact: "1.8.2"),
    ],
    targets: [
        // libsystemd (sd_notify, sd_journal_sendv). On Debian: apt-get install -y libsystemd-dev.
        .systemLibrary(
            name: "CSystemd",
            pkgConfig: "libsystemd",
            providers: [.apt(["libsystemd-dev"])]
        ),
        // libcrypto's SHA-256 (EVP), which uses the CPU's SHA instructions. On Debian: apt-get install -y libssl-dev.
        .systemLibrary(
            name: "CCrypto",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Schema, strict CSV reading and validation, feature engineering. Pure: no I/O policy.
        .target(name: "ShopperCore", dependencies: ["CCrypto"], swiftSettings: strict),
        // The versioned store (SQLite through GRDB): batches, layers, models, predictions.
        .target(
            name: "ShopperStore",
            dependencies: ["ShopperCore", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // Random forest, metrics, model files. Numeric, depends on nothing of ours but Core's vocabulary.
        .target(name: "ShopperML", dependencies: ["ShopperCore"], swiftSettings: strict),
        // KS and chi-square tests, multiple-testing control, drift reports.
        .target(name: "ShopperDrift", dependencies: ["ShopperCore"], swiftSettings: strict),
        // One batch's life: ingest → drift → retrain/promote or score → outbox.
        .target(
            name: "ShopperPipeline",
            dependencies: ["ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift"],
            swiftSettings: strict
        ),
        // Mirrors the store's registry, alias history and drift checks into an MLflow tracking server.
        .target(
            name: "ShopperTracking",
            dependencies: ["ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift"],
            swiftSettings: strict
        ),
        // inotify watcher, systemd notify + journal, signals, service lifecycle.
        .target(
            name: "ShopperDaemon",
            dependencies: ["ShopperPipeline", "ShopperTracking", "CSystemd"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "shopperd",
            dependencies: [
                "ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift", "ShopperPipeline", "ShopperDaemon",
                "ShopperTracking",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks: run with `swift run -c release shopperd-bench <suite>`; see README.
        .executableTarget(
            name: "shopperd-bench",
            dependencies: [
                "ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift", "ShopperPipeline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ShopperCoreTests", dependencies: ["ShopperCore"], swiftSettings: strict),
        .testTarget(name: "ShopperStoreTests", dependencies: ["ShopperStore"], swiftSettings: strict),
        .testTarget(name: "ShopperMLTests", dependencies: ["ShopperML"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ShopperDriftTests", dependencies: ["ShopperDrift"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ShopperPipelineTests", dependencies: ["ShopperPipeline"], swiftSettings: strict),
        // Test helper for ShopperDaemonTests: a minimal daemon made of ShopperDaemon's parts, run as a
        // real child process (NOTIFY_SOCKET, watchdog, signals, exit status, systemd-analyze).
        .executableTarget(
            name: "shopperd-daemon-probe",
            dependencies: ["ShopperDaemon"],
            path: "Tests/ShopperDaemonProbe",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ShopperDaemonTests", dependencies: ["ShopperDaemon", "shopperd-daemon-probe"], swiftSettings: strict
        ),
        // Fills real stores by running the real `shopperd` binary (built with the tests), as EndToEndTests do.
        .testTarget(name: "ShopperTrackingTests", dependencies: ["ShopperTracking"], swiftSettings: strict),
        // Runs the real `shopperd` binary on real directories.
        .testTarget(name: "EndToEndTests", dependencies: ["ShopperCore", "ShopperStore", "ShopperML", "ShopperPipeline"], swiftSettings: strict),
    ]
)
