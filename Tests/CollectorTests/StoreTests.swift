import EdgeCore
import Foundation
import RiskCore
import Testing
import Wire

@testable import CollectorCore

/// The collector's store, on a real SQLite file and in a real PostgreSQL database.
@Suite struct StoreTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    /// Telemetry as the ingest has it: decoded from the bytes sent.
    func telemetry(_ id: String, _ readings: [TelemetryBatch.Reading]) throws -> ReceivedMessage {
        let e = CloudEvent(
            id: id, source: topics.source, type: EventTypes.telemetry, timeMs: readings[0].time_ms,
            data: TelemetryBatch(readings: readings))
        let raw = [UInt8](e.json())
        return ReceivedMessage(topics: topics, message: try IncomingMessage.decode(topic: topics.telemetry, payload: raw), raw: raw)
    }

    @Test(arguments: StoreKind.allCases) func eachSourceAndIDIsStoredOnceAndAcknowledgedEveryTime(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let m = alarm("lin", .fall, phase: .alarm, at: 1_000)
            let first = try await s.commit([m], receivedMs: 5_000)
            let again = try await s.commit([m, m], receivedMs: 6_000)
            #expect(first.storedAlarms == 1 && first.duplicates == 0)
            #expect(again.storedAlarms == 0 && again.duplicates == 2)
            #expect(again.acks[topics] == ["0000000001000-lin-fall-alarm", "0000000001000-lin-fall-alarm"])
            #expect(try await s.counts().events == 1)
            #expect(try await s.alertChanges(after: 0, limit: 10).count == 1, "a duplicate changes no alert")
        }
    }

    func status(_ state: String, reason: String? = nil, at t: Int64) -> ReceivedMessage {
        let e = CloudEvent(
            id: "\(t)-status-\(state)", source: topics.source, type: EventTypes.status, timeMs: t,
            data: GatewayStatus(state: GatewayStatus.State(rawValue: state)!, reason: reason))
        return ReceivedMessage(topics: topics, message: .status(e), raw: [UInt8](e.json()))
    }

    @Test(arguments: StoreKind.allCases) func aGatewayLostOpensAnAlertItsWorkersAreUnknownAndItsReturnClearsIt(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            // Online at 1 s; the last will, written when the gateway connected (0.5 s), comes at 9 s.
            _ = try await s.commit([status("online", at: 1_000), alarm("lin", .fall, phase: .alarm, at: 1_200)], receivedMs: 1_000)
            _ = try await s.commit([status("offline", reason: GatewayStatus.connectionLost, at: 500)], receivedMs: 9_000)
            #expect(try await s.gateways() == [GatewayRecord(site: "s1", gateway: "gw-1", state: .offline, since: RFC3339.format(ms: 9_000))])
            let open = try await s.alerts(state: .open, site: nil, limit: 10).map { try JSONDecoder().decode(AlertRecord.self, from: Data($0.utf8)) }
            let lost = try #require(open.first { $0.kind == "gateway-offline" })
            #expect(lost.condition == "gw-1" && lost.worker == "" && lost.severity == .alarm && lost.opened == RFC3339.format(ms: 9_000))
            // A retained copy of the same state (the collector subscribing again) changes nothing.
            #expect(try await s.commit([status("offline", reason: GatewayStatus.connectionLost, at: 500)], receivedMs: 9_500).alertChanges == 0)

            _ = try await s.commit(
                [telemetry("t-1", [.init(worker: "chen", device: "d", kind: "gas", time_ms: 1_100, values: ["o2": 20.9])])],
                receivedMs: 9_600)
            let workers = try await s.workers(site: nil)
            #expect(workers.contains(#""worker":"chen","gateway":"gw-1","state":"unknown""#), "\(workers)")
            #expect(workers.contains(#""worker":"lin","gateway":"gw-1","state":"alarm""#), "an alarm still says alarm")

            #expect(try await s.commit([status("online", at: 20_000)], receivedMs: 20_000).alertChanges == 1)
            #expect(try await s.alerts(state: .open, site: nil, limit: 10).allSatisfy { !$0.contains("gateway-offline") })
            #expect(try await s.workers(site: nil).contains(#""worker":"chen","gateway":"gw-1","state":"ok""#))
            #expect(
                try await s.workers(site: nil, current: false, health: true).contains(#""worker":"chen","gateway":"gw-1","state":"unknown""#),
                "a collector cut off from the broker, or that cannot store, does not know")
            // A clean stop is a warning, and a new alert; a reason this version does not know, an alarm.
            _ = try await s.commit([status("offline", reason: GatewayStatus.stopped, at: 30_000)], receivedMs: 30_000)
            let stopped = try await s.alerts(state: .open, site: nil, limit: 10).filter { $0.contains("gateway-offline") }
            #expect(stopped.count == 1 && stopped[0].contains(#""severity":"warning""#))
            _ = try await s.commit([status("online", at: 40_000), status("offline", reason: "flooded", at: 41_000)], receivedMs: 41_000)
            let flooded = try await s.alerts(state: .open, site: nil, limit: 10).filter { $0.contains("gateway-offline") }
            #expect(flooded.count == 1 && flooded[0].contains(#""severity":"alarm""#))
        }
    }

    @Test(arguments: StoreKind.allCases) func anAlertOpensEscalatesAndClearsAndOlderEventsDoNotRollItBack(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .preAlarm, at: 1_000)], receivedMs: 0)
            _ = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .alarm, at: 2_000)], receivedMs: 0)
            #expect(try await s.alerts(state: .open, site: nil, limit: 10).count == 1)
            // A late resend of an older event: stored as an event, the alert stays as it is.
            let late = alarm("chen", .gas, "H2S.high", phase: .preAlarm, at: 1_500)
            #expect(try await s.commit([late], receivedMs: 0).alertChanges == 0)
            _ = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .cleared, at: 3_000)], receivedMs: 0)
            #expect(try await s.alerts(state: .open, site: nil, limit: 10).isEmpty)
            let cleared = try await s.alerts(state: .only(.cleared), site: nil, limit: 10)
            #expect(cleared.count == 1)
            let record = try JSONDecoder().decode(AlertRecord.self, from: Data(cleared[0].utf8))
            #expect(record.state == .cleared && record.opened == RFC3339.format(ms: 1_000) && record.updated == RFC3339.format(ms: 3_000))
            let changes = try await s.alertChanges(after: 0, limit: 10)
            #expect(changes.map(\.seq) == [1, 2, 3])
            #expect(try await s.alertChanges(after: 2, limit: 10).map(\.seq) == [3], "Last-Event-ID 2 resumes after 2")
            // The same condition again is a new alert.
            _ = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .alarm, at: 4_000)], receivedMs: 0)
            #expect(try await s.counts().alerts == 2)
            // A clear for something never seen open makes no alert.
            #expect(try await s.commit([alarm("wang", .sos, phase: .cleared, at: 5_000)], receivedMs: 0).alertChanges == 0)
        }
    }

    /// A gateway speaks only for the alerts it opened: another's clear does not close them.
    @Test(arguments: StoreKind.allCases) func aGatewayClearsOnlyTheAlertsItOpened(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let other = try Topics(site: "s1", gateway: "gw-5")
            func fromOther(_ phase: Phase, at t: Int64) -> ReceivedMessage {
                let e = CloudEvent(
                    SafetyEvent(worker: "lin", type: .fall, phase: phase, severity: phase == .cleared ? .info : .critical, timeMs: t),
                    topics: other)
                return ReceivedMessage(topics: other, message: .alarm(e), raw: [UInt8](e.json()))
            }
            _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000)
            #expect(try await s.commit([fromOther(.cleared, at: 2_000)], receivedMs: 2_000).alertChanges == 0)
            #expect(try await s.alerts(state: .open, site: nil, limit: 10).count == 1, "gw-5 cannot clear gw-1's fall")
            // gw-5's own report of it is an alert of its own, which gw-1 cannot overwrite.
            _ = try await s.commit([fromOther(.alarm, at: 3_000)], receivedMs: 3_000)
            _ = try await s.commit([alarm("lin", .fall, phase: .preAlarm, at: 4_000)], receivedMs: 4_000)
            let open = try await s.alerts(state: .open, site: nil, limit: 10).map { try JSONDecoder().decode(AlertRecord.self, from: Data($0.utf8)) }
            #expect(
                Set(open.map { "\($0.gateway) \($0.state.rawValue) \($0.severity.rawValue)" }) == ["gw-1 pre-alarm alarm", "gw-5 alarm critical"])
            _ = try await s.commit([alarm("lin", .fall, phase: .cleared, at: 5_000)], receivedMs: 5_000)
            #expect(try await s.alerts(state: .open, site: nil, limit: 10).count == 1, "gw-1 clears its own")
        }
    }

    /// An alarm dated far from the collector's clock takes the collector's: a 2100 date no longer makes
    /// the real clear look older, a 1970 one no longer escalates at once. What the gateway said is kept.
    @Test(arguments: StoreKind.allCases) func anImplausibleTimeTakesTheCollectorsClock(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let now: Int64 = 1_767_254_400_000, year2100: Int64 = 4_102_444_800_000
            let future = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .alarm, at: year2100)], receivedMs: now)
            #expect(future.implausibleTimes.map(\.timeMs) == [year2100] && future.implausibleTimes.first?.topic == topics.events)
            var record = try JSONDecoder().decode(
                AlertRecord.self, from: Data(try #require(try await s.alerts(state: .open, site: nil, limit: 10).first).utf8))
            #expect(record.opened == RFC3339.format(ms: now) && record.gatewayTime == RFC3339.format(ms: year2100))
            _ = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .cleared, at: now + 5_000)], receivedMs: now + 5_000)
            #expect(try await s.alerts(state: .open, site: nil, limit: 10).isEmpty, "the real clear closes it")
            let past = try await s.commit([alarm("wang", .sos, phase: .alarm, at: 0)], receivedMs: now)
            #expect(past.implausibleTimes.count == 1)
            #expect(try await s.escalate(nowMs: now + 1_000, afterMs: 60_000).isEmpty, "not escalated at once")
            record = try JSONDecoder().decode(
                AlertRecord.self, from: Data(try #require(try await s.alerts(state: .open, site: nil, limit: 10).first).utf8))
            #expect(record.gatewayTime == RFC3339.format(ms: 0))
            // An outbox's resend after a week-long outage keeps its own time.
            #expect(AlertBook.alarmTime(now - 7 * 86_400_000, receivedMs: now, clockOffsetMs: nil) == now - 7 * 86_400_000)
            #expect(AlertBook.alarmTime(now + 60_000, receivedMs: now, clockOffsetMs: nil) == now + 60_000)
            // A gateway's clock three minutes ahead is taken off its time; within 2 s it is noise.
            #expect(AlertBook.alarmTime(now + 180_000, receivedMs: now + 50, clockOffsetMs: 179_000) == now + 1_000)
            #expect(AlertBook.alarmTime(now + 1_500, receivedMs: now, clockOffsetMs: 1_500) == now + 1_500)
        }
    }

    /// An alert keeps its worst reading apart from its current one: oxygen at 19, then 17.5, then 18.5,
    /// then cleared at 20.9 is an alarm that went down to 17.5, at the time it did. A resend of an older
    /// reading does not change it.
    @Test(arguments: StoreKind.allCases) func anAlertKeepsItsWorstReading(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let t: Int64 = 1_767_254_400_000
            func oxygen(_ value: Double, _ phase: Phase, at ms: Int64) -> ReceivedMessage {
                let e = CloudEvent(
                    SafetyEvent(
                        worker: "chen", type: .gas, condition: "O2.low", phase: phase, severity: phase == .cleared ? .info : .alarm,
                        timeMs: ms, values: ["value": value, "limit": 19.5]), topics: topics)
                return ReceivedMessage(topics: topics, message: .alarm(e), raw: [UInt8](e.json()))
            }
            for (value, phase, ms) in [(19.0, Phase.alarm, t), (17.5, .alarm, t + 1_000), (18.5, .alarm, t + 2_000), (20.9, .cleared, t + 9_000)] {
                _ = try await s.commit([oxygen(value, phase, at: ms)], receivedMs: t + 10_000)
            }
            let record = try JSONDecoder().decode(
                AlertRecord.self, from: Data(try #require(try await s.alerts(state: nil, site: nil, limit: 10).first).utf8))
            #expect(record.state == .cleared && record.severity == .info && record.values["value"] == 20.9)
            #expect(record.worst == AlertRecord.Worst(severity: .alarm, values: ["value": 17.5, "limit": 19.5], time: RFC3339.format(ms: t + 1_000)))

            // A gateway whose estimated clock offset grew between two readings: the later, worse one is corrected to
            // an earlier time than the first, and still counts (the gateway's own times order them).
            var first = oxygen(18.0, .alarm, at: t + 20_000), worse = oxygen(16.0, .alarm, at: t + 21_000)
            first.clockOffsetMs = 3_000
            worse.clockOffsetMs = 6_000
            _ = try await s.commit([first], receivedMs: t + 30_000)
            _ = try await s.commit([worse], receivedMs: t + 30_000)
            let again = try JSONDecoder().decode(
                AlertRecord.self, from: Data(try #require(try await s.alerts(state: .open, site: nil, limit: 10).first).utf8))
            #expect(again.values["value"] == 16 && again.worst?.values["value"] == 16, "\(again)")
            #expect(again.opened == RFC3339.format(ms: t + 17_000) && again.updated == RFC3339.format(ms: t + 17_000), "never back in time")
        }
    }

    /// An escalation without a location keeps the alert's last known one: rescuers need it most then.
    @Test(arguments: StoreKind.allCases) func anAlertKeepsItsLastLocation(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            var first = SafetyEvent(worker: "chen", type: .fall, phase: .preAlarm, severity: .alarm, timeMs: 1_000)
            first.location = Location(source: .locator, x: 12.5, y: 3, floor: 2, timeMs: 900)
            let e = CloudEvent(first, topics: topics)
            _ = try await s.commit([ReceivedMessage(topics: topics, message: .alarm(e), raw: [UInt8](e.json()))], receivedMs: 0)
            _ = try await s.commit([alarm("chen", .fall, phase: .alarm, at: 2_000)], receivedMs: 0)
            let open = try await s.alerts(state: .open, site: nil, limit: 10)
            let record = try JSONDecoder().decode(AlertRecord.self, from: Data(try #require(open.first).utf8))
            #expect(record.state == .alarm && record.location?.x == 12.5 && record.location?.floor == 2)
        }
    }

    /// The hand-written alert JSON is what JSONEncoder writes, with and without a location.
    @Test func alertJSONMatchesTheGenericEncoding() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var record = AlertRecord(
            id: 7, site: "tank/farm \"3\"", gateway: "gw-1", worker: "陳\n", kind: "gas", condition: "H2S.high",
            state: .alarm, severity: .critical, opened: RFC3339.format(ms: 1_000), updated: RFC3339.format(ms: 2_000),
            eventId: "e-1", location: nil, values: ["ppm": 12.5, "limit": 10, "tiny": 1e-7])
        #expect(record.json == String(decoding: try encoder.encode(record), as: UTF8.self))
        for location in [
            Location(source: .locator, x: 1.25, y: -3, floor: 2, accuracy: 0.5, timeMs: 900),
            Location(source: .beaconZone, zone: "pump room", timeMs: 1_000),
        ] {
            var e = SafetyEvent(worker: "w", type: .gas, phase: .alarm, severity: .critical, timeMs: 1_000)
            e.location = location
            record.location = AlarmData(e).location
            #expect(record.json == String(decoding: try encoder.encode(record), as: UTF8.self))
            #expect(AlertRecord.json(try #require(record.location)) == String(decoding: try encoder.encode(record.location), as: UTF8.self))
        }
    }

    @Test(arguments: StoreKind.allCases) func telemetryIsStoredOnceAndKeepsEachWorkersLatest(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let readings = [
                TelemetryBatch.Reading(worker: "lin", device: "D1", kind: "gas", time_ms: 2_000, values: ["o2": 20.9]),
                TelemetryBatch.Reading(worker: "lin", device: "D2", kind: "position", time_ms: 2_000, values: ["x": 1, "y": 2, "floor": 0]),
                TelemetryBatch.Reading(worker: "lin", device: "D1", kind: "gas", time_ms: 1_000, values: ["o2": 19.0]),
            ]
            #expect(try await s.commit([telemetry("t1", readings)], receivedMs: 0).storedReadings == 3)
            #expect(try await s.commit([telemetry("t1", readings)], receivedMs: 0).duplicates == 1)
            #expect(try await s.counts().readings == 3)
            let workers = try await s.workers(site: "s1")
            #expect(workers.contains("\"gas\":{\"device\":\"D1\",\"time_ms\":2000,\"values\":{\"o2\":20.9}}"), "the newest reading wins: \(workers)")
            #expect(workers.contains("\"location\":{\"floor\":0,\"source\":\"locator\",\"time_ms\":2000,\"x\":1,\"y\":2}"))
            #expect(workers.contains("\"state\":\"ok\""))
        }
    }

    /// Deferred commits keep the workers' state for the closing one; a durable
    /// commit between them (an alarm's) writes only its own.
    @Test(arguments: StoreKind.allCases) func deferredCommitsLeaveWorkerStateToTheClosingOne(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            func gas(_ worker: String, o2: Double, at t: Int64) -> TelemetryBatch.Reading {
                TelemetryBatch.Reading(worker: worker, device: "D-\(worker)", kind: "gas", time_ms: t, values: ["o2": o2])
            }
            let first = try await s.commit([try telemetry("t1", [gas("lin", o2: 20.9, at: 2_000)])], receivedMs: 0, durability: .deferred)
            #expect(first.storedReadings == 1)
            _ = try await s.commit([alarm("wang", .sos, phase: .alarm, at: 2_500)], receivedMs: 0)
            let between = try await s.workers(site: "s1")
            #expect(between.contains(#""worker":"wang""#) && !between.contains(#""worker":"lin""#), "\(between)")
            _ = try await s.commit([try telemetry("t2", [gas("lin", o2: 19.0, at: 1_000)])], receivedMs: 0, durability: .deferred)
            _ = try await s.commit([try telemetry("t3", [gas("chen", o2: 20.5, at: 3_000)])], receivedMs: 0, durability: .closing)
            let after = try await s.workers(site: "s1")
            #expect(
                after.contains("\"gas\":{\"device\":\"D-lin\",\"time_ms\":2000,\"values\":{\"o2\":20.9}}"), "the newest of the run wins: \(after)")
            #expect(after.contains("\"gas\":{\"device\":\"D-chen\",\"time_ms\":3000,\"values\":{\"o2\":20.5}}"))
            #expect(try await s.counts().readings == 3)
        }
    }

    /// A deferred commit lowers `synchronous` for its own transaction only: the
    /// writer's next write (a coordinator's word, an unreadable alarm's alert)
    /// waits for the disk, whatever the commit before it was.
    @Test func aDeferredCommitLeavesTheWriterWaitingForTheDisk() async throws {
        let s = try store()
        let reading = TelemetryBatch.Reading(worker: "lin", device: "D1", kind: "gas", time_ms: 1_000, values: ["o2": 20.9])
        _ = try await s.commit([try telemetry("t1", [reading])], receivedMs: 0, durability: .deferred)
        let full = 2
        #expect(try await s.pool.write { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == full)
        #expect(try s.durableWrite { try Int.fetchOne($0, sql: "PRAGMA synchronous") } == full)
    }

    /// SQLite's own checkpoint (after 1,000 WAL pages, inside a commit) is
    /// off; the store's checkpointer copies the whole log when it runs.
    @Test func checkpointsAreTheCheckpointersAlone() async throws {
        do {
            let s = try store()
            let readings = (0..<10).map {
                TelemetryBatch.Reading(
                    worker: "w\($0)", device: "D\($0)", kind: "gas", time_ms: 1_000,
                    values: ["o2": 20.9, "co": 1, "h2s": 0.2, "lel": 0, "battery": 80])
            }
            for start in stride(from: 0, to: 3_000, by: 500) {
                _ = try await s.commit(try (start..<start + 500).map { try telemetry("t\($0)", readings) }, receivedMs: 0)
            }
            let checkpoint = try s.checkpoint()
            #expect(checkpoint.walFrameCount > 1_000, "no checkpoint ran inside a commit")
            #expect(checkpoint.checkpointedFrameCount == checkpoint.walFrameCount)
            #expect(try s.counts().readings == 30_000)
        }
    }

    /// When checkpoints fall behind, the closing commit of a telemetry run
    /// waits for one, and the next commit starts the WAL afresh.
    @Test func aLongWALIsCaughtUpByTheTelemetryStage() async throws {
        let path = try databasePath()
        let s = try SQLiteStore(path: path, checkpointer: Checkpointer(path: path, framesPerCheckpoint: .max, catchUpFrames: 100) { _ in })
        let readings = (0..<10).map {
            TelemetryBatch.Reading(worker: "w\($0)", device: "D\($0)", kind: "gas", time_ms: 1_000, values: ["o2": 20.9, "co": 1])
        }
        _ = try await s.commit(try (0..<200).map { try telemetry("a\($0)", readings) }, receivedMs: 0, durability: .deferred)
        _ = try await s.commit(try (200..<400).map { try telemetry("a\($0)", readings) }, receivedMs: 0, durability: .deferred)
        let grown = s.framesInLog
        #expect(grown >= 100, "deferred commits do not wait: \(grown) pages")
        _ = try await s.commit([try telemetry("b", readings)], receivedMs: 0, durability: .deferred)
        #expect(s.framesInLog > grown, "nothing was caught up yet")
        _ = try await s.commit([try telemetry("c", readings)], receivedMs: 0, durability: .closing)
        _ = try await s.commit([alarm("lin", .sos, phase: .alarm, at: 2_000)], receivedMs: 0)
        #expect(s.framesInLog < 100, "the log started afresh: \(s.framesInLog) pages")
        #expect(try s.counts().readings == 4_020)
    }

    @Test(arguments: StoreKind.allCases) func pagesFollowTimeThenSequenceWithoutGapsOrRepeats(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            // Five events at the same millisecond and three later: a cursor on time alone would skip or repeat.
            var batch = (0..<5).map { alarm("w\($0)", .sos, phase: .alarm, at: 1_000) }
            batch += (5..<8).map { alarm("w\($0)", .sos, phase: .alarm, at: 2_000) }
            _ = try await s.commit(batch.reversed(), receivedMs: 0)
            var cursor: PageCursor?, seen: [String] = []
            while true {
                let page = try await s.events(RecordFilter(), after: cursor, limit: 3)
                seen += page.map(\.json)
                guard page.count == 3 else { break }
                cursor = page.last!.cursor
            }
            #expect(seen.count == 8 && Set(seen).count == 8)
            #expect(try await s.events(RecordFilter(fromMs: 2_000), after: nil, limit: 100).count == 3)
            #expect(try await s.events(RecordFilter(worker: "w1", type: "sos"), after: nil, limit: 100).count == 1)
            #expect(try await s.events(RecordFilter(type: "fall"), after: nil, limit: 100).isEmpty)
            #expect(PageCursor(PageCursor(timeMs: 5, seq: 7).description) == PageCursor(timeMs: 5, seq: 7))
            #expect(PageCursor("garbage") == nil)
        }
    }
}
