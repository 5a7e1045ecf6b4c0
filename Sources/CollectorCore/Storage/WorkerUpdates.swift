import GRDB
import Wire

/// The latest state of each worker touched by one or more batches: gathered
/// in memory, then written with upserts that keep whichever is newer, so it
/// costs one statement per worker and kind and no reads (it runs inside a
/// commit, where alarms may be waiting for the write lock). The telemetry
/// stage writes it with the last commit of each run, not with every
/// transaction: the same few hundred upserts in each of many small
/// transactions were most of their cost.
struct WorkerUpdates: Sendable {
    private struct Seen {
        var gateway: String
        var lastSeenMs: Int64
        var location: (json: String, timeMs: Int64)?
    }

    /// Where a reading is in the batch being committed.
    struct Position {
        var message: Int
        var reading: Int
    }

    /// The latest reading of a worker and kind in the batch: where it is, not
    /// a copy of it (copying each reading's strings was most of the cost of this).
    private struct LatestInBatch {
        var at: Position
        var timeMs: Int64
    }

    /// The latest reading of a worker and kind, copied out of its batch.
    private struct Latest {
        var gateway: String
        var device: String
        var timeMs: Int64
        var values: String
    }

    private var workers: [WorkerKey: Seen] = [:]
    private var inBatch: [ReadingKey: LatestInBatch] = [:]
    private var readings: [ReadingKey: Latest] = [:]

    private struct WorkerKey: Hashable {
        var site: String
        var worker: String
    }

    private struct ReadingKey: Hashable {
        var site: String
        var worker: String
        var kind: String
    }

    /// A worker heard from at `t` through `gateway` (the newest wins). One hash of the key (in-place updates).
    mutating func heard(site: String, worker: String, gateway: String, atMs t: Int64) {
        let key = WorkerKey(site: site, worker: worker)
        if let i = workers.index(forKey: key) {
            if t >= workers.values[i].lastSeenMs {
                workers.values[i].gateway = gateway
                workers.values[i].lastSeenMs = t
            }
        } else {
            workers[key] = Seen(gateway: gateway, lastSeenMs: t)
        }
    }

    mutating func located(site: String, worker: String, _ l: AlarmData.LocationData) {
        locate(
            WorkerKey(site: site, worker: worker),
            Self.location(
                source: l.source, x: l.x, y: l.y, floor: l.floor,
                accuracy: l.accuracy, zone: l.zone, timeMs: l.time_ms), l.time_ms)
    }

    /// Runs for every reading stored, so it costs one hash: the worker's last
    /// contact is taken from their latest readings when the batch is written.
    mutating func reading(site: String, gateway: String, _ r: TelemetryMessage.Reading, at position: Position) {
        let key = ReadingKey(site: site, worker: r.worker, kind: r.kind)
        let latest = LatestInBatch(at: position, timeMs: r.time_ms)
        if let i = inBatch.index(forKey: key) {
            if inBatch.values[i].timeMs <= r.time_ms { inBatch.values[i] = latest }
        } else {
            inBatch[key] = latest
        }
        if r.kind == "position" {
            heard(site: site, worker: r.worker, gateway: gateway, atMs: r.time_ms)
            let p = r.numbers
            locate(
                WorkerKey(site: site, worker: r.worker),
                Self.location(
                    source: "locator", x: p["x"], y: p["y"], floor: p["floor"].map { Int($0) },
                    accuracy: p["accuracy"], zone: nil, timeMs: r.time_ms), r.time_ms)
        }
    }

    private mutating func locate(_ key: WorkerKey, _ json: String, _ t: Int64) {
        guard var seen = workers[key] else { return }
        if seen.location.map({ $0.timeMs <= t }) ?? true { seen.location = (json, t) }
        workers[key] = seen
    }

    /// Copies the batch's latest readings out of `batch`, the messages the
    /// positions given to `reading` point into; before the next batch.
    mutating func endBatch(_ batch: [ReceivedMessage]) {
        for (key, latest) in inBatch {
            guard readings[key].map({ $0.timeMs <= latest.timeMs }) ?? true,
                case .telemetry(let e) = batch[latest.at.message].message
            else { continue }
            let r = e.readings[latest.at.reading]
            readings[key] = Latest(
                gateway: batch[latest.at.message].topics.gateway, device: r.device, timeMs: r.time_ms,
                values: r.values)
        }
        inBatch = [:]
    }

    /// A row of `workers` to upsert.
    struct WorkerRow {
        var site: String, worker: String, gateway: String
        var lastSeenMs: Int64
        var location: String?, locationMs: Int64?
    }

    /// A row of `worker_readings` to upsert.
    struct ReadingRow {
        var site: String, worker: String, kind: String, device: String
        var timeMs: Int64
        var values: String
    }

    /// What to write (after `endBatch`), in key order: writers that share a database then
    /// take the rows' locks in one order and cannot deadlock on them.
    mutating func rows() -> (workers: [WorkerRow], readings: [ReadingRow]) {
        for (key, r) in readings { heard(site: key.site, worker: key.worker, gateway: r.gateway, atMs: r.timeMs) }
        let workerRows = workers.sorted { ($0.key.site, $0.key.worker) < ($1.key.site, $1.key.worker) }.map { key, seen in
            WorkerRow(
                site: key.site, worker: key.worker, gateway: seen.gateway, lastSeenMs: seen.lastSeenMs, location: seen.location?.json,
                locationMs: seen.location?.timeMs)
        }
        let readingRows = readings.sorted { ($0.key.site, $0.key.worker, $0.key.kind) < ($1.key.site, $1.key.worker, $1.key.kind) }.map {
            key, r in
            ReadingRow(site: key.site, worker: key.worker, kind: key.kind, device: r.device, timeMs: r.timeMs, values: r.values)
        }
        return (workerRows, readingRows)
    }

    /// Writes it all (after `endBatch`).
    mutating func write(_ db: Database) throws {
        let (workerRows, readingRows) = rows()
        let worker = try BoundStatement(
            db,
            sql: """
                INSERT INTO workers (site, worker, gateway, last_seen_ms, location, location_ms) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (site, worker) DO UPDATE SET
                    gateway = excluded.gateway,
                    last_seen_ms = MAX(last_seen_ms, excluded.last_seen_ms),
                    location = CASE WHEN excluded.location_ms >= COALESCE(location_ms, excluded.location_ms)
                                    THEN excluded.location ELSE location END,
                    location_ms = MAX(COALESCE(location_ms, excluded.location_ms), COALESCE(excluded.location_ms, location_ms))
                """)
        for w in workerRows {
            try worker.run(.text(w.site), .text(w.worker), .text(w.gateway), .int(w.lastSeenMs), .text(w.location), .int(w.locationMs))
        }
        let reading = try BoundStatement(
            db,
            sql: """
                INSERT INTO worker_readings (site, worker, kind, device, time_ms, "values") VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (site, worker, kind) DO UPDATE SET device = excluded.device, time_ms = excluded.time_ms, "values" = excluded."values"
                WHERE excluded.time_ms >= worker_readings.time_ms
                """)
        for r in readingRows {
            try reading.run(.text(r.site), .text(r.worker), .text(r.kind), .text(r.device), .int(r.timeMs), .text(r.values))
        }
    }

    /// The location object of the workers API, keys sorted.
    static func location(source: String, x: Double?, y: Double?, floor: Int?, accuracy: Double?, zone: String?, timeMs: Int64) -> String {
        var fields: [(String, String)] = []
        if let accuracy { fields.append(("accuracy", JSONText.number(accuracy))) }
        if let floor { fields.append(("floor", String(floor))) }
        fields.append(("source", JSONText.quoted(source)))
        fields.append(("time_ms", String(timeMs)))
        if let x { fields.append(("x", JSONText.number(x))) }
        if let y { fields.append(("y", JSONText.number(y))) }
        if let zone { fields.append(("zone", JSONText.quoted(zone))) }
        return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
    }
}
