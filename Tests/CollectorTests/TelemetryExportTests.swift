import EdgeCore
import Foundation
import RiskCore
import Testing
import Wire

@testable import CollectorCore

/// Telemetry is stored a message at a time; exports give its readings one by one, in time order, filtered.
@Suite struct TelemetryExportTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    /// A message of `gateway` with one gas reading of `worker` at each time.
    func message(_ gateway: String, _ id: String, _ readings: [(worker: String, timeMs: Int64)]) throws -> ReceivedMessage {
        let topics = try Topics(site: "s1", gateway: gateway)
        let e = CloudEvent(
            id: id, source: topics.source, type: EventTypes.telemetry, timeMs: readings.first?.timeMs ?? 0,
            data: TelemetryBatch(
                readings: readings.map {
                    .init(worker: $0.worker, device: "D-\($0.worker)", kind: "gas", time_ms: $0.timeMs, values: ["o2": 20.9])
                }))
        return ReceivedMessage(topics: topics, message: .telemetry(TelemetryMessage(e)), raw: [UInt8](e.json()))
    }

    /// The NDJSON export, a message a page, as (worker, time) pairs.
    func export(_ s: any CollectorStore, _ filter: RecordFilter = RecordFilter(), pseudonyms: Pseudonyms? = nil) async throws -> [String] {
        var cursor: PageCursor?, inOrder = ReadingsInTimeOrder(), lines: [String] = []
        repeat {
            let (text, next) = try await Export.telemetryPage(s, filter, after: cursor, .ndjson, &inOrder, pseudonyms: pseudonyms, pageSize: 1)
            lines += text.split(separator: "\n").map { line in
                let o = try! JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                return "\(o["worker"]!)@\(o["time_ms"]!)"
            }
            cursor = next
        } while cursor != nil
        return lines
    }

    @Test(arguments: StoreKind.allCases) func readingsOfOverlappingMessagesLeaveInTimeOrder(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit(
                [
                    try message("gw-1", "a", [("lin", 1_000), ("lin", 1_500), ("lin", 2_000)]),
                    try message("gw-2", "b", [("wang", 1_200), ("wang", 1_700)]),
                    // Stored last, yet starts first (a gateway that was offline sends late).
                    try message("gw-3", "c", [("chen", 2_100), ("chen", 900)]),
                ], receivedMs: 0)
            #expect(try await export(s) == ["chen@900", "lin@1000", "wang@1200", "lin@1500", "wang@1700", "lin@2000", "chen@2100"])
            #expect(try await export(s, RecordFilter(fromMs: 1_500, toMs: 2_100)) == ["lin@1500", "wang@1700", "lin@2000"])
            #expect(try await export(s, RecordFilter(worker: "chen")) == ["chen@900", "chen@2100"])
            #expect(try await export(s, RecordFilter(site: "elsewhere")).isEmpty)
            #expect(try await export(s, RecordFilter(type: "position")).isEmpty)
            #expect(try await s.counts().readings == 7)
        }
    }

    /// A long message (an outage's backlog, say) is found by a range that starts near its end.
    @Test(arguments: StoreKind.allCases) func aLongMessageIsFoundByATimeRangeThatStartsLate(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit(
                [
                    try message("gw-1", "backlog", [("lin", 0), ("lin", 3_600_000)]),
                    try message("gw-2", "short", [("wang", 3_599_000)]),
                ], receivedMs: 0)
            #expect(try await export(s, RecordFilter(fromMs: 3_000_000)) == ["wang@3599000", "lin@3600000"])
        }
    }

    @Test(arguments: StoreKind.allCases) func csvHasARowPerQuantity(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([try message("gw-1", "a", [("lin", 1_000)])], receivedMs: 0)
            var inOrder = ReadingsInTimeOrder()
            let (text, next) = try await Export.telemetryPage(s, RecordFilter(), after: nil, .csv, &inOrder, pseudonyms: nil)
            #expect(next == nil)
            #expect(text == "1970-01-01T00:00:01.000Z,1000,s1,gw-1,lin,D-lin,gas,o2,20.9\r\n")
        }
    }

    /// Known answers (Python's hmac module): the pseudonyms of a collector's key stay what they were
    /// whichever library computes the HMAC, so a year exported month by month still joins up.
    @Test func pseudonymsAreHMACSHA256KnownAnswers() {
        let p = Pseudonyms(key: Array(0..<32))
        #expect(p.worker("lin") == "w-3cb670d79822" && p.device("c0:ff:ee:00:02:01") == "d-22d610523bba")
    }

    @Test func pseudonymsAreStableAndNameNobody() async throws {
        let path = try databasePath()
        let s = try SQLiteStore(path: path)
        _ = try await s.commit([try message("gw-1", "a", [("lin", 1_000), ("chen", 1_500), ("lin", 2_000)])], receivedMs: 0)
        let p = Pseudonyms(key: try s.pseudonymKey())
        let lin = p.worker("lin"), chen = p.worker("chen")
        #expect(lin.hasPrefix("w-") && lin.count == 14 && lin != chen)
        #expect(try await export(s, pseudonyms: p) == ["\(lin)@1000", "\(chen)@1500", "\(lin)@2000"])
        // The filter takes the name; the export shows the pseudonym.
        #expect(try await export(s, RecordFilter(worker: "chen"), pseudonyms: p) == ["\(chen)@1500"])
        var inOrder = ReadingsInTimeOrder()
        let (csv, _) = try await Export.telemetryPage(s, RecordFilter(), after: nil, .csv, &inOrder, pseudonyms: p)
        #expect(!csv.contains("lin") && !csv.contains("chen") && csv.contains(p.device("D-lin")))
        // The same key after a restart, and another collector's key gives other pseudonyms.
        #expect(try SQLiteStore(path: path).pseudonymKey() == p.key)
        #expect(Pseudonyms(key: try store().pseudonymKey()).worker("lin") != lin)
    }

    @Test(arguments: StoreKind.allCases) func eventsExportsNameNeitherTheWorkerNorTheirDevice(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            let topics = try Topics(site: "s1", gateway: "gw-1")
            let events = [
                SafetyEvent(worker: "lin", type: .fall, phase: .alarm, severity: .critical, timeMs: 1_000),
                SafetyEvent(worker: "lin", type: .deviceOffline, condition: "C0:FF:EE:00:02:01", phase: .alarm, severity: .alarm, timeMs: 2_000),
            ]
            _ = try await s.commit(
                try events.map { e in
                    let raw = [UInt8](CloudEvent(e, topics: topics).json())
                    return ReceivedMessage(topics: topics, message: try IncomingMessage.decode(topic: topics.events, payload: raw), raw: raw)
                }, receivedMs: 0)
            let p = Pseudonyms(key: try await s.pseudonymKey())
            for format in [Export.Format.ndjson, .csv] {
                let (text, _) = try await Export.eventsPage(s, RecordFilter(), after: nil, format, pseudonyms: p)
                // ("lin" is in "device-offline": the name as a field or in the id.)
                #expect(!text.contains("\"lin\"") && !text.contains(",lin,") && !text.contains("-lin-") && !text.contains("C0:FF:EE"), "\(text)")
                #expect(text.contains(p.worker("lin")) && text.contains(p.device("C0:FF:EE:00:02:01")), "\(text)")
                #expect(text.contains("0000000002000-\(p.worker("lin"))-device-offline.\(p.device("C0:FF:EE:00:02:01"))-alarm"), "\(text)")
            }
            let (named, _) = try await Export.eventsPage(s, RecordFilter(), after: nil, .ndjson, pseudonyms: nil)
            #expect(named.contains("\"subject\":\"lin\""), "as received")
        }
    }
}
