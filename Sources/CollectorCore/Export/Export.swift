import Foundation
import Hummingbird
import Wire

/// `GET /api/v1/export/{telemetry,events}.{csv,ndjson}`: everything matching
/// the filter, oldest first, streamed page by page (keyset pagination on
/// time and sequence), so a year of data goes out in constant memory.
/// Telemetry is stored a message at a time; its readings are picked out and
/// put in time order on the way (``ReadingsInTimeOrder``).
///
/// Telemetry CSV is long ("tidy") form, one row per quantity:
/// `time,time_ms,site,gateway,worker,device,kind,quantity,value`.
/// Telemetry NDJSON is one reading per line. Events NDJSON is the CloudEvents
/// as received; events CSV flattens them (docs/collector.md, "HTTP API").
///
/// With `pseudonyms` (the default: `export.workers` in the config), workers and
/// devices appear as their pseudonyms, also inside an event's id and in a
/// condition that names a device; events are then written anew, not as received.
struct Export {
    enum Dataset: String { case telemetry, events }
    enum Format: String { case csv, ndjson }

    let store: any CollectorStore
    let pseudonyms: Pseudonyms?
    /// Whose health readings may go out (the workers who consent to research use, docs/collector.md,
    /// "A worker's own data and consent"); nil: everyone's (a worker's own MyData document).
    var healthConsent: Set<WorkerID>? = nil
    /// Rows a page: events, or telemetry messages (tens of readings each).
    static let pageSize = 500

    /// `finished` is told how many lines left (the CSV header not counted), also when the client went away first.
    func response(
        _ dataset: Dataset, _ format: Format, filter: RecordFilter, finished: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> Response {
        let store = self.store, pseudonyms = self.pseudonyms, consent = self.healthConsent
        let contentType = format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"
        let disposition = "attachment; filename=\"canary-\(dataset.rawValue).\(format.rawValue)\""
        return Response(
            status: .ok,
            headers: [.contentType: contentType, .contentDisposition: disposition],
            body: ResponseBody { writer in
                if format == .csv {
                    try await writer.write(ByteBuffer(string: CSV.row(dataset == .telemetry ? Self.telemetryColumns : Self.eventColumns)))
                }
                var cursor: PageCursor?
                var inOrder = ReadingsInTimeOrder()
                var lines = 0
                do {
                    while true {
                        let (text, next) =
                            try await dataset == .telemetry
                            ? Self.telemetryPage(store, filter, after: cursor, format, &inOrder, pseudonyms: pseudonyms, consent: consent)
                            : Self.eventsPage(store, filter, after: cursor, format, pseudonyms: pseudonyms, consent: consent)
                        if !text.isEmpty {
                            try await writer.write(ByteBuffer(string: text))
                            lines += text.utf8.count { $0 == 0x0A }
                        }
                        guard let next else { break }
                        cursor = next
                    }
                } catch {
                    await finished(lines)
                    throw error
                }
                await finished(lines)
                try await writer.finish(nil)
            })
    }

    static let telemetryColumns = ["time", "time_ms", "site", "gateway", "worker", "device", "kind", "quantity", "value"]
    static let eventColumns = [
        "time", "time_ms", "site", "gateway", "worker", "kind", "condition", "phase", "severity",
        "x", "y", "floor", "values", "id",
    ]

    /// One page of messages as text (the readings of it now certain to come
    /// next), and the cursor for the next page (nil at the end).
    static func telemetryPage(
        _ store: any CollectorStore, _ filter: RecordFilter, after cursor: PageCursor?, _ format: Format,
        _ inOrder: inout ReadingsInTimeOrder, pseudonyms: Pseudonyms?, consent: Set<WorkerID>? = nil,
        pageSize: Int = pageSize
    ) async throws -> (String, PageCursor?) {
        let messages = try await store.telemetry(filter, after: cursor, limit: pageSize)
        var text = ""
        // A page's workers and devices are hashed once each, not once per reading.
        var workers: [String: String] = [:], devices: [String: String] = [:]
        func write(_ readings: [ReadingsInTimeOrder.Reading]) {
            for x in readings {
                var r = x.reading
                let time = RFC3339.format(ms: r.time_ms)
                if let pseudonyms {
                    r.worker = Self.memo(&workers, r.worker, pseudonyms.worker)
                    r.device = Self.memo(&devices, r.device, pseudonyms.device)
                }
                switch format {
                case .ndjson:
                    text +=
                        "{\"time\":\"\(time)\",\"time_ms\":\(r.time_ms),\"site\":\(JSONText.quoted(x.site)),"
                        + "\"gateway\":\(JSONText.quoted(x.gateway)),\"worker\":\(JSONText.quoted(r.worker)),"
                        + "\"device\":\(JSONText.quoted(r.device)),\"kind\":\(JSONText.quoted(r.kind)),\"values\":\(r.values)}\n"
                case .csv:
                    let values = r.numbers
                    for q in values.keys.sorted() {
                        text += CSV.row([time, String(r.time_ms), x.site, x.gateway, r.worker, r.device, r.kind, q, CSV.number(values[q])])
                    }
                }
            }
        }
        for m in messages {
            write(inOrder.release(before: m.cursor.timeMs))
            inOrder.hold(try readings(of: m, filter, consent: consent))
        }
        let next = messages.count == pageSize ? messages.last?.cursor : nil
        if next == nil { write(inOrder.release(before: nil)) }
        return (text, next)
    }

    private static func memo(_ table: inout [String: String], _ id: String, _ make: (String) -> String) -> String {
        if let known = table[id] { return known }
        let made = make(id)
        table[id] = made
        return made
    }

    /// The readings of a stored message that the filter asks for, health readings only of the workers in `consent`.
    private static func readings(of m: StoredTelemetry, _ filter: RecordFilter, consent: Set<WorkerID>?) throws -> [ReadingsInTimeOrder.Reading] {
        // Validated when it was stored; a failure here means the file was changed underneath.
        guard
            case .telemetry(let t) = try IncomingMessage.decode(
                topic: Topics(site: m.site, gateway: m.gateway).telemetry,
                payload: m.event, limit: .max)
        else { return [] }
        return t.readings.enumerated().compactMap { index, r in
            guard filter.fromMs.map({ r.time_ms >= $0 }) ?? true, filter.toMs.map({ r.time_ms < $0 }) ?? true,
                filter.worker.map({ r.worker == $0 }) ?? true, filter.type.map({ r.kind == $0 }) ?? true,
                consent.map({ !HealthData.readingKinds.contains(r.kind) || $0.contains(WorkerID(site: m.site, worker: r.worker)) }) ?? true
            else { return nil }
            return ReadingsInTimeOrder.Reading(site: m.site, gateway: m.gateway, seq: m.cursor.seq, index: index, reading: r)
        }
    }

    static func eventsPage(
        _ store: any CollectorStore, _ filter: RecordFilter, after cursor: PageCursor?,
        _ format: Format, pseudonyms: Pseudonyms?, consent: Set<WorkerID>? = nil
    ) async throws -> (String, PageCursor?) {
        let rows = try await store.events(filter, after: cursor, limit: pageSize)
        var text = ""
        let decoder = JSONDecoder()
        for var r in rows {
            // A fatigue alarm's physiology is health data: without its worker's consent, its values stay home.
            if let consent, let site = r.site, let worker = r.worker, !consent.contains(WorkerID(site: site, worker: worker)) {
                r.json = HealthData.withoutHealth(event: r.json)
            }
            switch format {
            case .ndjson where pseudonyms == nil:
                text += r.json + "\n"
            case .ndjson:
                guard let e = try? decoder.decode(CloudEvent<AlarmData>.self, from: Data(r.json.utf8)) else { continue }
                text += String(decoding: Self.pseudonymised(e, pseudonyms!).json(), as: UTF8.self) + "\n"
            case .csv:
                guard var e = try? decoder.decode(CloudEvent<AlarmData>.self, from: Data(r.json.utf8)),
                    let (site, gateway) = Self.siteAndGateway(e.source)
                else { continue }
                if let pseudonyms { e = Self.pseudonymised(e, pseudonyms) }
                let d = e.data
                let values = d.values.keys.sorted().map { "\($0)=\(CSV.number(d.values[$0]))" }.joined(separator: ";")
                text += CSV.row([
                    RFC3339.format(ms: d.time_ms), String(d.time_ms), site, gateway, e.subject ?? "", d.kind.rawValue,
                    d.condition, d.phase.rawValue, d.severity.rawValue, CSV.number(d.location?.x), CSV.number(d.location?.y),
                    d.location?.floor.map(String.init) ?? "", values, e.id,
                ])
            }
        }
        return (text, rows.count == pageSize ? rows.last?.cursor : nil)
    }

    /// The event with its worker (subject, and inside the id) and a device named by its
    /// condition (device-offline, low-battery) replaced by their pseudonyms.
    static func pseudonymised(_ event: CloudEvent<AlarmData>, _ pseudonyms: Pseudonyms) -> CloudEvent<AlarmData> {
        var e = event
        if let worker = e.subject {
            let p = pseudonyms.worker(worker)
            e.subject = p
            // The id is `<ms>-<worker>-<type>[.<condition>]-<phase>` (docs/wire.md).
            if let range = e.id.range(of: "-\(worker)-") { e.id.replaceSubrange(range, with: "-\(p)-") }
        }
        if e.data.kind.conditionIsDevice {
            let p = pseudonyms.device(e.data.condition)
            if let range = e.id.range(of: ".\(e.data.condition)-") { e.id.replaceSubrange(range, with: ".\(p)-") }
            e.data.condition = p
        }
        return e
    }

    private static func siteAndGateway(_ source: String) -> (String, String)? {
        guard source.hasPrefix("canary://") else { return nil }
        let parts = source.dropFirst("canary://".count).split(separator: "/")
        return parts.count == 2 ? (String(parts[0]), String(parts[1])) : nil
    }
}
