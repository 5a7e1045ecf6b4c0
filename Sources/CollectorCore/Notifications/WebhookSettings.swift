import DaemonSupport
import Foundation
import Wire

/// One entry of `webhooks:` in the collector's config: where alert changes
/// are sent, which ones, and the secret their signature is made with
/// (``WebhookDelivery``, docs/collector.md, "Webhooks").
///
/// ```yaml
/// webhooks:
///   - name: line-gateway             # letters, digits, - and _: names its metrics and its place in the queue
///     url: https://notify.example.tw/canary
///     secret_file: /etc/canary/line-gateway.secret   # mode 600; its first line signs every body (16 characters at least)
///     sites: [tank-farm-3]           # optional: only these sites' alerts (default: every site)
///     min_severity: alarm            # info, warning, alarm or critical (default: alarm)
///     events: [opened, alarm, escalated, resolved]   # also: acknowledged, cleared
///     timeout: 10s                   # an answer that takes longer is a failed attempt; at most 20 s, inside the lease
///     first_retry: 1s                # then twice as long each time, at most 1 min apart
/// ```
public struct WebhookSettings: Sendable, Equatable {
    public var name: String
    public var url: String
    public var secret: [UInt8]
    public var sites: Set<String>
    public var minSeverity: AlarmSeverity
    public var events: Set<AlertEvent>
    public var timeoutMs: Int64
    public var firstRetryMs: Int64

    public init(
        name: String, url: String, secret: [UInt8], sites: Set<String> = [], minSeverity: AlarmSeverity = .alarm,
        events: Set<AlertEvent> = Self.defaultEvents, timeoutMs: Int64 = 10_000, firstRetryMs: Int64 = 1_000
    ) {
        self.name = name
        self.url = url
        self.secret = secret
        self.sites = sites
        self.minSeverity = minSeverity
        self.events = events
        self.timeoutMs = timeoutMs
        self.firstRetryMs = firstRetryMs
    }

    public static let defaultEvents: Set<AlertEvent> = [.opened, .alarm, .escalated, .resolved]

    /// Whether this hook is told of `event` on `alert`, as grave as it was at its worst: the
    /// resolution of an alarm that had cleared is told too.
    func wants(_ event: AlertEvent, _ alert: AlertRecord) -> Bool {
        events.contains(event) && (sites.isEmpty || sites.contains(alert.site)) && max(alert.severity, alert.worst?.severity ?? .info) >= minSeverity
    }

    static func read(_ root: ConfigSection) throws(ConfigError) -> [WebhookSettings] {
        var hooks: [WebhookSettings] = []
        for h in try root.sections("webhooks") {
            let name = try h.requiredString("name")
            guard name.utf8.count <= 64, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) else {
                throw h.error("name", "must be letters, digits, - and _ (at most 64)")
            }
            guard !hooks.contains(where: { $0.name == name }) else { throw h.error("name", "\(name) is named twice") }
            let url = try h.requiredString("url")
            guard let parsed = URL(string: url), ["http", "https"].contains(parsed.scheme ?? ""), parsed.host != nil else {
                throw h.error("url", "must be an http:// or https:// URL")
            }
            guard let secret = try h.secretLine("secret_file") else { throw h.error("secret_file", "is required: every body is signed with it") }
            guard secret.count >= 16 else { throw h.error("secret_file", "its first line must be 16 characters at least") }
            let severity = try h.string("min_severity", default: "alarm")
            guard let minSeverity = AlarmSeverity(rawValue: severity) else {
                throw h.error("min_severity", "must be info, warning, alarm or critical (found '\(severity)')")
            }
            var events: Set<AlertEvent> = []
            for e in try h.strings("events") {
                guard let event = AlertEvent(rawValue: e) else {
                    throw h.error("events", "'\(e)' is none of \(AlertEvent.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                events.insert(event)
            }
            hooks.append(
                WebhookSettings(
                    name: name, url: url, secret: Array(secret.utf8), sites: Set(try h.strings("sites")), minSeverity: minSeverity,
                    events: h.has("events") ? events : Self.defaultEvents, timeoutMs: try h.durationMs("timeout", default: 10_000, in: 100...20_000),
                    firstRetryMs: try h.durationMs("first_retry", default: 1_000, in: 100...60_000)))
        }
        return hooks
    }

    /// The wait before attempt `attempt + 1` after `attempt` failures: the first retry's wait, doubled each time, at most a minute.
    func retryMs(after attempt: Int) -> Int64 {
        min(firstRetryMs << min(max(attempt - 1, 0), 16), Self.maxRetryMs)
    }

    static let maxRetryMs: Int64 = 60_000

    /// `url` with its user info and every query value replaced by `REDACTED`: receivers often take a key
    /// there (`http://user:pass@…/?key=…`), and the config view and the audit log must not spread it.
    static func redacted(_ url: String) -> String {
        guard var parts = URLComponents(string: url) else { return "REDACTED" }
        if parts.user != nil || parts.password != nil {
            parts.user = "REDACTED"
            parts.password = nil
        }
        parts.queryItems = parts.queryItems?.map { URLQueryItem(name: $0.name, value: $0.value == nil ? nil : "REDACTED") }
        parts.fragment = nil
        return parts.string ?? "REDACTED"
    }

    /// For `/api/v1/config` and the audit log's `config` entry: no secret, and none of what a URL may
    /// carry as one (``redacted(_:)``).
    var summaryJSON: String {
        "{\"name\":\(JSONText.quoted(name)),\"url\":\(JSONText.quoted(Self.redacted(url))),\"sites\":[\(sites.sorted().map(JSONText.quoted).joined(separator: ","))],"
            + "\"min_severity\":\"\(minSeverity.rawValue)\",\"events\":[\(events.map(\.rawValue).sorted().map(JSONText.quoted).joined(separator: ","))]}"
    }
}
