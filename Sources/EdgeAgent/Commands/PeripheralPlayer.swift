import BlueZ
import DeviceFormats
import Foundation
import Synchronization
import WorksiteSimulator

/// `canary-agent simulate --peripheral ADAPTER[,ADAPTER…]`: a scenario's
/// wearables over the air. Each advertisement goes out through a
/// controller under its device's address; the devices that stream (gas
/// detectors, heart-rate straps) also serve GATT on the ATT channel, and
/// their notifications (accelerometer samples, heart rate) go to the central
/// that subscribed.
///
/// Linux keeps one LE connection per peer address on an adapter, so one
/// adapter holds one central's connection to one simulated device at a time:
/// the streaming devices are spread over the adapters given (the first also
/// plays the devices that only advertise). An accepted ATT connection does
/// not say which simulated address the central connected to, so on each
/// adapter the streaming devices without a connection take turns: for
/// `offerMs` one of them advertises as connectable (the others as not), then
/// for `graceMs` none does, and a connection accepted in a turn or its grace
/// is that device's. A heart-rate strap advertises its service only while it
/// has no connection, as real straps do.
///
/// A streaming device whose subscribed link was lost holds the scenario's
/// clock until a central subscribes again (at most ``holdMs``): what it would
/// have streamed meanwhile is not lost to the test that dropped the link, so
/// an incident after the drop is played to the agent however long the
/// reconnection took on a loaded machine. Meanwhile every device repeats its
/// last advertisement each second, as a real one keeps advertising: the world
/// waits, it does not fall silent.
final class PeripheralPlayer: Sendable {
    /// One central's connection to one simulated device.
    final class Link: Sendable {
        let socket: ATTSocket
        let server: Mutex<GATTServer>
        init(socket: ATTSocket, server: GATTServer) {
            self.socket = socket
            self.server = Mutex(server)
        }
    }

    /// One adapter: its advertiser, its ATT listener, the streaming devices it plays.
    struct Radio: Sendable {
        var name: String
        var advertiser: LEAdvertiser
        var listener: ATTListener
        var streaming: [[UInt8]]
    }

    struct Offer {
        var address: [UInt8]
        var until: Date
    }

    struct State {
        var links: [[UInt8]: Link] = [:]
        /// Per radio: the streaming device whose turn it is to be connectable.
        var offers: [Int: Offer] = [:]
        var sent = 0, failed = 0, notifications = 0, dropped = 0
        /// The streaming devices a central has subscribed to at some time.
        var subscribedOnce: Set<[UInt8]> = []
        /// Since when the clock is held for a lost link, if it is.
        var heldSince: Date?
        /// Each device's last advertisement, repeated while the clock is held.
        var lastAdvertised: [[UInt8]: [UInt8]] = [:]
        var repeatedAt = Date.distantPast
    }

    let radios: [Radio]
    /// The GATT database of each streaming device.
    let servers: [[UInt8]: GATTServer]
    /// Which radio plays which device (devices not listed: the first).
    let radioOf: [[UInt8]: Int]
    let state = Mutex(State())
    let stopped = Atomic<Bool>(false)
    let offerMs = 2_000.0, graceMs = 500.0
    /// The longest the clock waits for a lost link to come back.
    let holdMs = 60_000.0

    init(adapters names: [String], scenario: Scenario) throws(BlueZError) {
        var servers: [[UInt8]: GATTServer] = [:]
        for w in scenario.workers {
            if let a = w.gasDetector.flatMap(BDAddress.parse) { servers[a] = .canaryGasDetector }
            if let a = w.heart.flatMap(BDAddress.parse) {
                // With a night's sleep in the scenario, Canary's heart wearable: the night before now.
                servers[a] =
                    w.sleepHours.map {
                        .canaryHeartWearable(
                            sleep: WorksiteSimulator.sleepSummary(hours: $0, shiftStartMs: Int64(Date().timeIntervalSince1970 * 1_000)))
                    } ?? .heartRateStrap
            }
        }
        let streaming = servers.keys.sorted { $0.lexicographicallyPrecedes($1) }
        var radios: [Radio] = []
        var radioOf: [[UInt8]: Int] = [:]
        for (i, name) in names.enumerated() {
            let adapter = try HCIAdapter(name)
            let mine = streaming.enumerated().filter { $0.offset % names.count == i }.map(\.element)
            for a in mine { radioOf[a] = i }
            radios.append(
                Radio(
                    name: name, advertiser: try LEAdvertiser(adapter: adapter), listener: try ATTListener(adapter: adapter),
                    streaming: mine))
        }
        self.radios = radios
        self.servers = servers
        self.radioOf = radioOf
    }

    func log(_ line: String) { FileHandle.standardError.write(Data((line + "\n").utf8)) }

    /// Plays the scenario in real time (100-ms steps); returns when it ends.
    func play(_ scenario: Scenario) {
        for r in radios.indices { Thread.detachNewThread { [self] in acceptConnections(on: r) } }
        defer {
            stopped.store(true, ordering: .relaxed)
            for radio in radios { radio.advertiser.stop() }
            state.withLock { s in
                for link in s.links.values { link.socket.shutdown() }
            }
        }
        playScenario(scenario, stepMs: 100, paced: true, holds: holdsForLostLink) { elapsedMs, frames in
            for frame in frames {
                switch frame.payload {
                case .advertisement(let data): advertise(data, as: frame.address)
                case .notification(let characteristic, let value): notify(frame.address, characteristic, value)
                }
            }
            if elapsedMs % 1_000 == 0 {
                for (address, server) in servers
                where server.valueHandles[HeartRateMeasurement.uuid] != nil
                    && state.withLock({ $0.links[address] == nil })
                {
                    advertise(Self.heartRateAdvertisement, as: address)
                }
            }
        }
        let s = state.withLock { $0 }
        log(
            "advertised \(s.sent) frames on \(radios.map(\.name).joined(separator: ",")), \(s.failed) failed; "
                + "\(s.notifications) GATT notifications, \(s.dropped) dropped on full buffers")
    }

    /// Whether a device that streamed to a subscribed central has no subscribed link now; false once
    /// it waited ``holdMs`` (and said so). While true, repeats each device's last advertisement every second,
    /// the streaming devices last: an adapter advertises as one device at a time, and a central can connect
    /// only to the address it advertises, so the device the central must reach again keeps the adapter's
    /// address until the next second's round, not for the moment before the next device's advertisement.
    private func holdsForLostLink() -> Bool {
        let repeating: [[UInt8]: [UInt8]]? = state.withLock { s in
            let subscribed = Set(s.links.filter { !$0.value.server.withLock(\.subscribed).isEmpty }.keys)
            s.subscribedOnce.formUnion(subscribed)
            guard !s.subscribedOnce.isSubset(of: subscribed) else {
                s.heldSince = nil
                return nil
            }
            if s.heldSince == nil { log("a subscribed GATT link was lost: the scenario's clock waits for it") }
            let since = s.heldSince ?? Date()
            s.heldSince = since
            guard Date().timeIntervalSince(since) * 1000 < holdMs else {
                log("a lost GATT link was not subscribed again within \(Int(holdMs / 1000)) s; playing on")
                s.subscribedOnce = subscribed
                return nil
            }
            guard Date().timeIntervalSince(s.repeatedAt) >= 1 else { return [:] }
            s.repeatedAt = Date()
            return s.lastAdvertised
        }
        let all = Array(repeating ?? [:])
        for (address, data) in all.filter({ servers[$0.key] == nil }) + all.filter({ servers[$0.key] != nil }) {
            advertise(data, as: address)
        }
        return repeating != nil
    }

    /// Flags and the Heart Rate service UUID (0x180D).
    static let heartRateAdvertisement =
        AdvertisingDataBuilder.flags
        + AdvertisingDataBuilder.structure(ADStructure.complete16BitUUIDs, [0x0D, 0x18])

    /// Whose turn it is to be connectable on radio `r` now (nil in a grace,
    /// or while the radio holds a connection).
    private func currentOffer(_ s: inout State, radio r: Int, now: Date) -> [UInt8]? {
        let waiting = radios[r].streaming.filter { s.links[$0] == nil }
        guard waiting.count == radios[r].streaming.count, !waiting.isEmpty else { return nil }  // one connection per radio
        if let offer = s.offers[r], now <= offer.until { return offer.address }
        if let offer = s.offers[r], now.timeIntervalSince(offer.until) * 1000 < graceMs { return nil }
        let next = s.offers[r].flatMap { previous in waiting.first { previous.address.lexicographicallyPrecedes($0) } } ?? waiting[0]
        s.offers[r] = Offer(address: next, until: now.addingTimeInterval(offerMs / 1000))
        return next
    }

    private func advertise(_ data: [UInt8], as address: [UInt8]) {
        let r = radioOf[address] ?? 0
        let connectable = state.withLock { s in
            s.lastAdvertised[address] = data
            return currentOffer(&s, radio: r, now: Date()) == address
        }
        do {
            try radios[r].advertiser.advertise(data, as: address, connectable: connectable)
            state.withLock { $0.sent += 1 }
        } catch {
            state.withLock { $0.failed += 1 }
            log("advertising \(BDAddress.string(address)): \(error)")
        }
    }

    private func notify(_ address: [UInt8], _ characteristic: UInt16, _ value: [UInt8]) {
        guard let link = state.withLock({ $0.links[address] }),
            let pdu = link.server.withLock({ $0.notification(characteristic: characteristic, value: value) })
        else { return }
        do {
            let sent = try link.socket.send(pdu.encode(), waiting: false)
            state.withLock { if sent { $0.notifications += 1 } else { $0.dropped += 1 } }
        } catch {
            link.socket.shutdown()  // its serving thread sees the end and forgets the link
        }
    }

    private func acceptConnections(on r: Int) {
        while !stopped.load(ordering: .relaxed) {
            let socket: ATTSocket?
            do {
                socket = try radios[r].listener.accept(timeoutMs: 200)
            } catch {
                log("GATT on \(radios[r].name): \(error)")
                usleep(200_000)
                continue
            }
            guard let socket else { continue }
            let taken: (address: [UInt8], link: Link)? = state.withLock { s in
                guard let offer = s.offers[r], Date().timeIntervalSince(offer.until) * 1000 < graceMs,
                    s.links[offer.address] == nil, let server = servers[offer.address]
                else { return nil }
                let link = Link(socket: socket, server: server)
                s.links[offer.address] = link
                s.offers[r] = nil
                return (offer.address, link)
            }
            guard let (address, link) = taken else {
                log("GATT on \(radios[r].name): a connection from \(BDAddress.string(socket.peer)) outside any turn; dropped")
                socket.shutdown()
                continue
            }
            log("GATT connected: \(BDAddress.string(address)) from \(BDAddress.string(socket.peer)) on \(radios[r].name)")
            Thread.detachNewThread { [self] in serve(link, as: address) }
        }
    }

    /// Answers the central's requests until the connection ends.
    private func serve(_ link: Link, as address: [UInt8]) {
        let name = BDAddress.string(address)
        do {
            while !stopped.load(ordering: .relaxed) {
                guard let bytes = try link.socket.receive(timeoutMs: 200) else { continue }
                let answer: (response: ATTPDU?, write: GATTServer.Write?)
                do {
                    let pdu = try ATTPDU.decode(bytes[...])
                    answer = link.server.withLock { $0.respond(to: pdu) }
                } catch {
                    log("GATT \(name): malformed PDU \(Hex.encode(bytes)): \(error)")
                    answer = (bytes.first.flatMap { GATTServer.notSupported(opcode: $0) }, nil)
                }
                if let response = answer.response { try link.socket.send(response.encode()) }
                if let write = answer.write, write.characteristic == CanaryProfile.alertCharacteristic {
                    log("alert control \(name): \(Hex.encode(write.value))")
                }
            }
        } catch {
            log("GATT disconnected: \(name) (\(error))")
        }
        state.withLock { s in if s.links[address] === link { s.links[address] = nil } }
    }
}
