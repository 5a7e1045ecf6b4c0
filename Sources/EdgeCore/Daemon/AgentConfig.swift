import DaemonSupport
import DeviceFormats
import Foundation
import MQTT
import Wire

/// `canary-agent`'s config file (YAML), every key with its default
/// (docs/agent.md has the same with explanations):
///
/// ```yaml
/// site: tank-farm-3            # required: topic level and CloudEvents source
/// gateway: gw-01               # required
/// mqtt:                        # see MQTTConfiguration.read; client_id defaults to canary-agent-{site}-{gateway}
///   host: 127.0.0.1
///   port: 1883
/// outbox:
///   path: /var/lib/canary/outbox.sqlite
///   max_bytes: 512MiB          # bound: the oldest telemetry goes first, alarms never
///   max_age: 7d                # telemetry older than this is dropped
/// uplink:
///   resend_after: 30s          # unacknowledged events go again after this (and after every reconnect)
///   telemetry_per_message: 100 # readings per telemetry message at most (small: the collector commits them quickly)
/// source:                      # one of:
///   simulate: scenario.yaml    # a simulated worksite (relative to this file); its workers are the site's (module SimulatedWorksite)
///   speed: 1                   # times real time; 0 = as fast as possible
///   btsnoop: capture.log       # replay a capture (workers from `workers:`)
///   bluez: hci0                # live LE scanning on an adapter (name or address; workers from `workers:`)
///   active: false              # with bluez: active scanning (scan requests) instead of passive
///   watchdog: 30s              # with bluez: no reports for this long → reset the adapter
///   gatt_connections: 4        # with bluez: GATT connections at most (0: advertisements only)
/// health: health.yaml          # optional: workers' health records (``HealthRecord``), for the overwork score
/// workers:                     # device bindings (docs/devices.md); optional with `simulate`
///   - id: chen
///     gas_detector: "C0:FF:EE:00:01:01"
///     heart: "C0:FF:EE:00:01:02"
///     locator: "C0:FF:EE:00:01:03"
///     button: "C0:FF:EE:00:01:04"
///     button_key: 231d39c1d7cc1ab1aee224cd096db932   # BTHome bind key, when the button encrypts
/// log_level: info
/// status_every: 60s            # how often the counters and the outbox are logged (and shown by systemctl status)
/// metrics_file: /var/lib/prometheus/node-exporter/canary-agent.prom   # optional: the same counts for node_exporter's textfile collector
/// ```
public struct AgentConfig: Sendable {
    public enum Source: Sendable {
        /// A simulated worksite: the scenario's path, read by the SimulatedWorksite module
        /// (``AgentConfig/loadSimulating(file:)``), which keeps the simulator out of the gateway's core.
        case simulate(scenarioFile: String, speed: Double)
        case btsnoop(String)
        /// Live scanning on a local adapter.
        /// `gattConnections`: the budget of the adapter's GATT links (``GATTLinks``).
        case bluez(adapter: String, active: Bool, watchdogMs: Int64, gattConnections: Int)
    }

    public var topics: Topics
    public var mqtt: MQTTConfiguration
    public var outboxPath: String
    public var outboxLimits: Outbox.Limits
    public var resendAfterMs: Int64
    public var telemetryPerMessage: Int
    public var source: Source
    public var directory: SiteDirectory
    public var logLevel: String
    /// How often the agent logs what it has counted (``AgentStatus``).
    public var statusEveryMs: Int64
    /// Where the counts go as Prometheus metrics, with each status line (``AgentMetrics``); nil: nowhere.
    public var metricsFile: String?

    public init(
        topics: Topics, mqtt: MQTTConfiguration, outboxPath: String, outboxLimits: Outbox.Limits = .init(),
        resendAfterMs: Int64 = 30_000, telemetryPerMessage: Int = 100, source: Source, directory: SiteDirectory,
        logLevel: String = "info", statusEveryMs: Int64 = 60_000, metricsFile: String? = nil
    ) {
        self.topics = topics
        self.mqtt = mqtt
        self.outboxPath = outboxPath
        self.outboxLimits = outboxLimits
        self.resendAfterMs = resendAfterMs
        self.telemetryPerMessage = telemetryPerMessage
        self.source = source
        self.directory = directory
        self.logLevel = logLevel
        self.statusEveryMs = statusEveryMs
        self.metricsFile = metricsFile
    }

    public static func load(file: String) throws(ConfigError) -> AgentConfig {
        try read(ConfigSection.load(file: file))
    }

    public static func read(_ root: ConfigSection) throws(ConfigError) -> AgentConfig {
        let site = try root.requiredString("site"), gateway = try root.requiredString("gateway")
        let topics: Topics
        do {
            topics = try Topics(site: site, gateway: gateway)
        } catch {
            throw root.error("site", "\(error)")
        }
        let mqtt = try MQTTConfiguration.read(root.section("mqtt"), defaultClientID: "canary-agent-\(site)-\(gateway)")
        let outbox = try root.section("outbox")
        let limits = Outbox.Limits(
            maxBytes: try outbox.bytes("max_bytes", default: 512 << 20, in: (64 << 10)...(1 << 40)),
            maxAgeMs: try outbox.durationMs("max_age", default: 7 * 86_400_000, in: 60_000...(365 * 86_400_000)))
        let uplink = try root.section("uplink")
        let source = try root.section("source")
        var directory = SiteDirectory(site: site)
        let chosen: Source
        switch (try source.string("simulate"), try source.string("btsnoop")) {
        case (nil, nil) where source.has("bluez"):
            chosen = .bluez(
                adapter: try source.requiredString("bluez"), active: try source.bool("active", default: false),
                watchdogMs: try source.durationMs("watchdog", default: 30_000, in: 2_000...3_600_000),
                gattConnections: try source.int("gatt_connections", default: 4, in: 0...32))
        case (let scenarioFile?, nil):
            chosen = .simulate(
                scenarioFile: Self.resolve(scenarioFile, besides: root.file),
                speed: try source.double("speed", default: 1, in: 0...1_000))
        case (nil, let capture?):
            chosen = .btsnoop(Self.resolve(capture, besides: root.file))
        case (nil, nil):
            throw source.error("simulate", "a source is required: bluez (an adapter), simulate (a scenario file) or btsnoop (a capture)")
        default:
            throw source.error("btsnoop", "choose one source: simulate or btsnoop")
        }
        for w in try root.sections("workers") {
            let id = try w.requiredString("id")
            let key = try w.string("button_key").map { text throws(ConfigError) -> [UInt8] in
                guard let k = Hex.decode(text), k.count == 16 else { throw w.error("button_key", "must be 32 hex digits (a 128-bit BTHome key)") }
                return k
            }
            for role in SiteDirectory.Role.allCases {
                let keyName = role.rawValue.replacingOccurrences(of: "-", with: "_")
                guard let text = try w.string(keyName) else { continue }
                guard let address = BDAddress.parse(text) else {
                    throw w.error(keyName, "'\(text)' is not a Bluetooth address like C0:FF:EE:00:01:01")
                }
                directory.bind(address, worker: id, role: role, bthomeKey: role == .button ? key : nil)
            }
        }
        if let file = try root.string("health") {
            let path = Self.resolve(file, besides: root.file)
            try root.checkSecret("health", path: path)
            directory.health = try HealthRecord.read(ConfigSection.load(file: path))
        }
        let level = try DaemonStartup.logLevel(root)
        let config = AgentConfig(
            topics: topics, mqtt: mqtt, outboxPath: try outbox.string("path", default: "/var/lib/canary/outbox.sqlite"),
            outboxLimits: limits, resendAfterMs: try uplink.durationMs("resend_after", default: 30_000, in: 1_000...3_600_000),
            telemetryPerMessage: try uplink.int("telemetry_per_message", default: 100, in: 1...1_000),
            source: chosen, directory: directory, logLevel: level,
            statusEveryMs: try root.durationMs("status_every", default: 60_000, in: 1_000...86_400_000),
            metricsFile: try root.string("metrics_file").map { Self.resolve($0, besides: root.file) })
        try root.finish()
        return config
    }

    /// Paths in a config file are relative to the file, so a config and its scenario travel together.
    public static func resolve(_ path: String, besides file: String) -> String {
        guard !path.hasPrefix("/") else { return path }
        return URL(fileURLWithPath: file).deletingLastPathComponent().appendingPathComponent(path).path
    }
}
