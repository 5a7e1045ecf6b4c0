import DeviceFormats
import Foundation
import Synchronization
import Testing

@testable import BlueZ

/// The agent's GATT client against the simulator's GATT server, on the two
/// ends of a SEQPACKET socket pair (one datagram, one ATT PDU, as on L2CAP):
/// the protocol without a radio. The VM test runs the same over the kernel's stack.
@Suite struct GATTClientTests {
    func pair() -> (client: ATTSocket, server: ATTSocket) {
        var fds: [Int32] = [0, 0]
        precondition(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue), 0, &fds) == 0)
        let peer: [UInt8] = [0xC0, 0xFF, 0xEE, 0x00, 0x01, 0x01]
        return (ATTSocket(fd: fds[0], peer: peer), ATTSocket(fd: fds[1], peer: [0, 0, 0, 0, 0, 1]))
    }

    final class Writes: Sendable {
        let list = Mutex<[GATTServer.Write]>([])
    }

    /// Answers requests with `server` until the client closes; after each
    /// subscription, notifies `value` on the characteristic subscribed to.
    func serve(_ socket: ATTSocket, _ server: GATTServer, notifying value: [UInt8], writes: Writes = Writes()) {
        Thread.detachNewThread {
            var server = server
            while let bytes = try? socket.receive(timeoutMs: 5_000) {
                guard let pdu = try? ATTPDU.decode(bytes[...]) else { continue }
                let before = server.subscribed
                let (response, write) = server.respond(to: pdu)
                // Noted before the response, which is what tells the client the write is done.
                if let write { writes.list.withLock { $0.append(write) } }
                if let response { try? socket.send(response.encode()) }
                for handle in server.subscribed.subtracting(before) {
                    try? socket.send(ATTPDU.notification(handle: handle, value: value).encode())
                }
            }
        }
    }

    @Test func discoverySubscriptionNotificationsAndWritesAtTheDefaultMTU() throws {
        let (client, server) = pair()
        let writes = Writes()
        serve(server, GATTServer.canaryGasDetector, notifying: [0x01, 0x00, 50, 0x10, 0x00, 0x20, 0x00, 0xE8, 0x03], writes: writes)
        // At the default MTU of 23 a 128-bit characteristic fills a response: discovery pages through them.
        let gatt = GATTClient(socket: client)
        try gatt.discover()
        #expect(gatt.characteristics.map(\.uuid) == [.canary(0x0002), .canary(0x0003), .canary(0x0004)])
        #expect(gatt.characteristics.map { $0.configurationHandle != nil } == [true, true, false])

        try gatt.subscribe(.canary(CanaryProfile.motionCharacteristic))
        let n = try #require(try gatt.nextNotification(timeoutMs: 5_000))
        #expect(n.characteristic?.uuid.shortID == CanaryProfile.motionCharacteristic)
        #expect(try CanaryProfile.MotionSamples.decode(n.value[...]).samples.first?.z == 1000)

        try gatt.write(.canary(CanaryProfile.alertCharacteristic), [0x02])
        #expect(writes.list.withLock { $0 } == [GATTServer.Write(characteristic: CanaryProfile.alertCharacteristic, value: [0x02])])
        // A characteristic that has none: a clear error, not a write to a wrong handle.
        #expect(throws: BlueZError.self) { try gatt.subscribe(.canary(CanaryProfile.alertCharacteristic)) }
    }

    @Test func theMTUIsWhatBothSidesCanTake() throws {
        let (client, server) = pair()
        serve(server, GATTServer.heartRateStrap, notifying: HeartRateMeasurement.encode(heartRate: 72, rrIntervalsMs: [833]))
        let gatt = GATTClient(socket: client)
        try gatt.exchangeMTU(100)
        #expect(gatt.mtu == 100)
        try gatt.discover()
        try gatt.subscribe(.short(HeartRateMeasurement.uuid))
        let n = try #require(try gatt.nextNotification(timeoutMs: 5_000))
        #expect(try HeartRateMeasurement.decode(n.value[...]).heartRate == 72)
    }

    @Test func theHeartWearablesSleepSummaryIsRead() throws {
        let (client, server) = pair()
        let night = CanaryProfile.SleepSummary(start: 1_767_225_600, end: 1_767_250_800, minutesAsleep: 390, efficiencyPercent: 93)
        serve(server, GATTServer.canaryHeartWearable(sleep: night), notifying: [])
        let gatt = GATTClient(socket: client)
        try gatt.discover()
        #expect(try CanaryProfile.SleepSummary.decode(gatt.read(.canary(CanaryProfile.sleepCharacteristic))[...]) == night)
        // A characteristic the device does not have: a clear error.
        #expect(throws: BlueZError.self) { try gatt.read(.canary(CanaryProfile.motionCharacteristic)) }
    }

    @Test func garbageFromTheDeviceIsCountedNeverACrash() throws {
        let (client, server) = pair()
        let gatt = GATTClient(socket: client, timeoutMs: 2_000)
        // As the answer to a request, garbage is an error: the caller drops the link and reconnects.
        try server.send([0x03])  // an MTU response cut short
        #expect(throws: BlueZError.self) { try gatt.exchangeMTU() }
        #expect(gatt.malformed == 1)
        // Between notifications, it is skipped.
        try server.send([0xFF, 0x00])
        try server.send(ATTPDU.notification(handle: 7, value: [1, 2]).encode())
        let n = try #require(try gatt.nextNotification(timeoutMs: 2_000))
        #expect(n.value == [1, 2] && n.characteristic == nil)
        #expect(gatt.malformed == 2)
        // A device that goes away mid-discovery: an error, no hang.
        server.shutdown()
        #expect(throws: BlueZError.self) { try gatt.discover() }
    }
}
