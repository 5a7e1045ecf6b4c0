import Foundation
import RiskCore
import Testing
import Wire

@testable import CollectorCore

/// Daily open-data statistics on a real SQLite file: per site and Taiwan day,
/// no worker named, small counts suppressed.
@Suite struct OpenDataTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    func telemetry(_ id: String, _ readings: [TelemetryBatch.Reading]) throws -> ReceivedMessage {
        let e = CloudEvent(
            id: id, source: topics.source, type: EventTypes.telemetry, timeMs: readings[0].time_ms, data: TelemetryBatch(readings: readings))
        let raw = [UInt8](e.json())
        return ReceivedMessage(topics: topics, message: try IncomingMessage.decode(topic: topics.telemetry, payload: raw), raw: raw)
    }

    @Test(arguments: StoreKind.allCases) func aDayPerSiteWithNoNamesAndSmallCountsSuppressed(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            // 2026-01-01 08:00 Taiwan time is 00:00 UTC.
            let day: Int64 = 1_767_225_600_000
            let hour: Int64 = 3_600_000
            // Four workers heard in two hours each: 8 worker-hours.
            var readings: [TelemetryBatch.Reading] = []
            for (k, w) in ["chen", "lin", "wang", "huang"].enumerated() {
                for h in [1, 2] { readings.append(.init(worker: w, device: "d\(k)", kind: "gas", time_ms: day + Int64(h) * hour, values: [:])) }
            }
            _ = try await s.commit([try telemetry("t1", readings)], receivedMs: day + 3 * hour)
            // Three SOS presses, one fall, one H2S alarm 12 minutes long.
            for (k, w) in ["chen", "lin", "wang"].enumerated() {
                _ = try await s.commit([alarm(w, .sos, phase: .alarm, at: day + hour + Int64(k))], receivedMs: day + hour + Int64(k))
            }
            _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: day + 2 * hour)], receivedMs: day + 2 * hour)
            _ = try await s.commit([alarm("huang", .gas, "H2S.high", phase: .alarm, at: day + 2 * hour)], receivedMs: day + 2 * hour)
            _ = try await s.commit(
                [alarm("huang", .gas, "H2S.high", phase: .cleared, at: day + 2 * hour + 12 * 60_000)], receivedMs: day + 2 * hour + 12 * 60_000)
            // 2026-01-02 07:59 Taiwan time still belongs to the 1st... and 08:00 UTC+8 of the 2nd does not.
            _ = try await s.commit([alarm("chen", .immobility, phase: .alarm, at: day + 24 * hour)], receivedMs: day + 24 * hour)

            let days = try await OpenData.days(s, fromMs: nil, toMs: nil, nowMs: day + 30 * hour)
            #expect(days.map(\.date) == ["2026-01-01", "2026-01-02"])
            let csv = OpenData.csv(days)
            let lines = csv.split(whereSeparator: \.isNewline).map(String.init)
            let header = lines[0].split(separator: ",").map(String.init)
            let first = Dictionary(
                uniqueKeysWithValues: zip(header, lines[1].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            #expect(first["date"] == "2026-01-01" && first["site"] == "s1" && first["worker_hours_monitored"] == "8")
            #expect(
                first["alarms_sos"] == "3" && first["alarms_gas"] == "" && first["alarms_fall"] == "" && first["alarms_immobility"] == "0",
                "1 and 2 are suppressed, 0 is not: \(first)")
            #expect(first["minutes_in_h2s_alarm"] == "" && first["minutes_in_co_alarm"] == "0", "one alarm's minutes would point at it")
            let fields = Set(lines.flatMap { $0.split(separator: ",").map(String.init) })
            #expect(fields.isDisjoint(with: ["chen", "lin", "wang", "huang", "d0", "d1"]), "nobody named")
            let second = Dictionary(
                uniqueKeysWithValues: zip(header, lines[2].split(separator: ",", omittingEmptySubsequences: false).map(String.init)))
            #expect(second["worker_hours_monitored"] == "" && second["alarms_immobility"] == "", "nobody heard, one alarm: suppressed")
            let json = OpenData.json(days)
            #expect(json.contains(#""alarms_sos":3"#) && json.contains(#""alarms_fall":null"#) && json.contains(#""date":"2026-01-01""#))
            #expect(try JSONSerialization.jsonObject(with: Data(OpenData.metadata().utf8)) is [String: Any])
            #expect(OpenData.metadata().contains("Open Government Data License, version 1.0"))
        }
    }

    /// A worker's equipment alert (a battery run flat, the detector silent, its sensors stale) is one alert,
    /// counted once under each kind it covers.
    @Test(arguments: StoreKind.allCases) func anEquipmentAlertCountsOnceUnderEachKindItCovers(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let t: Int64 = 1_767_225_600_000 + 3_600_000
            for (k, (type, condition)) in [
                (EventType.lowBattery, "D1"), (.deviceOffline, "D1"), (.deviceOffline, "D2"), (.gas, "O2.stale"), (.gas, "CO.stale"),
            ]
            .enumerated() {
                _ = try await s.commit([alarm("huang", type, condition, phase: .alarm, at: t + Int64(k) * 1_000)], receivedMs: t + 10_000)
            }
            #expect(try await s.alertsOpened(fromMs: 0, toMs: .max).map(\.kind) == ["equipment"])
            let day = try #require(try await OpenData.days(s, fromMs: nil, toMs: nil, nowMs: t + 60_000).first)
            #expect(day.alarms == ["low-battery": 1, "device-offline": 1, "gas": 1], "\(day.alarms)")
            #expect(day.gasMinutes.isEmpty, "a stale sensor is not minutes in alarm")
        }
    }
}
