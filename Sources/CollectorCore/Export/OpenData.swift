import Foundation
import Wire

/// Daily de-identified statistics per site, for the national open-data
/// platform (docs/collector.md, "Open data"): worker-hours monitored, alarms
/// by kind, minutes in gas alarm by gas, falls and SOS presses. No worker id,
/// no device, nothing finer than a day and a site; a figure made of fewer
/// than 3 workers or alarms is suppressed (empty), since a count of one or two
/// on a known site and day can point at a person.
struct OpenData {
    /// Days are Taiwan's (UTC+8, no daylight saving).
    static let dayOffsetMs: Int64 = 8 * 3_600_000
    static let alarmKinds = ["gas", "fall", "immobility", "sos", "device-offline", "low-battery", "fatigue"]
    static let gases = ["H2S", "CO", "O2", "LEL"]
    /// Below this, a figure is suppressed.
    static let smallest = 3

    struct Day: Equatable {
        var site: String
        /// `YYYY-MM-DD`, Taiwan time.
        var date: String
        /// Distinct worker-hours with at least one reading, and the workers behind them.
        var workerHours: Set<String> = [], workers: Set<String> = []
        var alarms: [String: Int] = [:]
        /// Per gas: minutes its alarms stayed on, and how many alarms.
        var gasMinutes: [String: Double] = [:], gasAlarms: [String: Int] = [:]
    }

    static func day(_ ms: Int64) -> String { String(RFC3339.format(ms: ms + dayOffsetMs).prefix(10)) }

    /// Every (site, day) with readings or alarms in [fromMs, toMs), in order.
    static func days(_ store: any CollectorStore, fromMs: Int64?, toMs: Int64?, nowMs: Int64) async throws -> [Day] {
        var days: [String: Day] = [:]
        func key(_ site: String, _ date: String) -> String { "\(site)\u{0}\(date)" }
        func touch(_ site: String, _ ms: Int64, _ edit: (inout Day) -> Void) {
            let date = day(ms), k = key(site, date)
            var d = days[k] ?? Day(site: site, date: date)
            edit(&d)
            days[k] = d
        }
        // Alarms: the alerts the gateways opened (not the collector's own kinds), by the day they opened. A
        // worker's equipment alert (one cause) counts once under each kind it covers.
        func count(_ a: OpenedAlert, as kind: String) {
            let opened = a.openedMs
            touch(a.site, opened) { d in
                d.alarms[kind, default: 0] += 1
                let condition = a.condition
                if kind == "gas", let gas = gases.first(where: { condition.hasPrefix($0 + ".") }), !condition.hasSuffix(".fault"),
                    !condition.hasSuffix(".stale")
                {
                    let end = a.state == .cleared ? a.updatedMs : min(nowMs, toMs ?? nowMs)
                    d.gasMinutes[gas, default: 0] += Double(max(0, end - opened)) / 60_000
                    d.gasAlarms[gas, default: 0] += 1
                }
            }
        }
        for a in try await store.alertsOpened(fromMs: fromMs ?? .min, toMs: toMs ?? .max) {
            for kind in a.kind == AlertCause.equipment ? a.coveredKinds : [a.kind] where alarmKinds.contains(kind) {
                count(a, as: kind)
            }
        }
        // Worker-hours: each hour in which a worker's devices were heard at all.
        var cursor: PageCursor?
        let filter = RecordFilter(fromMs: fromMs, toMs: toMs)
        repeat {
            let page = try await store.telemetry(filter, after: cursor, limit: Export.pageSize)
            for m in page {
                guard
                    case .telemetry(let t) = try? IncomingMessage.decode(
                        topic: Topics(site: m.site, gateway: m.gateway).telemetry,
                        payload: m.event, limit: .max)
                else { continue }
                for r in t.readings where (fromMs.map { r.time_ms >= $0 } ?? true) && (toMs.map { r.time_ms < $0 } ?? true) {
                    touch(m.site, r.time_ms) { d in
                        d.workerHours.insert("\(r.worker)\u{0}\((r.time_ms + dayOffsetMs) / 3_600_000)")
                        d.workers.insert(r.worker)
                    }
                }
            }
            cursor = page.count == Export.pageSize ? page.last?.cursor : nil
        } while cursor != nil
        return days.values.sorted { ($0.date, $0.site) < ($1.date, $1.site) }
    }

    static let columns: [(name: String, unit: String, description: String)] =
        [
            ("date", "YYYY-MM-DD", "the day, Taiwan time (UTC+8)"),
            ("site", "", "the worksite's id"),
            ("worker_hours_monitored", "hours", "hours in which a worker's wearables were heard, summed over workers"),
        ] + alarmKinds.map { ("alarms_\($0.replacingOccurrences(of: "-", with: "_"))", "count", "\($0) alarms raised") }
        + gases.map { ("minutes_in_\($0.lowercased())_alarm", "minutes", "minutes \($0) alarms stayed on, summed over alarms") }

    /// A count, or empty when fewer than `smallest` are behind it.
    static func shown(_ value: Double, behind: Int) -> String? {
        guard behind >= smallest else { return nil }
        return value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }

    /// The row's figures; alarm counts and gas minutes show a plain 0 where there was nothing.
    static func values(_ d: Day) -> [String?] {
        [d.date, d.site, shown(Double(d.workerHours.count), behind: d.workers.count)]
            + alarmKinds.map { kind in
                let n = d.alarms[kind] ?? 0
                return n == 0 ? "0" : shown(Double(n), behind: n)
            }
            + gases.map { gas in
                let n = d.gasAlarms[gas] ?? 0
                return n == 0 ? "0" : shown(d.gasMinutes[gas] ?? 0, behind: n)
            }
    }

    static func csv(_ days: [Day]) -> String {
        CSV.row(columns.map(\.name)) + days.map { CSV.row(values($0).map { $0 ?? "" }) }.joined()
    }

    static func json(_ days: [Day]) -> String {
        let rows = days.map { d in
            "{"
                + zip(columns, values(d)).map { c, v in
                    "\(JSONText.quoted(c.name)):" + (v.map { c.unit.isEmpty || c.unit == "YYYY-MM-DD" ? JSONText.quoted($0) : $0 } ?? "null")
                }.joined(separator: ",") + "}"
        }
        return "{\"days\":[\(rows.joined(separator: ","))]}\n"
    }

    /// The dataset's description in the style of the national open-data platform (data.gov.tw):
    /// name, description, columns with units, update frequency, licence, encoding.
    static func metadata() -> String {
        let fields = columns.map {
            "{\"name\":\(JSONText.quoted($0.name)),\"unit\":\(JSONText.quoted($0.unit)),\"description\":\(JSONText.quoted($0.description))}"
        }
        return """
            {"title":"Canary: daily worker-safety statistics per worksite","title_zh":"Canary 每日各作業場所勞工安全監測統計",\
            "description":"De-identified daily statistics of confined-space work monitored by Canary: worker-hours monitored, alarms by kind, minutes in gas alarm by gas. No worker is identified; a figure resting on fewer than 3 workers or alarms is left empty.",\
            "fields":[\(fields.joined(separator: ","))],"update_frequency":"daily","format":["CSV","JSON"],"encoding":"UTF-8",\
            "license":"Open Government Data License, version 1.0","license_zh":"政府資料開放授權條款-第1版",\
            "license_url":"https://data.gov.tw/license","suppression":"counts below 3 are empty (CSV) or null (JSON)"}

            """
    }
}
