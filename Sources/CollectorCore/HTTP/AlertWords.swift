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
            let line =
                p.bracketed(p.severity(alert.severity)) + who + p.parenthesised(plans.sites[alert.site]?.name ?? alert.site) + p.colon + what
                + (place.isEmpty ? "" : " — \(place)")
            return
                "\(JSONText.quoted(language.code)):{\"what\":\(JSONText.quoted(what)),\"where\":\(JSONText.quoted(place)),\"line\":\(JSONText.quoted(line))}"
        }
        return "{" + each.joined(separator: ",") + "}"
    }

    func what(_ a: AlertRecord, _ p: Phrases) -> String {
        let v = a.values
        switch a.kind {
        case "gas":
            let parts = a.condition.split(separator: ".", maxSplits: 1).map(String.init)
            let (name, unit) = p.gas(parts.first ?? a.condition)
            let limitKind = parts.count > 1 ? parts[1] : ""
            switch limitKind {
            case "low", "high", "critical":
                guard let value = v["value"], let limit = v["limit"] else { return p.gasProblem(name, limitKind) }
                return p.gasLevel(name, Self.number(value), unit, value < limit, Self.number(limit))
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
        default: return a.kind
        }
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
