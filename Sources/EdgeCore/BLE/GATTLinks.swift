import BlueZ
import DeviceFormats
import Foundation
import Logging
import RiskCore
import Synchronization

/// The agent's GATT connections to the wearables that stream (the gas
/// detector's accelerometer, heart-rate straps), each on a thread of its own.
///
/// Every connection exchanges the MTU, discovers the device's services (no
/// fixed handles) and enables notifications; after any drop it reconnects
/// with backoff and subscribes again. Controllers allow only a few
/// connections (`budget` per adapter): the budget goes to the workers at
/// risk first, and devices without a connection are still served from their
/// advertisements. The alert-control characteristic of a worker's gas
/// detector is written when the worker's alarms change (docs/devices.md: 0x01
/// pre-alarm vibrates, 0x02 alarm sounds the buzzer, 0x00 silences).
public final class GATTLinks: Sendable {
    public struct Target: Sendable, Equatable {
        public var address: [UInt8]
        public var worker: String
        public var role: SiteDirectory.Role
        /// Characteristics to enable notifications of, those the device has.
        public var streams: [BLEUUID]
        /// Characteristics to read once a connection, those the device has (the heart
        /// wearable's sleep summary: it changes once a night).
        public var reads: [BLEUUID] = []

        /// The devices of a site that stream over GATT, by worker and address.
        public static func all(in directory: SiteDirectory) -> [Target] {
            directory.bindings.compactMap { address, b -> Target? in
                switch b.role {
                case .gasDetector:
                    return Target(
                        address: address, worker: b.worker, role: b.role,
                        streams: [.canary(CanaryProfile.motionCharacteristic), .canary(CanaryProfile.gasCharacteristic)])
                case .heart:
                    return Target(
                        address: address, worker: b.worker, role: b.role, streams: [.short(HeartRateMeasurement.uuid)],
                        reads: [.canary(CanaryProfile.sleepCharacteristic)])
                case .locator, .button:
                    return nil
                }
            }.sorted { ($0.worker, BDAddress.string($0.address)) < ($1.worker, BDAddress.string($1.address)) }
        }
    }

    public final class Counters: Sendable {
        let connectsValue = Atomic<Int>(0)
        let dropsValue = Atomic<Int>(0)
        let notificationsValue = Atomic<Int>(0)
        let malformedValue = Atomic<Int>(0)
        let connectedValue = Atomic<Int>(0)
        public init() {}
        /// Connections up now.
        public var connected: Int { connectedValue.load(ordering: .relaxed) }
        /// Connections that reached "subscribed".
        public var connects: Int { connectsValue.load(ordering: .relaxed) }
        /// Connection attempts or connections that failed.
        public var drops: Int { dropsValue.load(ordering: .relaxed) }
        public var notifications: Int { notificationsValue.load(ordering: .relaxed) }
        /// ATT PDUs from devices that did not decode.
        public var malformed: Int { malformedValue.load(ordering: .relaxed) }
    }

    public let adapterName: String
    public let targets: [Target]
    public let budget: Int
    public let logger: Logger
    public let counters: Counters
    /// Stamps the notifications (the scanner's clock: one time for both).
    let clock: AgentClock

    private struct State {
        /// Each worker's open alarms (type and condition): the more, the more at risk, so served first.
        var open: [String: Set<String>] = [:]
        /// Alert-control values waiting to be written, by worker.
        var alerts: [String: UInt8] = [:]
        /// Addresses with a running link.
        var running: Set<[UInt8]> = []
        /// Addresses whose link must end (budget moved to a worker more at risk).
        var evicted: Set<[UInt8]> = []
    }
    private let state = Mutex(State())

    public init(
        adapter: String, targets: [Target], budget: Int, logger: Logger, counters: Counters = Counters(),
        clock: AgentClock = AgentClock()
    ) {
        self.clock = clock
        adapterName = adapter
        self.targets = targets
        self.budget = budget
        self.logger = logger
        self.counters = counters
    }

    /// Follows the worker's alarms: raises their rank for the budget and
    /// queues the alert-control write for their gas detector.
    public func note(_ events: [SafetyEvent]) {
        state.withLock { s in
            for e in events {
                let condition = "\(e.type.rawValue).\(e.condition)"
                switch e.phase {
                case .preAlarm: s.alerts[e.worker] = max(s.alerts[e.worker] ?? 0, 0x01)
                case .alarm where e.severity >= .alarm:
                    s.alerts[e.worker] = 0x02
                    s.open[e.worker, default: []].insert(condition)
                case .alarm: break
                case .cleared:
                    guard s.open[e.worker]?.remove(condition) != nil else { continue }
                    if s.open[e.worker]?.isEmpty ?? true { s.alerts[e.worker] = 0x00 }
                }
            }
        }
    }

    /// The targets that get a connection now: the most at risk first, then
    /// in ``targets`` order.
    public func chosen() -> [Target] {
        let risk = state.withLock { $0.open.mapValues(\.count) }
        return targets.enumerated()
            .sorted { (risk[$0.element.worker] ?? 0, -$0.offset) > (risk[$1.element.worker] ?? 0, -$1.offset) }
            .prefix(budget).map(\.element)
    }

    /// Runs until `stop` says so: every second, links start for the chosen
    /// targets and end for those no longer chosen.
    public func run(until stop: @escaping @Sendable () -> Bool, emit: @escaping @Sendable (BLEFrame) -> Void) {
        while !stop() {
            let chosen = chosen()
            let start: [Target] = state.withLock { s in
                let wanted = Set(chosen.map(\.address))
                s.evicted = s.running.subtracting(wanted)
                let new = chosen.filter { !s.running.contains($0.address) }
                s.running.formUnion(new.map(\.address))
                return new
            }
            for target in start {
                Thread.detachNewThread { [self] in
                    link(target, until: { stop() || self.state.withLock { $0.evicted.contains(target.address) } }, emit: emit)
                    _ = state.withLock { $0.running.remove(target.address) }
                }
            }
            usleep(1_000_000)
        }
    }

    /// One device's connection, kept up until `stop`.
    func link(_ target: Target, until stop: @escaping () -> Bool, emit: @Sendable (BLEFrame) -> Void) {
        let name = BDAddress.string(target.address)
        var backoffMs: UInt32 = 500
        while !stop() {
            do {
                let adapter = try HCIAdapter(adapterName)
                // The kernel waits for the device's next connectable advertisement, then connects.
                let client = GATTClient(socket: try ATTSocket.connect(adapter: adapter, to: target.address))
                counters.connectedValue.add(1, ordering: .relaxed)
                defer { counters.connectedValue.subtract(1, ordering: .relaxed) }
                defer { counters.malformedValue.add(client.malformed, ordering: .relaxed) }
                try client.exchangeMTU()
                try client.discover()
                let streams = target.streams.filter { client.characteristic($0)?.configurationHandle != nil }
                for uuid in streams { try client.subscribe(uuid) }
                counters.connectsValue.add(1, ordering: .relaxed)
                logger.info(
                    "GATT subscribed",
                    metadata: [
                        "device": "\(name)", "worker": "\(target.worker)", "mtu": "\(client.mtu)",
                        "streams": "\(streams.map(\.description))",
                    ])
                // A refused read costs that value only, never the stream: a broken link shows on the next receive.
                for uuid in target.reads where client.characteristic(uuid) != nil {
                    guard let id = uuid.shortID else { continue }
                    do {
                        let value = try client.read(uuid)
                        emit(BLEFrame(timeMs: clock.nowMs(), address: target.address, payload: .notification(characteristic: id, value: value)))
                    } catch {
                        logger.warning("GATT read failed", metadata: ["device": "\(name)", "characteristic": "\(uuid)", "error": "\(error)"])
                    }
                }
                backoffMs = 500
                var written: UInt8?
                while !stop() {
                    if target.role == .gasDetector, let alert = state.withLock({ $0.alerts[target.worker] }), alert != written,
                        client.characteristic(.canary(CanaryProfile.alertCharacteristic)) != nil
                    {
                        try client.write(.canary(CanaryProfile.alertCharacteristic), [alert])
                        written = alert
                        logger.info("alert control written", metadata: ["device": "\(name)", "value": "\(alert)"])
                    }
                    guard let n = try client.nextNotification(timeoutMs: 250) else { continue }
                    guard let id = n.characteristic?.uuid.shortID else { continue }
                    counters.notificationsValue.add(1, ordering: .relaxed)
                    emit(
                        BLEFrame(
                            timeMs: clock.nowMs(), address: target.address,
                            payload: .notification(characteristic: id, value: n.value)))
                }
                client.socket.shutdown()
            } catch {
                counters.dropsValue.add(1, ordering: .relaxed)
                logger.warning(
                    "GATT connection failed or dropped; reconnecting",
                    metadata: ["device": "\(name)", "error": "\(error)", "retry_ms": "\(backoffMs)"])
                // Wait in short steps, so that a stop is not held up by the backoff.
                for _ in 0..<(backoffMs / 100) where !stop() { usleep(100_000) }
                backoffMs = min(backoffMs * 2, 10_000)
            }
        }
    }
}
