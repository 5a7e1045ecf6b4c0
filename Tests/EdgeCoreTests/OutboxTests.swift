import EdgeCore
import Foundation
import Testing

/// On a real SQLite file in a fresh temporary directory.
@Suite struct OutboxTests {
    let path: String = {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-outbox-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("outbox.sqlite").path
    }()

    func entry(_ id: String, alarm: Bool, at t: Int64, bytes: Int = 10) -> Outbox.Entry {
        Outbox.Entry(id: id, topic: alarm ? "canary/v1/s/g/events" : "canary/v1/s/g/telemetry",
                     payload: Array(repeating: 0x41, count: bytes), isAlarm: alarm, createdMs: t)
    }

    @Test func alarmsFirstOldestFirstAndNothingLostAcrossARestart() throws {
        do {
            let outbox = try Outbox(path: path)
            try outbox.enqueue([entry("t1", alarm: false, at: 1), entry("a1", alarm: true, at: 2)], nowMs: 2)
            try outbox.enqueue([entry("t2", alarm: false, at: 3), entry("a2", alarm: true, at: 4)], nowMs: 4)
        }
        let reopened = try Outbox(path: path)
        #expect(try reopened.pending(limit: 10).map(\.id) == ["a1", "a2", "t1", "t2"])
        #expect(try reopened.pending(limit: 1).first == entry("a1", alarm: true, at: 2))
    }

    @Test func onlyTheAckRemovesAndEverythingIsIdempotent() throws {
        let outbox = try Outbox(path: path)
        try outbox.enqueue([entry("a1", alarm: true, at: 1), entry("t1", alarm: false, at: 1)], nowMs: 1)
        try outbox.enqueue([entry("a1", alarm: true, at: 1)], nowMs: 2)
        #expect(try outbox.stats().alarms == 1)
        #expect(try outbox.acknowledge(ids: ["a1", "unknown"]) == 1)
        #expect(try outbox.acknowledge(ids: ["a1"]) == 0, "a duplicate ack")
        #expect(try outbox.pending(limit: 10).map(\.id) == ["t1"])
        #expect(try outbox.stats().bytes == 10)
    }

    @Test func underPressureTheOldestTelemetryGoesAndAlarmsNever() throws {
        let outbox = try Outbox(path: path, limits: .init(maxBytes: 100, maxAgeMs: 1_000_000))
        try outbox.enqueue((0..<8).map { entry("t\($0)", alarm: false, at: Int64($0)) }, nowMs: 8)
        try outbox.enqueue([entry("a0", alarm: true, at: 9, bytes: 40)], nowMs: 9)
        let ids = try outbox.pending(limit: 100).map(\.id)
        #expect(ids.first == "a0" && !ids.contains("t0") && ids.contains("t7"))
        #expect(try outbox.stats().bytes <= 100 && outbox.stats().droppedTelemetry > 0)
        // Alarms alone over the bound: all kept, the outbox says so.
        try outbox.enqueue((1...5).map { entry("a\($0)", alarm: true, at: 10, bytes: 40) }, nowMs: 10)
        let s = try outbox.stats()
        #expect(s.alarms == 6 && s.telemetry == 0 && s.overBound)
    }

    @Test func oldTelemetryAgesOutAndOldAlarmsDoNot() throws {
        let outbox = try Outbox(path: path, limits: .init(maxBytes: 1 << 20, maxAgeMs: 60_000))
        try outbox.enqueue([entry("t-old", alarm: false, at: 0), entry("a-old", alarm: true, at: 0)], nowMs: 0)
        #expect(try outbox.enqueue([entry("t-new", alarm: false, at: 120_000)], nowMs: 120_000) == 1)
        #expect(try outbox.pending(limit: 10).map(\.id) == ["a-old", "t-new"])
        #expect(try Outbox(path: path).stats().droppedTelemetry == 1, "the count survives a restart")
    }
}
