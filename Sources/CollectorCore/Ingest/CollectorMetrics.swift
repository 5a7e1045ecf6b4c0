import DaemonSupport

/// The collector's metric names, in one place.
public enum CollectorMetrics {
    public static let received = "canary_collector_messages_received_total"
    public static let rejected = "canary_collector_messages_rejected_total"
    public static let stored = "canary_collector_stored_total"
    public static let duplicates = "canary_collector_duplicates_total"
    public static let acked = "canary_collector_acknowledged_ids_total"
    public static let ackFailures = "canary_collector_ack_failures_total"
    public static let storeErrors = "canary_collector_store_errors_total"
    public static let checkpointFailures = "canary_collector_checkpoint_failures_total"
    public static let batches = "canary_collector_commits_total"
    public static let connected = "canary_collector_mqtt_connected"
    public static let storing = "canary_collector_storing"
    public static let gatewaysOffline = "canary_collector_gateways_offline"
    public static let sseClients = "canary_collector_sse_clients"
    public static let httpErrors = "canary_collector_http_errors_total"
    public static let escalations = "canary_collector_alerts_escalated_total"
    public static let implausibleTimes = "canary_collector_implausible_event_times_total"
    public static let connectionsRefused = "canary_collector_http_connections_refused_total"

    static func register(_ m: MetricsRegistry) {
        m.register(received, .counter, help: "MQTT messages received.")
        m.register(rejected, .counter, help: "Messages refused by validation, by kind.")
        m.register(stored, .counter, help: "Alarm events and telemetry readings stored.")
        m.register(duplicates, .counter, help: "Messages already stored (acknowledged again).")
        m.register(implausibleTimes, .counter, help: "Alarms whose own time was more than 5 min ahead of or 30 days behind the collector's clock.")
        m.register(acked, .counter, help: "Event ids acknowledged to gateways.")
        m.register(ackFailures, .counter, help: "Acks that could not be published.")
        m.register(storeErrors, .counter, help: "Batches the database refused (nothing acknowledged).")
        m.register(checkpointFailures, .counter, help: "WAL checkpoints that failed (the WAL grows until one succeeds).")
        m.register(batches, .counter, help: "Transactions committed.")
        m.register(connected, .gauge, help: "1 while connected to the MQTT broker.")
        m.register(storing, .gauge, help: "1 while the last commit succeeded; 0 after a failed one (nothing new is shown or acknowledged).")
        m.set(storing, to: 1)
        m.register(gatewaysOffline, .gauge, help: "Gateways whose last status is offline (each has an open alert).")
        m.register(sseClients, .gauge, help: "Clients on the alert stream.")
        m.register(escalations, .counter, help: "Open alerts that nobody acknowledged within alerts.escalate_after.")
    }
}
