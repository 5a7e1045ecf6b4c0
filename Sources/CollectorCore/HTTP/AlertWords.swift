import Foundation
import Wire

/// An alert in the words a rescue coordinator acts on, in English and
/// Traditional Chinese: what (`H₂S 18 ppm, above the 15 ppm limit`), where
/// (`in Tank 3, 1F`, from the site plan's zones), and one line with who for a
/// text message. Raw keys and long decimals never reach a person: whole
/// numbers stay whole, others keep one decimal (20.4 ppm must not read as the
/// 20 ppm limit). The dashboard, the webhooks and the demo's console all show
/// these words, so they say the same thing everywhere.
///
/// A cleared alarm is told by what it was at its worst, and for how long
/// (`O₂ fell to 17 % vol (limit 19.5 % vol) — cleared after 40 s`), never by
/// the reading that cleared it; an open gas alarm names its worst reading when
/// the current one is not it. A worker's equipment alert (``AlertCause``)
/// names everything it covers.
///
/// Health values stay out: a fatigue alarm says "severe fatigue", never a
/// heart rate (``HealthData``).
struct AlertWords {
    let plans: SitePlans

    /// The languages, each with its phrasebook.
    static let languages: [(code: String, phrases: Phrases)] = [("en", .english), ("zh-TW", .traditionalChinese)]

    /// `json` (an alert) with `"words": {"en": {what, where, line}, "zh-TW": {…}}` added; unchanged if it is not an alert.
    func annotated(_ json: String) -> String {
        guard json.hasSuffix("}"), let alert = try? JSONDecoder().decode(AlertRecord.self, from: Data(json.utf8)) else { return json }
        return String(json.dropLast()) + ",\"words\":" + words(alert) + "}"
    }

    func words(_ alert: AlertRecord) -> String {
        let each = Self.languages.map { language in
            let p = language.phrases
            let what = what(alert, p), place = place(alert, p)
            let who = alert.worker.isEmpty ? p.gateway(alert.gateway) : alert.worker
            let severity = alert.state == .cleared ? alert.worst?.severity ?? alert.severity : alert.severity
            let line =
                p.bracketed(p.severity(severity)) + who + p.parenthesised(plans.sites[alert.site]?.name ?? alert.site) + p.colon + what
                + (place.isEmpty ? "" : " — \(place)")
            return
                "\(JSONText.quoted(language.code)):{\"what\":\(JSONText.quoted(what)),\"where\":\(JSONText.quoted(place)),\"line\":\(JSONText.quoted(line))}"
        }
        return "{" + each.joined(separator: ",") + "}"
    }

    func what(_ a: AlertRecord, _ p: Phrases) -> String {
        if a.kind == AlertCause.equipment { return equipment(a, p) }
        guard a.state == .cleared, let worst = a.worst else { return now(a, p, reached: false) }
        var atWorst = a
        atWorst.state = .alarm
        atWorst.severity = worst.severity
        atWorst.values = worst.values
        return p.cleared(now(atWorst, p, reached: true), lasted(a, p))
    }

    /// How long a cleared alert was on.
    private func lasted(_ a: AlertRecord, _ p: Phrases) -> String {
        let ms = max(0, (RFC3339.parse(a.updated) ?? 0) - (RFC3339.parse(a.opened) ?? 0))
        let s = Int((ms + 500) / 1000)
        return p.duration(s / 3600, s % 3600 / 60, s % 60)
    }

    /// What `a` says now; `reached`: by its worst reading, as a cleared alarm is told.
    private func now(_ a: AlertRecord, _ p: Phrases, reached: Bool) -> String {
        let v = a.values
        switch a.kind {
        case "gas":
            let parts = a.condition.split(separator: ".", maxSplits: 1).map(String.init)
            let (name, unit) = p.gas(parts.first ?? a.condition)
            let limitKind = parts.count > 1 ? parts[1] : ""
            switch limitKind {
            case "low", "high", "critical":
                guard let value = v["value"], let limit = v["limit"] else { return p.gasProblem(name, limitKind) }
                let below = value < limit
                if reached { return p.gasReached(name, Self.number(value), unit, below, Self.number(limit)) }
                var words = p.gasLevel(name, Self.number(value), unit, below, Self.number(limit))
                if let worst = a.worst?.values["value"], Self.number(worst) != Self.number(value) {
                    words += p.worstSoFar(below, Self.number(worst), unit)
                }
                return words
            case "stel", "twa":
                guard let value = v[limitKind], let limit = v["limit"] else { return p.gasProblem(name, limitKind) }
                return p.exposure(name, limitKind == "stel", Self.number(value), unit, Self.number(limit))
            default: return p.gasProblem(name, limitKind)
            }
        case "fall": return p.fall(a.state == .alarm ? v["preAlarmMs"].map { Self.number($0 / 1000) } : nil)
        case "immobility": return p.still(v["stillMs"].map { Self.number($0 / 1000) })
        case "sos": return p.sos
        case "low-battery": return p.battery(v["percent"].map { Self.number($0) })
        case "device-offline": return p.deviceSilent(a.condition)
        case "fatigue": return p.fatigue
        case AlertBook.gatewayOffline: return p.gatewayOffline(a.condition)
        case AlertBook.unreadableAlarm: return p.unreadable(a.condition)
        case AlertBook.reportOverdue: return p.reportOverdue
        case AlertBook.auditBroken: return p.auditBroken(v["seq"].map { Self.number($0) } ?? "?")
        default: return a.kind
        }
    }

    /// A worker's equipment alert: the devices silent, the gases not measured or at fault,
    /// the batteries low; while it is on, what is on; once cleared, all it covered.
    private func equipment(_ a: AlertRecord, _ p: Phrases) -> String {
        let cleared = a.state == .cleared
        let members = (a.covers ?? []).filter { cleared || $0.state != .cleared }
        func gases(_ suffix: String) -> [String] {
            members.filter { $0.kind == AlarmKind.gas.rawValue && $0.condition.hasSuffix(suffix) }
                .map { p.gas(String($0.condition.split(separator: ".")[0])).name }
        }
        var parts: [String] = []
        let silent = members.filter { $0.kind == AlarmKind.deviceOffline.rawValue }.map(\.condition)
        if !silent.isEmpty { parts.append(p.devicesSilent(silent)) }
        if case let stale = gases(".stale"), !stale.isEmpty { parts.append(p.notMeasured(stale)) }
        if case let faults = gases(".fault"), !faults.isEmpty { parts.append(p.sensorFaults(faults)) }
        for b in members where b.kind == AlarmKind.lowBattery.rawValue {
            // A cleared member's values are those that cleared it.
            parts.append(p.batteryOf(b.condition, b.state == .cleared ? nil : b.values["percent"].map { Self.number($0) }))
        }
        let words = parts.joined(separator: p.partSeparator)
        return cleared ? p.cleared(words, lasted(a, p)) : words
    }

    /// Where the worker was: the plan's zone around a locator's fix (with its floor's name), the beacons' zone, or the
    /// gateway (the one that heard the alarm, when it carries no location).
    func place(_ a: AlertRecord, _ p: Phrases) -> String {
        guard let l = a.location else { return a.worker.isEmpty ? "" : p.nearGateway(a.gateway) }
        let level = l.floor ?? 0
        let floor = plans.floor(a.site, level)?.name ?? p.floor(level)
        let accuracy = l.accuracy.map { p.accuracy(Self.number($0)) } ?? ""
        switch l.source {
        case "locator":
            guard let x = l.x, let y = l.y else { return p.unknownPlace }
            if let zone = plans.zone(a.site, floor: level, x: x, y: y) { return p.inZone(zone, floor) + accuracy }
            return p.position(Self.number(x), Self.number(y), floor) + accuracy
        case "beacon-zone": return p.beaconZone(l.zone ?? "?")
        default: return p.nearGateway(l.zone ?? a.gateway)
        }
    }

    /// Whole numbers as they are, others to one decimal.
    static func number(_ v: Double) -> String {
        let rounded = (v * 10).rounded() / 10
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(format: "%.1f", rounded)
    }
}
