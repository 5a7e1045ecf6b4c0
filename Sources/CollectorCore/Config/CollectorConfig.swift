import DaemonSupport
import Foundation
import MQTT
import Wire

/// `canary-collector`'s config file (YAML), every key with its default:
///
/// ```yaml
/// mqtt:                       # see MQTTConfiguration.read; client_id defaults to canary-collector
///   host: 127.0.0.1
///   port: 1883
///   share_group: canary       # optional: MQTT 5 shared subscription, for several collectors
/// storage:                   # exactly one of sqlite and postgres (docs/scaling.md)
///   sqlite: /var/lib/canary/collector.sqlite
///   postgres:                 # instead of sqlite: several collectors on one database
///     url: postgres://canary@db.example:5432/canary   # ?sslmode=disable|prefer|require; prefer by default
///     password_file: /etc/canary/postgres.pass         # optional; mode 600; first line is the password
///     pool: 8                 # connections at most
///     keep_telemetry: 24      # months of telemetry kept; older months' partitions are dropped (default: all)
/// http:
///   host: 127.0.0.1           # 0.0.0.0 to serve the site network: needs tls and tokens
///   port: 8080                # 0 picks a free port (tests)
///   keep_alive: 15s           # an idle alert feed says it is alive this often
///   tls: {cert_file: /etc/canary/api.pem, key_file: /etc/canary/api.key}   # HTTPS; key mode 600
///   insecure: false           # true: serve a network without TLS or tokens anyway (warned at every start)
///   idle_timeout: 10s         # a connection that sends no complete request head (or nothing more) this long is closed
///   max_connections: 512      # at once, in all; more wait to be accepted
///   max_connections_per_client: 64   # at once from one address; more are closed
/// ingest:
///   max_message: 256KiB       # larger messages are refused and counted
///   max_batch: 2000           # messages taken at once: a run of transactions with one fsync
///   readings_per_commit: 2000  # telemetry readings per transaction at most (a larger message alone)
/// export:
///   workers: pseudonymised    # or named: workers and devices in the exports (docs/collector.md, "Exports")
/// alerts:
///   escalate_after: 60s       # an open alert nobody acknowledged by then escalates
/// tokens:                     # who may use the API, with which roles (docs/collector.md, "Access")
///   - {name: control-room, token_sha256: <64 hex digits: printf %s TOKEN | sha256sum>, roles: [coordinator]}
/// egov: ...                   # the occupational-accident reports' employer, sites, roster and X-Road (``EGovSettings``)
/// sites: ...                  # each site's plan: floors, pictures, zones, gateways (``SitePlans``)
/// webhooks: ...               # who is told of alarms, escalations and resolutions (``WebhookSettings``)
/// log_level: info             # trace, debug, info, notice, warning, error, critical
/// ```
public struct CollectorConfig: Sendable {
    public var mqtt: MQTTConfiguration
    public var storage: StorageSettings
    public var httpHost: String
    public var httpPort: Int
    /// How often an idle alert feed sends a keep-alive; clients call a feed silent for three of these broken.
    public var keepAliveMs: Int64
    public var ingest: Ingest.Settings
    /// Exports show workers and devices by name (`export.workers: named`), not by pseudonym.
    public var exportsNameWorkers: Bool
    /// An open alert that nobody acknowledged this long escalates (docs/collector.md, "Alerts").
    public var escalateAfterMs: Int64
    public var tokens: Tokens
    public var http: HTTPSettings
    public var egov: EGovSettings
    public var plans: SitePlans
    public var webhooks: [WebhookSettings]
    public var logLevel: String

    public init(
        mqtt: MQTTConfiguration, storage: StorageSettings, httpHost: String = "127.0.0.1", httpPort: Int = 8080, keepAliveMs: Int64 = 15_000,
        ingest: Ingest.Settings = .init(), exportsNameWorkers: Bool = false, escalateAfterMs: Int64 = 60_000,
        tokens: Tokens = Tokens(), http: HTTPSettings = HTTPSettings(), egov: EGovSettings = EGovSettings(), plans: SitePlans = SitePlans(),
        webhooks: [WebhookSettings] = [], logLevel: String = "info"
    ) {
        self.mqtt = mqtt
        self.storage = storage
        self.httpHost = httpHost
        self.httpPort = httpPort
        self.keepAliveMs = keepAliveMs
        self.ingest = ingest
        self.exportsNameWorkers = exportsNameWorkers
        self.escalateAfterMs = escalateAfterMs
        self.tokens = tokens
        self.http = http
        self.egov = egov
        self.plans = plans
        self.webhooks = webhooks
        self.logLevel = logLevel
    }

    public static func load(file: String) throws(ConfigError) -> CollectorConfig {
        try read(ConfigSection.load(file: file))
    }

    public static func read(_ root: ConfigSection) throws(ConfigError) -> CollectorConfig {
        let mqttSection = try root.section("mqtt")
        var mqtt = try MQTTConfiguration.read(mqttSection, defaultClientID: "canary-collector")
        var ingest = Ingest.Settings()
        if let group = try mqttSection.string("share_group") {
            guard !group.contains(where: { "/+#".contains($0) }) else { throw mqttSection.error("share_group", "cannot contain / + #") }
            ingest.shareGroup = group
            // A member of a group keeps no session: a broker queues a shared subscription's messages
            // for a member whose session outlives its connection (mosquitto does), and they would
            // wait there for a collector that is gone. Without one, the broker gives them to the
            // members still connected, and the gateways resend what was in flight to it.
            mqtt.cleanStart = true
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
            mqtt: mqtt, storage: try StorageSettings.read(storage),
            httpHost: try http.string("host", default: "127.0.0.1"), httpPort: try http.int("port", default: 8080, in: 0...65_535),
            keepAliveMs: try http.durationMs("keep_alive", default: 15_000, in: 1_000...300_000),
            ingest: ingest, exportsNameWorkers: named, escalateAfterMs: escalateAfterMs,
            tokens: try Tokens.read(root), http: try HTTPSettings.read(http), egov: try EGovSettings.read(root),
            plans: try SitePlans.read(root), webhooks: try WebhookSettings.read(root), logLevel: level)
        try config.refuseOpenNetwork(http)
        try root.finish()
        return config
    }

    /// The effective config without its secrets (tokens by name and roles, no
    /// hashes): what `/api/v1/config` shows an admin and the audit log records at each start.
    public var summaryJSON: String {
        let tokenList = tokens.callers.values.sorted { $0.name < $1.name }.map {
            "{\"name\":\(JSONText.quoted($0.name)),\"roles\":[\($0.roles.map(\.rawValue).sorted().map(JSONText.quoted).joined(separator: ","))]}"
        }
        return """
            {"mqtt":{"host":\(JSONText.quoted(mqtt.host)),"port":\(mqtt.port),"client_id":\(JSONText.quoted(mqtt.clientID)),\
            "tls":\(mqtt.caFile != nil),"share_group":\(ingest.shareGroup.map(JSONText.quoted) ?? "null")},\
            "storage":\(storage.summaryJSON),\
            "http":{"host":\(JSONText.quoted(httpHost)),"port":\(httpPort),"tls":\(http.tls != nil),"insecure":\(http.insecure),\
            "idle_timeout_ms":\(http.idleTimeoutMs),"max_connections":\(http.maxConnections),"max_connections_per_client":\(http.maxConnectionsPerClient)},\
            "export":{"workers":"\(exportsNameWorkers ? "named" : "pseudonymised")"},"alerts":{"escalate_after_ms":\(escalateAfterMs)},\
            "tokens":[\(tokenList.joined(separator: ","))],\
            "sites":[\(plans.sites.keys.sorted().map(JSONText.quoted).joined(separator: ","))],\
            "webhooks":[\(webhooks.map(\.summaryJSON).joined(separator: ","))],"log_level":\(JSONText.quoted(logLevel))}
            """
    }

    /// Whether the API listens only on this machine.
    public var listensOnLoopbackOnly: Bool {
        httpHost == "localhost" || httpHost == "::1" || httpHost.hasPrefix("127.")
    }

    /// A collector serving a network names workers and their health to
    /// whoever listens unless both TLS and tokens protect it; it refuses to
    /// start so unless the config says `http.insecure: true` in so many words.
    func refuseOpenNetwork(_ section: ConfigSection) throws(ConfigError) {
        guard !listensOnLoopbackOnly, !http.insecure else { return }
        var missing: [String] = []
        if http.tls == nil { missing.append("http.tls") }
        if tokens.isEmpty { missing.append("tokens") }
        guard missing.isEmpty else {
            throw section.error(
                "host",
                "\(httpHost) serves the network, which needs \(missing.joined(separator: " and ")) "
                    + "(or http.insecure: true, to serve it unprotected anyway; docs/collector.md, \"Access\")")
        }
    }
}

/// `http:` beyond host, port and keep-alive: TLS and the limits that keep a
/// flood of connections from taking the API away from the coordinators.
public struct HTTPSettings: Sendable {
    public struct TLS: Sendable, Equatable {
        public var certFile: String
        public var keyFile: String
    }

    public var tls: TLS?
    public var insecure = false
    /// Closes a connection that sends no complete request head, or nothing after its last answer, this long.
    public var idleTimeoutMs: Int64 = 10_000
    public var maxConnections = 512
    public var maxConnectionsPerClient = 64

    public init() {}

    static func read(_ s: ConfigSection) throws(ConfigError) -> HTTPSettings {
        var h = HTTPSettings()
        let tls = try s.section("tls")
        if tls.has("cert_file") || tls.has("key_file") {
            guard let key = try tls.secretFile("key_file") else { throw tls.error("key_file", "is required with cert_file") }
            let cert = try tls.requiredString("cert_file")
            guard FileManager.default.isReadableFile(atPath: cert) else { throw tls.error("cert_file", "cannot read \(cert)") }
            h.tls = TLS(certFile: cert, keyFile: key)
        }
        h.insecure = try s.bool("insecure", default: false)
        h.idleTimeoutMs = try s.durationMs("idle_timeout", default: 10_000, in: 1_000...300_000)
        h.maxConnections = try s.int("max_connections", default: 512, in: 1...100_000)
        h.maxConnectionsPerClient = try s.int("max_connections_per_client", default: 64, in: 1...100_000)
        return h
    }
}
