import Foundation
import Prometheus

/// The agent's counts (``AgentStatus``) as Prometheus metrics, written to a
/// file for node_exporter's textfile collector (`metrics_file:`): a gateway
/// runs no HTTP server, and its node_exporter already serves the machine's
/// metrics. Written with the status line, atomically (a scrape never reads
/// half a file: Foundation writes it beside and renames it).
final class AgentMetrics: Sendable {
    let registry: PrometheusCollectorRegistry
    let path: String
    private let unknownDevice, rejectedSamples, outOfOrderSamples, motionStreamRestarts, lateGasStatuses, acknowledged, refusedAcks,
        telemetryNotWritten, droppedTelemetry, scanReports, malformedHCI, adapterResets, gattDrops, malformedATT: Counter
    private let awaitingAck, heldAlarms, outboxAlarms, outboxTelemetry, outboxBytes, gattConnected: Gauge

    init(path: String) {
        self.path = path
        let registry = PrometheusCollectorRegistry()
        self.registry = registry
        func counter(_ name: String, _ help: String) -> Counter {
            registry.makeCounter(descriptor: .init(namespace: "canary", subsystem: "agent", metricName: name, unitName: "total", helpText: help))
        }
        func gauge(_ name: String, _ help: String) -> Gauge {
            registry.makeGauge(descriptor: .init(namespace: "canary", subsystem: "agent", metricName: name, unitName: "", helpText: help))
        }
        unknownDevice = counter("unknown_device_frames", "Frames from devices bound to no worker.")
        rejectedSamples = counter("rejected_samples", "Samples a detector refused (not a number, a value no sensor gives, older than the last).")
        outOfOrderSamples = counter("out_of_order_samples", "Accelerometer samples timed at or before the last one taken (refused).")
        motionStreamRestarts = counter(
            "motion_stream_restarts", "Accelerometer notifications timed otherwise than their index says (a first, a gap, a reconnect).")
        lateGasStatuses = counter("late_gas_statuses", "Gas statuses older than one already taken (only their SOS flag counted).")
        acknowledged = counter("acknowledged", "Events the collector acknowledged.")
        refusedAcks = counter("refused_acks", "Acks that could not be read.")
        telemetryNotWritten = counter("telemetry_not_written", "Telemetry readings the outbox could not take (lost).")
        droppedTelemetry = counter("dropped_telemetry", "Telemetry entries dropped to keep the outbox within its bounds.")
        scanReports = counter("scan_reports", "LE advertising reports heard.")
        malformedHCI = counter("malformed_hci_events", "HCI events that could not be read.")
        adapterResets = counter("adapter_resets", "Bluetooth adapter resets after a silent scan.")
        gattDrops = counter("gatt_drops", "GATT links that dropped.")
        malformedATT = counter("malformed_att_pdus", "ATT PDUs that could not be read.")
        awaitingAck = gauge("awaiting_ack", "Events sent and not yet acknowledged.")
        heldAlarms = gauge("alarms_held_in_memory", "Alarms the outbox could not take, held in memory until acknowledged.")
        outboxAlarms = gauge("outbox_alarms", "Alarms in the outbox.")
        outboxTelemetry = gauge("outbox_telemetry", "Telemetry messages in the outbox.")
        outboxBytes = gauge("outbox_bytes", "Bytes of payload in the outbox.")
        gattConnected = gauge("gatt_connected", "GATT links up.")
    }

    /// Payloads a decoder rejected, of one kind.
    private func rejected(_ kind: String) -> Counter {
        registry.makeCounter(
            descriptor: .init(
                namespace: "canary", subsystem: "agent", metricName: "rejected_payloads", unitName: "total",
                helpText: "Payloads a decoder rejected, by kind."), labels: [("kind", kind)])
    }

    /// Takes the counts of `status` and writes the file. The status carries totals since the
    /// start, so each counter is set to its total (one writer: the status reporter).
    func record(_ status: AgentStatus) throws {
        func show(_ counter: Counter, _ total: Int) {
            counter.reset()
            counter.increment(by: Int64(total))
        }
        let p = status.pipeline
        show(unknownDevice, p.unknownDevice)
        show(rejectedSamples, p.rejectedSamples)
        show(outOfOrderSamples, p.outOfOrderSamples)
        show(motionStreamRestarts, p.motionStreamRestarts)
        show(lateGasStatuses, p.lateGasStatuses)
        show(acknowledged, status.acknowledged)
        show(refusedAcks, status.refusedAcks)
        show(telemetryNotWritten, status.telemetryNotWritten)
        for (kind, n) in p.rejected.byKind { show(rejected(kind), n) }
        if let o = status.outbox {
            show(droppedTelemetry, o.droppedTelemetry)
            outboxAlarms.set(Int64(o.alarms))
            outboxTelemetry.set(Int64(o.telemetry))
            outboxBytes.set(Int64(o.bytes))
        }
        if let s = status.scanner {
            show(scanReports, s.reports)
            show(malformedHCI, s.malformed)
            show(adapterResets, s.resets)
        }
        if let g = status.gatt {
            show(gattDrops, g.drops)
            show(malformedATT, g.malformed)
            gattConnected.set(Int64(g.connected))
        }
        awaitingAck.set(Int64(status.awaitingAck))
        heldAlarms.set(Int64(status.heldAlarms))
        try Data(registry.emitToBuffer()).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}
