import DaemonSupport
import Foundation

/// `storage:` in the collector's config: where it stores, exactly one of a
/// SQLite file (the default: one collector, one site) and a PostgreSQL
/// database (several collectors sharing the load, docs/scaling.md).
public enum StorageSettings: Sendable, Equatable {
    case sqlite(path: String)
    /// `pool`: connections at most. `keepTelemetryMonths`: telemetry older than this many
    /// whole months is dropped, a month's partition at a time; nil keeps everything.
    case postgres(url: String, pool: Int, keepTelemetryMonths: Int?)

    static func read(_ s: ConfigSection) throws(ConfigError) -> StorageSettings {
        let postgres = try s.section("postgres")
        guard s.has("postgres") else { return .sqlite(path: try s.string("sqlite", default: "/var/lib/canary/collector.sqlite")) }
        guard !s.has("sqlite") else { throw s.error("postgres", "and sqlite are two stores: name one of them") }
        let url = try postgres.requiredString("url")
        guard let parsed = URLComponents(string: url), ["postgres", "postgresql"].contains(parsed.scheme ?? ""), parsed.host != nil,
            parsed.path.count > 1
        else { throw postgres.error("url", "must be postgres://user[:password]@host[:port]/database") }
        let pool = try postgres.int("pool", default: 8, in: 1...200)
        let keep = postgres.has("keep_telemetry") ? try postgres.int("keep_telemetry", default: 0, in: 1...1_200) : nil
        return .postgres(url: url, pool: pool, keepTelemetryMonths: keep)
    }

    /// For `/api/v1/config` and the audit log: a PostgreSQL URL without its password.
    var summaryJSON: String {
        switch self {
        case .sqlite(let path): return "{\"sqlite\":\(JSONText.quoted(path))}"
        case .postgres(let url, let pool, let keep):
            var shown = URLComponents(string: url)
            if shown?.password != nil { shown?.password = "***" }
            return
                "{\"postgres\":{\"url\":\(JSONText.quoted(shown?.string ?? "")),\"pool\":\(pool),\"keep_telemetry_months\":\(keep.map(String.init) ?? "null")}}"
        }
    }

    /// Where it stores, for the log and systemd's status line (no password).
    var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url, _, _):
            URLComponents(string: url).map { "postgres://\($0.host ?? ""):\($0.port ?? 5432)\($0.path)" } ?? "postgres"
        }
    }
}
