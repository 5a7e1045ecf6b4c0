// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Canary",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "RiskCore", targets: ["RiskCore"]),
        .library(name: "DeviceFormats", targets: ["DeviceFormats"]),
        .library(name: "Wire", targets: ["Wire"]),
        .executable(name: "canary-agent", targets: ["EdgeAgent"]),
        .executable(name: "canary-collector", targets: ["Collector"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // HTTP for the collector's API; its default traits (swift-configuration, full Foundation) are not needed.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
        // The HTTP request parts the API's connection handlers see (Hummingbird's own; RequestBounds reads them).
        // NIOEmbedded for the collector's tests of a channel handler (swift-nio comes with Hummingbird).
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        // Bearer-token authentication and role policies on the API's routes.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        // SHA-256 of API tokens, HMAC of pseudonyms (OpenSSL stays for BTHome's AES-CCM, which swift-crypto lacks).
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        // HTTPS with mutual TLS to the employer's X-Road security server (occupational-accident reports).
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // Metrics: swift-metrics' API, exported in the Prometheus format by swift-prometheus.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        // PostgreSQL storage (`storage.postgres`): several collectors on one database.
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Pure detection: Foundation at most, no I/O, no clock reads.
        .target(name: "RiskCore"),
        // BLE payloads: bytes → typed readings. Pure: no I/O.
        .target(name: "DeviceFormats", dependencies: ["COpenSSL"]),
        // OpenSSL's libcrypto, for AES-CCM (BTHome encryption).
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL"),
        // A virtual worksite from a YAML scenario: the bytes real devices would send.
        .target(name: "WorksiteSimulator", dependencies: ["DeviceFormats", .product(name: "Yams", package: "Yams")]),
        // zlib, for reading gzip-compressed recordings (SisFall CSVs).
        .systemLibrary(name: "CZlib", path: "Sources/CZlib"),
        // Reading recordings from files: gzip/plain lines, motion CSV.
        .target(name: "Recordings", dependencies: ["RiskCore", "CZlib"]),
        // libmosquitto (libmosquitto-dev), wrapped once by MQTT.
        .systemLibrary(name: "CMosquitto", path: "Sources/CMosquitto"),
        .target(name: "MQTT", dependencies: ["CMosquitto"]),
        // libbluetooth (libbluetooth-dev), wrapped once by BlueZ.
        .systemLibrary(name: "CBluetooth", path: "Sources/CBluetooth"),
        // The kernel's Bluetooth stack: adapters, LE scanning and advertising over raw HCI sockets, GATT over L2CAP.
        .target(name: "BlueZ", dependencies: ["CBluetooth", "DeviceFormats"]),
        // What crosses MQTT: CloudEvents envelope, topics, payloads, validation.
        .target(name: "Wire"),
        // The agent's logic as a library, so tests drive it without processes.
        .target(
            name: "EdgeCore",
            dependencies: [
                "RiskCore", "DeviceFormats", "Wire", "MQTT", "DaemonSupport", "BlueZ",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Logging", package: "swift-log"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // A simulated worksite as the agent's BLE source (`simulate:`, `run --scenario`), kept out of the gateway's core.
        .target(name: "SimulatedWorksite", dependencies: ["EdgeCore", "WorksiteSimulator", "DeviceFormats", "DaemonSupport"]),
        .executableTarget(
            name: "EdgeAgent",
            dependencies: [
                "RiskCore", "DeviceFormats", "Recordings", "WorksiteSimulator", "SimulatedWorksite", "EdgeCore", "DaemonSupport", "BlueZ",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The collector as a library: MQTT ingest, SQLite store, HTTP API.
        .target(
            name: "CollectorCore",
            dependencies: [
                "Wire", "MQTT", "DaemonSupport", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"), .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Hummingbird", package: "hummingbird"), .product(name: "Logging", package: "swift-log"),
                .product(name: "HummingbirdAuth", package: "hummingbird-auth"), .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The dashboard's files, in the binary: the collector stays one file to install.
            resources: [
                .embedInCode("HTTP/Page/index.html"), .embedInCode("HTTP/Page/dashboard.css"), .embedInCode("HTTP/Page/page-logic.js"),
                .embedInCode("HTTP/Page/dashboard.js"),
            ]),
        .executableTarget(
            name: "Collector",
            dependencies: [
                "CollectorCore", "DaemonSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // What both daemons share: YAML config loading with errors naming file and key, systemd notify and watchdog.
        .target(
            name: "DaemonSupport",
            dependencies: [
                "MQTT", .product(name: "Yams", package: "Yams"), .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        // Release-build benchmark of the detection pipeline (scripts/bench.sh).
        .executableTarget(name: "CanaryBench", dependencies: ["RiskCore", "DeviceFormats", "Recordings"]),
        // End-to-end benchmarks with real parts: ingest rate, alarm latency (scripts/bench-e2e.sh).
        .executableTarget(
            name: "CanaryLoad",
            dependencies: [
                "EdgeCore", "CollectorCore", "DaemonSupport", "DeviceFormats", "MQTT", "Wire", "RiskCore", "LocalServices",
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]),
        .testTarget(name: "RiskCoreTests", dependencies: ["RiskCore", "Recordings", "TestSupport"]),
        .testTarget(name: "DeviceFormatsTests", dependencies: ["DeviceFormats", "Recordings", "TestSupport"]),
        .testTarget(name: "WorksiteSimulatorTests", dependencies: ["WorksiteSimulator", "DeviceFormats", "RiskCore"]),
        // Real services on this machine for tests and benchmarks: mosquitto on a free port, the daemons as
        // processes, the collector's API and alert feed over HTTP.
        .target(name: "LocalServices", dependencies: [.product(name: "AsyncHTTPClient", package: "async-http-client")]),
        // Test helpers: where shared/data is, a headless browser, a webhook receiver.
        .target(
            name: "TestSupport",
            dependencies: [
                "LocalServices",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ], path: "Tests/Support"),
        // A stand-in for the employer's X-Road security server, which cannot run here, and its test certificates:
        // for the end-to-end tests and, as the XRoadStandIn process, for the demo (scripts/demo.sh).
        .target(
            name: "XRoadStandInServer",
            dependencies: [
                "LocalServices",
                .product(name: "Crypto", package: "swift-crypto"), .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]),
        .executableTarget(name: "XRoadStandIn", dependencies: ["XRoadStandInServer"]),
        .testTarget(name: "MQTTTests", dependencies: ["MQTT", "TestSupport", "LocalServices"]),
        .testTarget(name: "BlueZTests", dependencies: ["BlueZ", "DeviceFormats"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "RiskCore", "EdgeCore"]),
        .testTarget(
            name: "CollectorTests",
            dependencies: [
                "CollectorCore", "DaemonSupport", "Wire", "RiskCore", "EdgeCore", "LocalServices",
                .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]),
        .testTarget(name: "DaemonSupportTests", dependencies: ["DaemonSupport"]),
        // The daemons as real processes against a real broker (needs the executables built).
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "EdgeCore", "CollectorCore", "WorksiteSimulator", "SimulatedWorksite", "RiskCore", "Wire", "TestSupport", "LocalServices",
                "XRoadStandInServer", .product(name: "GRDB", package: "GRDB.swift"),
            ], exclude: ["Fixtures"]),
        .testTarget(
            name: "EdgeCoreTests",
            dependencies: [
                "EdgeCore", "WorksiteSimulator", "SimulatedWorksite", "DeviceFormats", "RiskCore", "Wire", "MQTT", "DaemonSupport", "TestSupport",
                "LocalServices",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]),
    ],
    swiftLanguageModes: [.v6]
)
