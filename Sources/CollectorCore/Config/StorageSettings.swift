import DaemonSupport
import Foundation

/// `storage:` in the collector's config: where it stores, exactly one of a
/// SQLite file (the default: one collector, one site) and a PostgreSQL
/// database (several collectors sharing the load, docs/scaling.md).
public enum StorageSettings: Sendable, Equatable {
    case sqlite(path: String)
    /// `url` holds no password; `password` comes from `password_file` (mode 600). `pool`:
    /// connections at most. `keepTelemetryMonths`: telemetry older than this many whole
    /// months is dropped, a month's partition at a time; nil keeps everything.
    case postgres(url: String, password: String?, pool: Int, keepTelemetryMonths: Int?)

    static func read(_ s: ConfigSection) throws(ConfigError) -> StorageSettings {
        let postgres = try s.section("postgres")
        guard s.has("postgres") else { return .sqlite(path: try s.string("sqlite", default: "/var/lib/canary/collector.sqlite")) }
        guard !s.has("sqlite") else { throw s.error("postgres", "and sqlite are two stores: name one of them") }
        let url = try postgres.requiredString("url")
        guard let parsed = URLComponents(string: url), ["postgres", "postgresql"].contains(parsed.scheme ?? ""), parsed.host != nil,
            parsed.path.count > 1
        else { throw postgres.error("url", "must be postgres://user@host[:port]/database[?sslmode=disable|prefer|require]") }
        // A config file is readable by whoever reads configs; a secret goes in a file of its own.
        guard parsed.password == nil else { throw postgres.error("url", "holds a password: put it in password_file (mode 600)") }
        let password = try postgres.secretLine("password_file")
        let pool = try postgres.int("pool", default: 8, in: 1...200)
        let keep = postgres.has("keep_telemetry") ? try postgres.int("keep_telemetry", default: 0, in: 1...1_200) : nil
        return .postgres(url: url, password: password, pool: pool, keepTelemetryMonths: keep)
    }

    /// For `/api/v1/config` and the audit log: a PostgreSQL URL without its password.
    var summaryJSON: String {
        switch self {
        case .sqlite(let path): return "{\"sqlite\":\(JSONText.quoted(path))}"
        case .postgres(let url, let password, let pool, let keep):
            return """
                {"postgres":{"url":\(JSONText.quoted(url)),"password_file":\(password != nil),"pool":\(pool),\
                "keep_telemetry_months":\(keep.map(String.init) ?? "null")}}
                """
        }
    }

    /// Where it stores, for the log and systemd's status line (no password).
    var description: String {
        switch self {
        case .sqlite(let path): path
        case .postgres(let url, _, _, _):
            URLComponents(string: url).map { "postgres://\($0.host ?? ""):\($0.port ?? 5432)\($0.path)" } ?? "postgres"
        }
    }
}
