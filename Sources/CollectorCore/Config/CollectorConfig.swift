import DaemonSupport
import MQTT
import Wire

/// `canary-collector`'s config file (YAML), every key with its default:
///
/// ```yaml
/// mqtt:                       # see MQTTConfiguration.read; client_id defaults to canary-collector
///   host: 127.0.0.1
///   port: 1883
///   share_group: canary       # optional: MQTT 5 shared subscription, for several collectors
/// storage:
///   sqlite: /var/lib/canary/collector.sqlite
/// http:
///   host: 127.0.0.1           # 0.0.0.0 to serve the site network
///   port: 8080                # 0 picks a free port (tests)
///   keep_alive: 15s           # an idle alert feed says it is alive this often
/// ingest:
///   max_message: 256KiB       # larger messages are refused and counted
///   max_batch: 2000           # messages taken at once: a run of transactions with one fsync
///   readings_per_commit: 2000  # telemetry readings per transaction at most (a larger message alone)
/// export:
///   workers: pseudonymised    # or named: workers and devices in the exports (docs/collector.md, "Exports")
/// alerts:
///   escalate_after: 60s       # an open alert nobody acknowledged by then escalates
/// coordinators:               # who may acknowledge and resolve alerts; none: nobody can
///   - {name: control-room, token_sha256: <64 hex digits: printf %s TOKEN | sha256sum>}
/// log_level: info             # trace, debug, info, notice, warning, error, critical
/// ```
public struct CollectorConfig: Sendable {
    public var mqtt: MQTTConfiguration
    public var databasePath: String
    public var httpHost: String
    public var httpPort: Int
    /// How often an idle alert feed sends a keep-alive; clients call a feed silent for three of these broken.
    public var keepAliveMs: Int64
    public var ingest: Ingest.Settings
    /// Exports show workers and devices by name (`export.workers: named`), not by pseudonym.
    public var exportsNameWorkers: Bool
    /// An open alert that nobody acknowledged this long escalates (docs/collector.md, "Alerts").
    public var escalateAfterMs: Int64
    public var coordinators: Coordinators
    public var logLevel: String

    public init(mqtt: MQTTConfiguration, databasePath: String, httpHost: String = "127.0.0.1", httpPort: Int = 8080, keepAliveMs: Int64 = 15_000,
                ingest: Ingest.Settings = .init(), exportsNameWorkers: Bool = false, escalateAfterMs: Int64 = 60_000,
                coordinators: Coordinators = Coordinators(), logLevel: String = "info") {
        self.mqtt = mqtt
        self.databasePath = databasePath
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.keepAliveMs = keepAliveMs
        self.ingest = ingest
        self.exportsNameWorkers = exportsNameWorkers
        self.escalateAfterMs = escalateAfterMs
        self.coordinators = coordinators
        self.logLevel = logLevel
    }

    public static func load(file: String) throws(ConfigError) -> CollectorConfig {
        try read(ConfigSection.load(file: file))
    }

    public static func read(_ root: ConfigSection) throws(ConfigError) -> CollectorConfig {
        let mqttSection = try root.section("mqtt")
        let mqtt = try MQTTConfiguration.read(mqttSection, defaultClientID: "canary-collector")
        var ingest = Ingest.Settings()
        if let group = try mqttSection.string("share_group") {
            guard !group.contains(where: { "/+#".contains($0) }) else { throw mqttSection.error("share_group", "cannot contain / + #") }
            ingest.shareGroup = group
        }
        let storage = try root.section("storage")
        let http = try root.section("http")
        let ingestSection = try root.section("ingest")
        ingest.messageLimit = try ingestSection.bytes("max_message", default: IncomingMessage.defaultLimit, in: 1_024...(16 << 20))
        ingest.maxBatch = try ingestSection.int("max_batch", default: 2_000, in: 1...100_000)
        ingest.readingsPerCommit = try ingestSection.int("readings_per_commit", default: 2_000, in: 1...100_000)
        let export = try root.section("export")
        let named: Bool
        switch try export.string("workers", default: "pseudonymised") {
        case "pseudonymised": named = false
        case "named": named = true
        case let other: throw export.error("workers", "must be pseudonymised or named (found '\(other)')")
        }
        let escalateAfterMs = try root.section("alerts").durationMs("escalate_after", default: 60_000, in: 1_000...3_600_000)
        let level = try DaemonStartup.logLevel(root)
        let config = CollectorConfig(
            mqtt: mqtt, databasePath: try storage.string("sqlite", default: "/var/lib/canary/collector.sqlite"),
            httpHost: try http.string("host", default: "127.0.0.1"), httpPort: try http.int("port", default: 8080, in: 0...65_535),
            keepAliveMs: try http.durationMs("keep_alive", default: 15_000, in: 1_000...300_000),
            ingest: ingest, exportsNameWorkers: named, escalateAfterMs: escalateAfterMs,
            coordinators: try Coordinators.read(root), logLevel: level)
        try root.finish()
        return config
    }
}
