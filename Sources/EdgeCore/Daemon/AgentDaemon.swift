import BlueZ
import DaemonSupport
import Foundation
import Logging
import MQTT
import RiskCore
import ServiceLifecycle
import Synchronization
import Wire

/// The agent as a daemon: BLE source → detection → outbox → MQTT, with the
/// gateway's retained `online`/`offline` status (the broker publishes
/// `offline` as the last will if the gateway vanishes).
///
/// Every event goes into the SQLite outbox and leaves it only on the
/// collector's ack; telemetry is published from there, an alarm is handed to
/// the MQTT client at once while its outbox write goes to disk
/// (``Uplink/raise(_:nowMs:)``). The work is a group of services, each with
/// one job, shut down in reverse order of their start:
///
/// 1. ``GatewaySession``: the broker connection, `online`/`offline`;
/// 2. ``AckListener``: the collector's acks, out of the outbox;
/// 3. two ``OutboxPublisher``s: alarms alone, and everything;
/// 4. ``StatusReporter``: the status line;
/// 5. ``SystemdWatchdog``: systemd's watchdog, while detection progresses;
/// 6. ``Detection``: the source through the pipeline; when a finite source
///    (a scenario, a capture) ends and the outbox is empty, the agent stops.
///
/// SIGTERM stops it at once: what is unacknowledged stays in the outbox for
/// the next start.
public final class AgentDaemon: Service {
    public let config: AgentConfig
    let logger: Logger
    let notifier: SystemdNotifier
    /// Each alarm as it is raised, besides the outbox (the demo prints them).
    let onEvent: @Sendable (SafetyEvent) -> Void
    /// Replaces the configured source: a simulated worksite's (SimulatedWorksite), or the
    /// latency benchmark's own frames.
    let sourceOverride: (any BLESource)?
    /// The agent's time: live frames, outbox entries, resends, the watchdog.
    /// Never backwards, so a step back of the system clock neither blinds
    /// detection nor holds resends back (``AgentClock``).
    let clock: AgentClock

    public init(
        config: AgentConfig, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
        source: (any BLESource)? = nil, onEvent: @escaping @Sendable (SafetyEvent) -> Void = { _ in }
    ) {
        self.config = config
        self.logger = logger
        self.notifier = notifier
        self.sourceOverride = source
        self.onEvent = onEvent
        clock = AgentClock(steppedBack: { ms in
            logger.warning(
                "the system clock stepped back; the agent's time runs on from before, ahead of it until a restart",
                metadata: ["step_ms": "\(ms)"])
        })
    }

    public func run() async throws {
        let topics = config.topics
        let outbox = try Outbox(path: config.outboxPath, limits: config.outboxLimits)
        var mqtt = config.mqtt
        mqtt.will = .init(
            topic: topics.status, payload: GatewaySession.status(.offline, topics, clock, reason: GatewayStatus.connectionLost),
            qos: .atLeastOnce, retain: true)
        let client = try MQTTClient(mqtt)
        let uplink = Uplink(outbox: outbox, client: client, topics: topics, resendAfterMs: config.resendAfterMs)
        let (kicks, kick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (alarmKicks, alarmKick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (acks, ackSeen) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (source, links) = try sourceOverride.map { ($0, nil) } ?? makeSource()
        let counters = AgentCounters(nowMs: clock.nowMs())
        let stats = try outbox.stats()
        if stats.alarms + stats.telemetry > 0 {
            logger.info(
                "outbox holds events from before the start; they go first",
                metadata: ["alarms": "\(stats.alarms)", "telemetry": "\(stats.telemetry)"])
        }
        let clock = self.clock
        let services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: GatewaySession(client: client, uplink: uplink, topics: topics, clock: clock, logger: logger, kick: kick)),
            .init(service: AckListener(messages: client.messages, uplink: uplink, topics: topics, logger: logger, acks: ackSeen)),
            .init(service: OutboxPublisher(uplink: uplink, alarmsOnly: true, kicks: alarmKicks, tick: nil, clock: clock, logger: logger)),
            .init(service: OutboxPublisher(uplink: uplink, alarmsOnly: false, kicks: kicks, tick: kick, clock: clock, logger: logger)),
            .init(
                service: StatusReporter(
                    uplink: uplink, counters: counters, scanner: (source as? BlueZSource)?.counters,
                    gatt: links?.counters, everyMs: config.statusEveryMs, notifier: notifier,
                    metrics: config.metricsFile.map(AgentMetrics.init), logger: logger)),
            .init(
                service: SystemdWatchdog(notifier: notifier) {
                    clock.nowMs() - counters.lastProgressMs.load(ordering: .relaxed) < 30_000
                }),
            .init(
                service: Detection(
                    source: source, links: links, directory: config.directory, telemetryPerMessage: config.telemetryPerMessage,
                    uplink: uplink,
                    telemetry: TelemetryWriter(
                        uplink: uplink, perMessage: config.telemetryPerMessage,
                        clock: clock, counters: counters, logger: logger, kick: kick),
                    counters: counters, clock: clock, logger: logger, alarmKick: alarmKick, acks: acks, onEvent: onEvent),
                successTerminationBehavior: .gracefullyShutdownGroup),
        ]
        notifier.ready(status: "gateway \(topics.site)/\(topics.gateway), outbox \(config.outboxPath)")
        try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
        let left = try outbox.stats()
        logger.info(
            "stopped",
            metadata: [
                "outbox_alarms": "\(left.alarms)", "outbox_telemetry": "\(left.telemetry)",
                "dropped_telemetry": "\(left.droppedTelemetry)",
            ])
    }

    /// The configured source, and for live Bluetooth its GATT links (which follow the alarms).
    private func makeSource() throws -> (any BLESource, GATTLinks?) {
        switch config.source {
        case .simulate(let scenarioFile, _):
            // The simulator is not part of the gateway's core: SimulatedWorksite builds this source.
            throw ConfigError(
                file: scenarioFile, line: nil, key: "source.simulate",
                message: "a simulated worksite needs its source from the SimulatedWorksite module")
        case .btsnoop(let path):
            return (ReplaySource(path: path), nil)
        case .bluez(let adapter, let active, let watchdogMs, let gattConnections):
            let targets = GATTLinks.Target.all(in: config.directory)
            let links =
                gattConnections > 0 && !targets.isEmpty
                ? GATTLinks(adapter: adapter, targets: targets, budget: gattConnections, logger: logger, clock: clock) : nil
            return (
                BlueZSource(
                    adapter: adapter, settings: LEScanner.Settings(active: active), watchdogMs: watchdogMs,
                    logger: logger, gatt: links, clock: clock), links
            )
        }
    }
}
