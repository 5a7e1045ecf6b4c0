import Foundation
import GRDB
import RiskCore
import Testing
import Wire

@testable import CollectorCore

/// The SQLite store wakes the alert feed by itself when a commit changes the
/// alert log, whoever commits it, and only then. (PostgreSQL's wake-ups come
/// from every collector on the database: `PostgresCollectorsTests`.)
@Suite struct AlertLogWakeTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    /// How often `store.changes` woke a subscriber while `body` ran (0 or 1: wake-ups coalesce).
    func wakeups(_ s: SQLiteStore, _ body: () async throws -> Void) async rethrows -> Int {
        let (stream, cancel) = s.changes.subscribe()
        try await body()
        cancel()  // ends the stream after what it holds
        var n = 0
        for await _ in stream { n += 1 }
        return n
    }

    @Test func aCommitThatChangesTheAlertLogWakesTheFeedAndOneThatDoesNotStaysQuiet() async throws {
        let s = try store()
        let reading = TelemetryBatch.Reading(
            worker: "lin", device: "C0:FF:EE:00:00:01", kind: "gas", time_ms: 1_000,
            values: ["H2S": 2])
        let e = CloudEvent(
            id: "t-1", source: topics.source, type: EventTypes.telemetry, timeMs: 1_000,
            data: TelemetryBatch(readings: [reading]))
        let raw = [UInt8](e.json())
        let telemetry = ReceivedMessage(topics: topics, message: try IncomingMessage.decode(topic: topics.telemetry, payload: raw), raw: raw)

        #expect(try await wakeups(s) { _ = try await s.commit([telemetry], receivedMs: 1_000) } == 0)
        #expect(try await wakeups(s) { _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000) } == 1)
        #expect(
            try await wakeups(s) { _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: 1_000)], receivedMs: 2_000) } == 0,
            "a duplicate changes nothing")
        let id = try #require(try await s.pool.read { try Int64.fetchOne($0, sql: "SELECT alert_id FROM alerts") })
        #expect(try await wakeups(s) { _ = try await s.acknowledge(id, by: "control room", nowMs: 3_000) } == 1, "a coordinator's word")
        #expect(try await wakeups(s) { _ = try s.escalate(nowMs: 1_000_000, afterMs: 60_000) } == 0, "acknowledged: nothing to escalate")
        _ = try await s.commit([alarm("chen", .sos, phase: .alarm, at: 4_000)], receivedMs: 4_000)
        #expect(try await wakeups(s) { _ = try s.escalate(nowMs: 1_000_000, afterMs: 60_000) } == 1, "an escalation")
    }

    @Test func aChangeThatIsRolledBackWakesNoOne() async throws {
        let s = try store()
        _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000)
        struct Refused: Error {}
        #expect(
            await wakeups(s) {
                #expect(throws: Refused.self) {
                    try s.pool.write { db in
                        try db.execute(sql: "INSERT INTO alert_changes (alert_id, snapshot) SELECT alert_id, '{}' FROM alerts")
                        throw Refused()
                    }
                }
            } == 0)
    }
}
