import Foundation
import Synchronization

/// Counters and gauges in the Prometheus text exposition format (version
/// 0.0.4). A handful of metrics do not need a metrics backend; names follow
/// Prometheus conventions (`_total` for counters, base units).
public final class MetricsRegistry: Sendable {
    public enum Kind: String, Sendable { case counter, gauge }

    private struct Family {
        var kind: Kind
        var help: String
        var samples: [String: Double] = [:]
    }

    private let families = Mutex<[String: Family]>([:])

    public init() {}

    /// Declares a metric so it is exported (as 0) before anything happens.
    public func register(_ name: String, _ kind: Kind, help: String) {
        families.withLock { if $0[name] == nil { $0[name] = Family(kind: kind, help: help) } }
    }

    public func increment(_ name: String, labels: [String: String] = [:], by n: Double = 1) {
        families.withLock { $0[name, default: Family(kind: .counter, help: name)].samples[Self.labelText(labels), default: 0] += n }
    }

    public func set(_ name: String, labels: [String: String] = [:], to v: Double) {
        families.withLock { $0[name, default: Family(kind: .gauge, help: name)].samples[Self.labelText(labels)] = v }
    }

    public func value(_ name: String, labels: [String: String] = [:]) -> Double {
        families.withLock { $0[name]?.samples[Self.labelText(labels)] ?? 0 }
    }

    /// The sum over every label set, e.g. all rejection kinds.
    public func total(_ name: String) -> Double {
        families.withLock { $0[name]?.samples.values.reduce(0, +) ?? 0 }
    }

    public func render() -> String {
        let snapshot = families.withLock { $0 }
        var out = ""
        for name in snapshot.keys.sorted() {
            let f = snapshot[name]!
            out += "# HELP \(name) \(f.help)\n# TYPE \(name) \(f.kind.rawValue)\n"
            if f.samples.isEmpty { out += "\(name) 0\n" }
            for labels in f.samples.keys.sorted() {
                out += "\(name)\(labels) \(Self.number(f.samples[labels]!))\n"
            }
        }
        return out
    }

    private static func labelText(_ labels: [String: String]) -> String {
        guard !labels.isEmpty else { return "" }
        let escaped = labels.keys.sorted().map { key in
            let v = labels[key]!.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
                .replacingOccurrences(of: "\n", with: "\\n")
            return "\(key)=\"\(v)\""
        }
        return "{\(escaped.joined(separator: ","))}"
    }

    private static func number(_ v: Double) -> String {
        v == v.rounded() && abs(v) < 1e15 ? String(Int64(v)) : String(v)
    }
}
