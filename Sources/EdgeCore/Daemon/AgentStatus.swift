import Logging
import Synchronization

/// What the agent has counted since it started, logged every `status_every`
/// and shown by `systemctl status`. Bad input (frames from devices bound to
/// nobody, payloads a decoder refused, acks that did not parse) is counted,
/// not logged frame by frame: a broken device nearby would flood the journal.
/// This line is where an operator sees those counts while the agent runs.
struct AgentStatus: Sendable {
    var pipeline = AgentPipeline.Counters()
    var outbox: Outbox.Stats?
    var acknowledged = 0
    /// Sent, and not acknowledged yet by the collector (``Uplink/inFlight``).
    var awaitingAck = 0
    /// Alarms the outbox could not take, kept in memory (``Uplink/heldAlarms``).
    var heldAlarms = 0
    /// Telemetry readings the outbox could not take: lost.
    var telemetryNotWritten = 0
    var refusedAcks = 0
    var scanner: BlueZSource.Counters?
    var gatt: GATTLinks.Counters?

    var metadata: Logger.Metadata {
        var m = pipeline.metadata
        m["acknowledged"] = "\(acknowledged)"
        m["awaiting_ack"] = "\(awaitingAck)"
        m["alarms_held_in_memory"] = "\(heldAlarms)"
        m["telemetry_not_written"] = "\(telemetryNotWritten)"
        m["refused_acks"] = "\(refusedAcks)"
        if let outbox {
            m["outbox_alarms"] = "\(outbox.alarms)"
            m["outbox_telemetry"] = "\(outbox.telemetry)"
            m["dropped_telemetry"] = "\(outbox.droppedTelemetry)"
        }
        if let scanner {
            m["scan_reports"] = "\(scanner.reports)"
            m["malformed_hci_events"] = "\(scanner.malformed)"
            m["adapter_resets"] = "\(scanner.resets)"
        }
        if let gatt {
            m["gatt_connected"] = "\(gatt.connected)"
            m["gatt_drops"] = "\(gatt.drops)"
            m["malformed_att_pdus"] = "\(gatt.malformed)"
        }
        return m
    }

    /// One line for `systemctl status`.
    var summary: String {
        let waiting = outbox.map { "outbox \($0.alarms) alarms, \($0.telemetry) telemetry; " } ?? ""
        let held = heldAlarms > 0 ? "\(heldAlarms) alarms the outbox could not take, held in memory; " : ""
        let lost = telemetryNotWritten > 0 ? "\(telemetryNotWritten) readings the outbox could not take; " : ""
        return held + lost + waiting
            + "\(awaitingAck) sent awaiting ack, \(acknowledged) acknowledged; rejected \(pipeline.rejected.total) payloads, "
            + "\(pipeline.unknownDevice) frames from unknown devices"
    }
}

extension AgentPipeline.Counters {
    /// For the status line and the line logged when the source ends.
    var metadata: Logger.Metadata {
        var m: Logger.Metadata = [
            "unknown_device_frames": "\(unknownDevice)",
            "rejected_payloads": "\(rejected.total)",
            "rejected_samples": "\(rejectedSamples)",
            "out_of_order_samples": "\(outOfOrderSamples)",
            "motion_stream_restarts": "\(motionStreamRestarts)",
            "late_gas_statuses": "\(lateGasStatuses)",
        ]
        for (kind, n) in rejected.byKind { m["rejected_\(kind)"] = "\(n)" }
        return m
    }
}
