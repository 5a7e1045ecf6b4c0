import CoreMetrics
import Prometheus

/// The collector's metrics, in one place: instruments of a swift-prometheus
/// registry, which `/metrics` renders in the Prometheus text format. Every
/// one is made at start, so each is exported (as 0) before anything happens.
/// They observe; nothing in the collector reads them back to decide.
///
/// The HTTP server's own metrics (requests, errors and durations by route
/// and status) come from Hummingbird's `MetricsMiddleware` through
/// swift-metrics, into the same registry once ``bootstrapProcessWide()`` has
/// made it the process's metrics backend (the executable does).
public final class CollectorMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry

    let received: Prometheus.Counter
    let storedAlarms: Prometheus.Counter
    let storedReadings: Prometheus.Counter
    let duplicates: Prometheus.Counter
    let implausibleTimes: Prometheus.Counter
    let workersUnlisted: Prometheus.Counter
    let acked: Prometheus.Counter
    let ackFailures: Prometheus.Counter
    let storeErrors: Prometheus.Counter
    let checkpointFailures: Prometheus.Counter
    let commits: Prometheus.Counter
    let escalations: Prometheus.Counter
    let connectionsRefused: Prometheus.Counter
    let connected: Prometheus.Gauge
    let storing: Prometheus.Gauge
    let gatewaysOffline: Prometheus.Gauge
    let sseClients: Prometheus.Gauge

    static let rejectedName = "canary_collector_messages_rejected_total"
    static let rejectedHelp = "Messages refused by validation, by kind."

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Prometheus.Counter { registry.makeCounter(descriptor: Self.name(name, help)) }
        func gauge(_ name: String, _ help: String) -> Prometheus.Gauge { registry.makeGauge(descriptor: Self.name(name, help)) }
        received = counter("canary_collector_messages_received_total", "MQTT messages received.")
        let storedHelp = "Alarm events and telemetry readings stored."
        storedAlarms = registry.makeCounter(descriptor: Self.name("canary_collector_stored_total", storedHelp), labels: [("kind", "alarm")])
        storedReadings = registry.makeCounter(descriptor: Self.name("canary_collector_stored_total", storedHelp), labels: [("kind", "reading")])
        duplicates = counter("canary_collector_duplicates_total", "Messages already stored (acknowledged again).")
        implausibleTimes = counter(
            "canary_collector_implausible_event_times_total",
            "Alarms whose own time was more than 5 min ahead of or 30 days behind the collector's clock.")
        workersUnlisted = counter(
            "canary_collector_workers_unlisted_total",
            "Workers named in telemetry beyond their gateway's budget of new workers: readings stored, worker not listed.")
        acked = counter("canary_collector_acknowledged_ids_total", "Event ids acknowledged to gateways.")
        ackFailures = counter("canary_collector_ack_failures_total", "Acks that could not be published.")
        storeErrors = counter("canary_collector_store_errors_total", "Batches the database refused (nothing acknowledged).")
        checkpointFailures = counter(
            "canary_collector_checkpoint_failures_total",
            "WAL checkpoints that failed (the WAL grows until one succeeds).")
        commits = counter("canary_collector_commits_total", "Transactions committed.")
        escalations = counter(
            "canary_collector_alerts_escalated_total",
            "Open alerts that nobody acknowledged within alerts.escalate_after.")
        connectionsRefused = counter(
            "canary_collector_http_connections_refused_total",
            "API connections closed at once: their client had http.max_connections_per_client open.")
        connected = gauge("canary_collector_mqtt_connected", "1 while connected to the MQTT broker.")
        storing = gauge(
            "canary_collector_storing",
            "1 while the last commit succeeded; 0 after a failed one (nothing new is shown or acknowledged).")
        storing.set(1.0)
        gatewaysOffline = gauge("canary_collector_gateways_offline", "Gateways whose last status is offline (each has an open alert).")
        sseClients = gauge("canary_collector_sse_clients", "Clients on the alert stream.")
        // Made now so that the family is exported before the first refusal.
        _ = rejected(kind: "schema")
    }

    /// Refusals of one kind (wire.md's kinds).
    func rejected(kind: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.name(Self.rejectedName, Self.rejectedHelp), labels: [("kind", kind)])
    }

    static let webhookAttemptsName = "canary_collector_webhook_attempts_total"
    static let webhookAttemptsHelp = "Attempts to tell a webhook of an alert change, by hook and result (delivered or failed)."

    /// Attempts at one hook with one result.
    func webhookAttempts(hook: String, result: String) -> Prometheus.Counter {
        registry.makeCounter(descriptor: Self.name(Self.webhookAttemptsName, Self.webhookAttemptsHelp), labels: [("hook", hook), ("result", result)])
    }

    /// A metric's full name and help as swift-prometheus takes them.
    private static func name(_ full: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: full, unitName: "", helpText: help)
    }

    /// Everything, in the Prometheus text exposition format (version 0.0.4).
    public func exposition() -> String { registry.emitToString() }

    /// Makes this registry the process's swift-metrics backend, so that
    /// libraries' metrics (Hummingbird's HTTP metrics) land in it too. Once
    /// per process: swift-metrics allows one backend.
    public func bootstrapProcessWide() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // swift-metrics labels such as `http.server.request.duration` are not Prometheus names.
        factory.nameAndLabelSanitizer = { name, labels in
            (Self.prometheusName(name), labels.map { (Self.prometheusName($0.0), $0.1) })
        }
        MetricsSystem.bootstrap(factory)
    }

    /// `[a-zA-Z_:][a-zA-Z0-9_:]*`: anything else becomes `_`.
    static func prometheusName(_ s: String) -> String {
        String(
            s.unicodeScalars.map { c in
                c.isASCII && (c.properties.isAlphabetic || c == "_" || c == ":" || ("0"..."9").contains(c)) ? Character(c) : "_"
            })
    }
}
