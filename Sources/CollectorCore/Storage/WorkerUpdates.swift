import Foundation
import GRDB
import Wire

/// The latest state of each worker touched by a batch, gathered in memory and
/// written once per worker at the end of the commit.
struct WorkerUpdates {
    struct Location: Codable, Equatable {
        var source: String
        var x: Double?
        var y: Double?
        var floor: Int?
        var accuracy: Double?
        var zone: String?
        var time_ms: Int64
    }

    struct Reading: Codable, Equatable {
        var time_ms: Int64
        var device: String
        var values: [String: Double]
    }

    private struct Update {
        var gateway: String
        var lastSeenMs: Int64
        var location: Location?
        var readings: [String: Reading] = [:]
    }

    private var updates: [String: (site: String, worker: String, update: Update)] = [:]

    mutating func heard(site: String, worker: String, gateway: String, atMs t: Int64) {
        let key = "\(site)\u{0}\(worker)"
        var u = updates[key]?.update ?? Update(gateway: gateway, lastSeenMs: t)
        u.gateway = gateway
        u.lastSeenMs = max(u.lastSeenMs, t)
        updates[key] = (site, worker, u)
    }

    mutating func located(site: String, worker: String, _ l: AlarmData.LocationData) {
        modify(site, worker) { u in
            if u.location.map({ $0.time_ms <= l.time_ms }) ?? true {
                u.location = Location(source: l.source, x: l.x, y: l.y, floor: l.floor, accuracy: l.accuracy, zone: l.zone, time_ms: l.time_ms)
            }
        }
    }

    mutating func reading(site: String, gateway: String, _ r: TelemetryBatch.Reading) {
        heard(site: site, worker: r.worker, gateway: gateway, atMs: r.time_ms)
        modify(site, r.worker) { u in
            if u.readings[r.kind].map({ $0.time_ms <= r.time_ms }) ?? true {
                u.readings[r.kind] = Reading(time_ms: r.time_ms, device: r.device, values: r.values)
            }
            if r.kind == "position", u.location.map({ $0.time_ms <= r.time_ms }) ?? true {
                u.location = Location(source: "locator", x: r.values["x"], y: r.values["y"], floor: r.values["floor"].map { Int($0) },
                                      accuracy: r.values["accuracy"], zone: nil, time_ms: r.time_ms)
            }
        }
    }

    private mutating func modify(_ site: String, _ worker: String, _ change: (inout Update) -> Void) {
        let key = "\(site)\u{0}\(worker)"
        guard var entry = updates[key] else { return }
        change(&entry.update)
        updates[key] = entry
    }

    /// Merges into the stored rows: newer readings and locations win, older ones never overwrite.
    func write(_ db: Database) throws {
        let decoder = JSONDecoder()
        for (site, worker, u) in updates.values {
            let row = try Row.fetchOne(db, sql: "SELECT last_seen_ms, location, readings FROM workers WHERE site = ? AND worker = ?",
                                       arguments: [site, worker])
            var readings = (row?["readings"] as String?).flatMap { try? decoder.decode([String: Reading].self, from: Data($0.utf8)) } ?? [:]
            for (kind, r) in u.readings where readings[kind].map({ $0.time_ms <= r.time_ms }) ?? true { readings[kind] = r }
            var location = (row?["location"] as String?).flatMap { try? decoder.decode(Location.self, from: Data($0.utf8)) }
            if let l = u.location, location.map({ $0.time_ms <= l.time_ms }) ?? true { location = l }
            let lastSeen = max(u.lastSeenMs, row?["last_seen_ms"] ?? Int64.min)
            try db.execute(sql: """
                INSERT INTO workers (site, worker, gateway, last_seen_ms, location, readings) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (site, worker) DO UPDATE SET gateway = excluded.gateway, last_seen_ms = excluded.last_seen_ms,
                    location = excluded.location, readings = excluded.readings
                """, arguments: [site, worker, u.gateway, lastSeen, location.map(JSONText.encode), JSONText.encode(readings)])
        }
    }
}
