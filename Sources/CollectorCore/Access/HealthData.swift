import Foundation

/// What counts as a worker's health data, and the API's answers without it
/// for callers who lack the `medical` role. Health data is special-category
/// personal data under Taiwan's Personal Data Protection Act (art. 6): a
/// coordinator needs to know *that* a worker shows severe fatigue, not their
/// resting heart rate. An alert stays whole but for its values: a fatigue
/// alarm is still an alarm.
enum HealthData {
    /// Telemetry kinds that are health data: heart rate, sleep and the overwork score (with its cardiovascular risk).
    static let readingKinds: Set<String> = ["heart-rate", "sleep", "overwork"]
    /// Alert kinds whose values are physiology (the fatigue detector's heart-rate figures).
    static let alertKinds: Set<String> = ["fatigue"]

    /// An alert's JSON without health values.
    static func withoutHealth(alert json: String) -> String {
        // Most alerts are not fatigue alerts: decode only those that may be.
        guard alertKinds.contains(where: { json.contains($0) }),
            var record = try? JSONDecoder().decode(AlertRecord.self, from: Data(json.utf8)),
            alertKinds.contains(record.kind)
        else { return json }
        record.values = [:]
        record.worst?.values = [:]
        return record.json
    }

    /// A stored CloudEvent's JSON without health values: a fatigue alarm's `data.values` emptied.
    static func withoutHealth(event json: String) -> String {
        guard alertKinds.contains(where: { json.contains("alarm.\($0)") }),
            var event = (try? JSONSerialization.jsonObject(with: Data(json.utf8))) as? [String: Any],
            let type = event["type"] as? String, alertKinds.contains(where: { type.hasSuffix(".\($0)") }),
            var data = event["data"] as? [String: Any]
        else { return json }
        data["values"] = [String: Any]()
        event["data"] = data
        guard let out = try? JSONSerialization.data(withJSONObject: event, options: [.sortedKeys, .withoutEscapingSlashes]) else { return json }
        return String(decoding: out, as: UTF8.self)
    }
}
