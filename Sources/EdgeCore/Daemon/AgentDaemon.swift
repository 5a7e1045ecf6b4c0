import BlueZ
import DaemonSupport
import Foundation
import Logging
import MQTT
import RiskCore
import ServiceLifecycle
import Synchronization
import Wire

/// The agent as a daemon: BLE source → pipeline → outbox → MQTT, with the
/// gateway's retained `online`/`offline` status (the broker publishes
/// `offline` as the last will if the gateway vanishes).
///
/// Every event goes into the SQLite outbox and leaves it only on the
/// collector's ack; telemetry is published from there, an alarm is handed to
/// the MQTT client at once while its outbox write goes to disk
/// (``Uplink/raise``). When a finite source (a scenario, a capture) ends, the
/// daemon waits until the outbox is empty, then exits.
/// SIGTERM stops it at once: what is unacknowledged stays in the outbox for
/// the next start.
public final class AgentDaemon: Service {
    public let config: AgentConfig
    let logger: Logger
    let notifier: SystemdNotifier
    /// Each alarm as it is raised, besides the outbox (the demo prints them).
    let onEvent: @Sendable (SafetyEvent) -> Void
    /// Replaces the configured source (the latency benchmark feeds its own frames).
    let sourceOverride: (any BLESource)?
    /// Milliseconds (`clock`) of the last pipeline step, for the watchdog.
    private let lastProgressMs = Atomic<Int64>(0)
    /// Telemetry readings the outbox refused (a full disk, say), for the status line.
    private let telemetryNotWritten = Atomic<Int>(0)
    /// The agent's time: live frames, outbox entries, resends, the watchdog.
    /// Never backwards, so a step back of the system clock neither blinds
    /// detection nor holds resends back (``AgentClock``).
    let clock: AgentClock

    public init(config: AgentConfig, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
                source: (any BLESource)? = nil, onEvent: @escaping @Sendable (SafetyEvent) -> Void = { _ in }) {
        self.config = config
        self.logger = logger
        self.notifier = notifier
        self.sourceOverride = source
        self.onEvent = onEvent
        clock = AgentClock(steppedBack: { ms in
            logger.warning("the system clock stepped back; the agent's time runs on from before, ahead of it until a restart",
                           metadata: ["step_ms": "\(ms)"])
        })
    }

    public func run() async throws {
        let topics = config.topics
        let outbox = try Outbox(path: config.outboxPath, limits: config.outboxLimits)
        var mqtt = config.mqtt
        mqtt.will = .init(topic: topics.status, payload: status("offline", topics, reason: GatewayStatus.connectionLost),
                          qos: .atLeastOnce, retain: true)
        let client = try MQTTClient(mqtt)
        let uplink = Uplink(outbox: outbox, client: client, topics: topics, resendAfterMs: config.resendAfterMs)
        let (kicks, kick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        // Alarms have a publisher of their own: the general one may be waiting on a second's telemetry in flight.
        let (alarmKicks, alarmKick) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (acks, ackSeen) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let (source, links) = sourceOverride.map { ($0, nil) } ?? makeSource()
        let counted = LatestCounters()
        let scanner = (source as? BlueZSource)?.counters, gatt = links?.counters
        try client.start()
        lastProgressMs.store(self.clock.nowMs(), ordering: .relaxed)
        notifier.ready(status: "gateway \(topics.site)/\(topics.gateway), outbox \(config.outboxPath)")
        let stats = try outbox.stats()
        if stats.alarms + stats.telemetry > 0 {
            logger.info("outbox holds events from before the start; they go first",
                        metadata: ["alarms": "\(stats.alarms)", "telemetry": "\(stats.telemetry)"])
        }

        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.followConnection(client, uplink: uplink, kick: kick) }
            group.addTask {
                for await m in client.messages where m.topic == topics.ack {
                    do {
                        try await uplink.handleAck(m.payload)
                    } catch {
                        self.logger.error("cannot remove acknowledged events from the outbox; they will go again",
                                          metadata: ["error": "\(error)"])
                    }
                    ackSeen.yield()
                }
                ackSeen.finish()
            }
            for (stream, alarmsOnly) in [(kicks, false), (alarmKicks, true)] {
                group.addTask {
                    for await _ in stream {
                        do {
                            try await uplink.publishDue(nowMs: self.clock.nowMs(), alarmsOnly: alarmsOnly)
                        } catch {
                            self.logger.error("cannot read the outbox", metadata: ["error": "\(error)"])
                        }
                    }
                }
            }
            // Resends after `resend_after` need a clock besides the kicks.
            group.addTask {
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    kick.yield()
                }
            }
            group.addTask { await self.notifier.keepWatchdog { self.clock.nowMs() - self.lastProgressMs.load(ordering: .relaxed) < 30_000 } }
            group.addTask {
                while (try? await Task.sleep(for: .milliseconds(self.config.statusEveryMs))) != nil {
                    var status = AgentStatus(pipeline: counted.current, outbox: try? outbox.stats(), scanner: scanner, gatt: gatt)
                    (status.acknowledged, status.refusedAcks) = await (uplink.acknowledged, uplink.refusedAcks)
                    status.awaitingAck = uplink.inFlight
                    status.heldAlarms = uplink.heldAlarms
                    status.telemetryNotWritten = self.telemetryNotWritten.load(ordering: .relaxed)
                    self.logger.info("status", metadata: status.metadata)
                    self.notifier.status(status.summary)
                }
            }

            await cancelWhenGracefulShutdown {
                // Telemetry is encoded and written (a blocking SQLite commit) on a queue of its own,
                // off the cooperative thread pool (a thread per core), so alarms never wait behind it for a thread.
                let telemetry = DispatchQueue(label: "canary-agent.telemetry", qos: .utility)
                await self.detect(source, links: links, uplink: uplink, alarmKick: alarmKick,
                                  counted: counted.set) { batch in
                    telemetry.async {
                        do {
                            try uplink.enqueue(readings: batch, nowMs: self.clock.nowMs(), perMessage: self.config.telemetryPerMessage)
                        } catch {
                            self.telemetryNotWritten.add(batch.count, ordering: .relaxed)
                            self.logger.error("cannot write telemetry to the outbox", metadata: ["error": "\(error)"])
                        }
                        kick.yield()
                    }
                }
                await withCheckedContinuation { done in telemetry.async { done.resume() } }  // what was queued is written
                self.logger.info("the source has ended; waiting for the collector to acknowledge what is in the outbox")
                var acksLeft = acks.makeAsyncIterator()
                while let s = try? outbox.stats(), s.alarms + s.telemetry + uplink.heldAlarms > 0 {
                    guard await acksLeft.next() != nil else { break }
                    self.lastProgressMs.store(self.clock.nowMs(), ordering: .relaxed)
                }
            }
            notifier.stopping()
            // A clean disconnect does not fire the will: say offline ourselves.
            try? await client.publish(topic: topics.status, payload: status("offline", topics, reason: GatewayStatus.stopped),
                                      qos: .atLeastOnce, retain: true)
            await client.stop()
            kick.finish()
            alarmKick.finish()
            group.cancelAll()
        }
        let left = try outbox.stats()
        logger.info("stopped", metadata: ["outbox_alarms": "\(left.alarms)", "outbox_telemetry": "\(left.telemetry)",
                                          "dropped_telemetry": "\(left.droppedTelemetry)"])
    }

    /// The detection loop: runs the source to its end (or until cancelled).
    private func detect(_ source: any BLESource, links: GATTLinks?, uplink: Uplink, alarmKick: AsyncStream<Void>.Continuation,
                        counted: (AgentPipeline.Counters) -> Void,
                        telemetry: @escaping @Sendable ([TelemetryBatch.Reading]) -> Void) async {
        var pipeline = AgentPipeline(directory: config.directory)
        await pipeline.run(source, telemetryEvery: config.telemetryPerMessage, emit: { events in
            self.lastProgressMs.store(self.clock.nowMs(), ordering: .relaxed)
            guard !events.isEmpty else { return }
            links?.note(events)
            do {
                try uplink.raise(events, nowMs: self.clock.nowMs())
            } catch {
                // Still raised here (log and onEvent), and sent from memory until acknowledged.
                self.logger.critical("cannot write alarms to the outbox; held in memory and sent all the same",
                                     metadata: ["error": "\(error)"])
            }
            alarmKick.yield()
            for e in events {
                self.onEvent(e)
                self.logger.notice("alarm", metadata: ["id": "\(e.id)", "worker": "\(e.worker)", "severity": "\(e.severity.rawValue)"])
            }
        }, telemetry: { readings in
            if !readings.isEmpty { telemetry(readings) }
        }, counted: counted)
        logger.info("source ended", metadata: pipeline.counters.metadata)
    }

    /// The configured source, and for live Bluetooth its GATT links (which follow the alarms).
    private func makeSource() -> (any BLESource, GATTLinks?) {
        switch config.source {
        case .simulate(var scenario, let speed):
            // Simulated devices live now, like real ones: the scenario starts at launch.
            scenario.start = Double(self.clock.nowMs()) / 1000
            return (SimulatedSource(scenario: scenario, pace: speed > 0 ? ContinuousClock() : nil, speed: max(speed, 1e-9)), nil)
        case .btsnoop(let path):
            return (ReplaySource(path: path), nil)
        case .bluez(let adapter, let active, let watchdogMs, let gattConnections):
            let targets = GATTLinks.Target.all(in: config.directory)
            let links = gattConnections > 0 && !targets.isEmpty
                ? GATTLinks(adapter: adapter, targets: targets, budget: gattConnections, logger: logger, clock: clock) : nil
            return (BlueZSource(adapter: adapter, settings: LEScanner.Settings(active: active), watchdogMs: watchdogMs,
                                logger: logger, gatt: links, clock: clock), links)
        }
    }

    private func followConnection(_ client: MQTTClient, uplink: Uplink, kick: AsyncStream<Void>.Continuation) async {
        let topics = config.topics
        for await event in client.connectionEvents {
            switch event {
            case .connected:
                logger.info("connected to the MQTT broker", metadata: ["broker": "\(config.mqtt.host):\(config.mqtt.port)"])
                do {
                    try await client.subscribe(topics.ack, qos: .atLeastOnce)
                    try await client.publish(topic: topics.status, payload: status("online", topics), qos: .atLeastOnce, retain: true)
                } catch {
                    logger.warning("could not subscribe or announce online", metadata: ["error": "\(error)"])
                }
                await uplink.connectionRestored()
                kick.yield()
            case .connectFailed(let rc), .disconnected(let rc):
                if rc != 0 { logger.warning("MQTT connection down; the outbox keeps everything", metadata: ["code": "\(rc)"]) }
            }
        }
    }

    /// On the agent's clock, like everything else it stamps.
    func status(_ state: String, _ topics: Topics, reason: String? = nil) -> [UInt8] {
        let now = clock.nowMs()
        return [UInt8](CloudEvent(id: "\(now)-status-\(state)", source: topics.source, type: EventTypes.status, timeMs: now,
                                  data: GatewayStatus(state: state, version: "1", reason: reason)).json())
    }
}
