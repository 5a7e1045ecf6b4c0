import Foundation
import LocalServices
import Testing
import Wire

@testable import CollectorCore

/// What only the PostgreSQL store does: a database that goes away and comes
/// back, collectors that share one, partitions by month.
@Suite struct PostgresStoreTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    @Test func aDatabaseThatGoesAwayFailsCommitsAndTheFirstCommitAfterItsReturnIsStored() async throws {
        let server = try PostgresServer()
        try await withStores(1, url: try server.freshDatabase()) { stores in
            let s = stores[0]
            _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000)
            server.stop()
            await #expect(throws: (any Error).self, "nothing stored, nothing acknowledged") {
                try await s.commit([alarm("chen", .sos, phase: .alarm, at: 2_000)], receivedMs: 2_000)
            }
            #expect(await !s.isHealthy())
            try server.start()
            #expect(try await s.commit([alarm("chen", .sos, phase: .alarm, at: 2_000)], receivedMs: 3_000).storedAlarms == 1)
            #expect(await s.isHealthy())
            #expect(try await s.counts().events == 2)
        }
    }

    @Test func aChangeCommittedByOneCollectorWakesTheOthersFeed() async throws {
        try await withStores(2, url: try PostgresServer.shared.get().freshDatabase()) { stores in
            let (stream, cancel) = stores[1].changes.subscribe()
            defer { cancel() }
            _ = try await stores[0].commit([alarm("lin", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000)
            // Through LISTEN/NOTIFY: the other store's own commits never touched its signal.
            #expect(await first(stream, within: 30) { true } != nil)
            #expect(try await stores[1].alertChanges(after: 0, limit: 10).count == 1)
        }
    }

    @Test func alarmsOfOneConditionFromTwoCollectorsAtOnceMakeOneAlertWithEveryChangeInOrder() async throws {
        try await withStores(2, url: try PostgresServer.shared.get().freshDatabase()) { stores in
            // The same worker's condition worsening and clearing, its events split between two collectors
            // committing at the same time: the alert book's lock decides them one at a time.
            let events = (0..<40).map { i in alarm("lin", .gas, "H2S.high", phase: i % 2 == 0 ? .alarm : .preAlarm, at: 1_000 + Int64(i)) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (k, store) in stores.enumerated() {
                    group.addTask {
                        for e in events.enumerated().filter({ $0.offset % 2 == k }).map(\.element) {
                            _ = try await store.commit([e], receivedMs: 5_000)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let alerts = try await stores[0].alerts(state: nil, site: nil, limit: 10)
            #expect(alerts.count == 1, "\(alerts)")
            let changes = try await stores[1].alertChanges(after: 0, limit: 100)
            #expect(changes.map(\.seq) == changes.map(\.seq).sorted() && Set(changes.map(\.seq)).count == changes.count)
            #expect(changes.count >= 1 && changes.count <= 40)
        }
    }

    @Test func telemetryIsPartitionedByMonthAndOldMonthsAreDropped() async throws {
        let url = try PostgresServer.shared.get().freshDatabase()
        let database = String(URLComponents(string: url)!.path.dropFirst())
        // 2026-01-15 and 2026-03-15 (UTC): each month gets its partition when first needed.
        let january: Int64 = 1_768_435_200_000, march: Int64 = 1_773_532_800_000, topics = self.topics
        @Sendable func telemetry(_ id: String, at t: Int64) throws -> ReceivedMessage {
            let e = CloudEvent(
                id: id, source: topics.source, type: EventTypes.telemetry, timeMs: t,
                data: TelemetryBatch(readings: [.init(worker: "lin", device: "d", kind: "gas", time_ms: t, values: ["o2": 20.9])]))
            let raw = [UInt8](e.json())
            return ReceivedMessage(topics: topics, message: try IncomingMessage.decode(topic: topics.telemetry, payload: raw), raw: raw)
        }
        try await withStores(1, url: url) { stores in
            _ = try await stores[0].commit([try telemetry("jan", at: january), try telemetry("mar", at: march)], receivedMs: march)
            #expect(try await stores[0].counts().readings == 2)
        }
        let partitions = try PostgresServer.shared.get().psql(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1", database: database
        ).output
        #expect(partitions.contains("telemetry_y2026m01") && partitions.contains("telemetry_y2026m03"), "\(partitions)")
        // Keeping 1 month in April 2026: January and February go (March ended less than a month ago).
        try await withStores(1, url: url, keepTelemetryMonths: 1, started: false) { stores in
            try await stores[0].withConnection { c in try await stores[0].partitions.upkeep(c, nowMs: 1_775_001_600_000, logger: stores[0].logger) }
        }
        let left = try PostgresServer.shared.get().psql(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid ORDER BY 1", database: database
        ).output
        #expect(!left.contains("telemetry_y2026m01") && left.contains("telemetry_y2026m03"), "\(left)")
        #expect(
            try PostgresServer.shared.get().psql("SELECT COUNT(*) FROM telemetry", database: database).output.trimmingCharacters(
                in: .whitespacesAndNewlines) == "1")
    }
}
