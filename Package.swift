// swift-tools-version: 6.2
// shopperd: a self-healing MLOps pipeline for e-commerce purchase intent, in one daemon.
// Data flows one way: IO → Core → Store → ML / Drift → Pipeline → Daemon → CLI; IO → Inbox → Pipeline.
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
        // Only its UnixSignals product (libdispatch signal sources, awaited until registered).
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", exact: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system", exact: "1.8.1"),
        // The scoring endpoint's HTTP server (ShopperServe). Default traits off: no swift-configuration.
        .package(url: "https://github.com/hummingbird-project/hummingbird", exact: "2.28.1", traits: []),
        // Already built for Hummingbird; named here because `shopperd serve` takes a listening socket
        // from systemd, which Hummingbird's Server cannot (ShopperServe/HTTPListener.swift).
        .package(url: "https://github.com/apple/swift-nio", exact: "2.101.3"),
        .package(url: "https://github.com/apple/swift-nio-extras", exact: "1.35.2"),
        .package(url: "https://github.com/apple/swift-log", exact: "1.16.2"),
        // `GET /metrics` of `shopperd serve` (Prometheus text format); on swift-metrics' CoreMetrics.
        .package(url: "https://github.com/swift-server/swift-prometheus", exact: "2.4.1"),
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
        // The one POSIX file I/O layer (on swift-system's FileDescriptor and Errno): read a whole file,
        // write all, atomic replace, mkdir -p, errno text. EINTR is retried here and nowhere else.
        .target(
            name: "ShopperIO",
            dependencies: [.product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // Schema, strict CSV reading and validation, feature engineering. Pure: no I/O policy.
        .target(name: "ShopperCore", dependencies: ["CCrypto"], swiftSettings: strict),
        // The inbox and its rules: the naming rule, the `.shopperd` layout, claiming (Spool), writer
        // leases, defensive reading of entries, the inotify watcher and the start-up scan.
        .target(
            name: "ShopperInbox",
            dependencies: ["ShopperCore", "ShopperIO", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: strict
        ),
        // The versioned store (SQLite through GRDB): batches, layers, models, predictions.
        .target(
            name: "ShopperStore",
            dependencies: ["ShopperCore", "ShopperIO", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict
        ),
        // Random forest, metrics, model files. Numeric, depends on nothing of ours but Core's vocabulary.
        .target(name: "ShopperML", dependencies: ["ShopperCore"], swiftSettings: strict),
        // KS and chi-square tests, multiple-testing control, drift reports.
        .target(name: "ShopperDrift", dependencies: ["ShopperCore"], swiftSettings: strict),
        // One batch's life: ingest → drift → retrain/promote or score → outbox.
        .target(
            name: "ShopperPipeline",
            dependencies: ["ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift", "ShopperIO", "ShopperInbox"],
            swiftSettings: strict
        ),
        // Mirrors the store's registry, alias history and drift checks into an MLflow tracking server.
        .target(
            name: "ShopperTracking",
            dependencies: ["ShopperCore", "ShopperIO", "ShopperStore", "ShopperML", "ShopperDrift"],
            swiftSettings: strict
        ),
        // systemd notify + journal, signals, service lifecycle, configuration.
        .target(
            name: "ShopperDaemon",
            dependencies: [
                "ShopperIO", "ShopperInbox", "ShopperPipeline", "ShopperTracking", "ShopperNotify", "CSystemd",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The HTTP scoring endpoint (`shopperd serve`): MLflow's /invocations and the Open Inference
        // Protocol (KServe v2), scoring with the store's champion, followed as the alias moves.
        .target(
            name: "ShopperServe",
            dependencies: [
                "ShopperCore", "ShopperIO", "ShopperStore", "ShopperML", "ShopperPipeline", "CSystemd",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: strict
        ),
        // Notifications to the administrator: composing mail (MIME) and webhook payloads, and the
        // two transports, the system's `sendmail -t -oi` and HTTPS webhooks (Slack, Teams, JSON).
        .target(
            name: "ShopperNotify",
            dependencies: ["ShopperCore", "ShopperDrift", "ShopperStore", "ShopperPipeline", "ShopperIO"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "shopperd",
            dependencies: [
                "ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift", "ShopperPipeline", "ShopperDaemon",
                "ShopperTracking", "ShopperIO", "ShopperInbox", "ShopperServe", "ShopperNotify",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // Benchmarks: run with `swift run -c release shopperd-bench <suite>`; see docs/benchmarks.md.
        .executableTarget(
            name: "shopperd-bench",
            dependencies: [
                "ShopperCore", "ShopperStore", "ShopperML", "ShopperDrift", "ShopperPipeline", "ShopperInbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "ShopperCoreTests", dependencies: ["ShopperCore", "ShopperInbox"], swiftSettings: strict),
        .testTarget(name: "ShopperStoreTests", dependencies: ["ShopperStore", "ShopperInbox"], swiftSettings: strict),
        .testTarget(name: "ShopperMLTests", dependencies: ["ShopperML", "ShopperInbox"], resources: [.copy("Fixtures")], swiftSettings: strict),
        .testTarget(name: "ShopperDriftTests", dependencies: ["ShopperDrift", "ShopperInbox"], resources: [.copy("Fixtures")], swiftSettings: strict),
        // What the test targets share: temporary directories, `eventually`, a notify socket, journald, Command.
        .target(name: "ShopperTestSupport", dependencies: ["ShopperDaemon"], path: "Tests/ShopperTestSupport", swiftSettings: strict),
        .testTarget(name: "ShopperPipelineTests", dependencies: ["ShopperPipeline", "ShopperInbox", "ShopperIO", "ShopperTestSupport"], swiftSettings: strict),
        // Test helper for ShopperDaemonTests: a minimal daemon made of ShopperDaemon's parts, run as a
        // real child process (NOTIFY_SOCKET, watchdog, signals, exit status, systemd-analyze).
        .executableTarget(
            name: "shopperd-daemon-probe",
            dependencies: ["ShopperDaemon", "ShopperInbox"],
            path: "Tests/ShopperDaemonProbe",
            swiftSettings: strict
        ),
        .testTarget(
            name: "ShopperDaemonTests", dependencies: ["ShopperDaemon", "ShopperInbox", "ShopperTestSupport", "shopperd-daemon-probe"], swiftSettings: strict
        ),
        // Fills real stores by running the real `shopperd` binary (built with the tests), as EndToEndTests do.
        .testTarget(name: "ShopperTrackingTests", dependencies: ["ShopperTracking", "ShopperIO"], swiftSettings: strict),
        // Real programs: a shell script as sendmail, msmtp into aiosmtpd (skipped when either is
        // missing), Python's email package parsing the MIME, a loopback HTTP receiver.
        .testTarget(
            name: "ShopperNotifyTests",
            dependencies: ["ShopperNotify", "ShopperCore", "ShopperDrift", "ShopperStore", "ShopperPipeline", "ShopperInbox", "ShopperTestSupport"], swiftSettings: strict
        ),
        // ShopperServe's pure parts (the request readers), checked against each other; the HTTP
        // server itself is tested through the real binary in EndToEndTests.
        .testTarget(name: "ShopperServeTests", dependencies: ["ShopperServe", "ShopperCore", "ShopperML"], swiftSettings: strict),
        // Runs the real `shopperd` binary on real directories.
        .testTarget(
            name: "EndToEndTests", dependencies: ["ShopperCore", "ShopperStore", "ShopperML", "ShopperPipeline", "ShopperInbox", "ShopperTestSupport"],
            swiftSettings: strict
        ),
    ]
)
