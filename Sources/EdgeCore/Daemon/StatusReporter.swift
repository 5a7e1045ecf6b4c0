import DaemonSupport
import Logging
import ServiceLifecycle
import Synchronization

/// Logs what the agent counted (``AgentStatus``) every `status_every`, shows
/// its summary in `systemctl status`, and writes it as metrics (`metrics_file:`).
struct StatusReporter: Service {
    let uplink: Uplink
    let counters: AgentCounters
    let scanner: BlueZSource.Counters?
    let gatt: GATTLinks.Counters?
    let everyMs: Int64
    let notifier: SystemdNotifier
    /// For node_exporter's textfile collector (`metrics_file:`), when configured.
    let metrics: AgentMetrics?
    let logger: Logger

    func run() async {
        await cancelWhenGracefulShutdown {
            while (try? await Task.sleep(for: .milliseconds(everyMs))) != nil {
                var status = AgentStatus(pipeline: counters.pipeline, outbox: try? uplink.outbox.stats(), scanner: scanner, gatt: gatt)
                (status.acknowledged, status.refusedAcks) = await (uplink.acknowledged, uplink.refusedAcks)
                status.awaitingAck = uplink.inFlight
                status.heldAlarms = uplink.heldAlarms
                status.telemetryNotWritten = counters.telemetryNotWritten.load(ordering: .relaxed)
                logger.info("status", metadata: status.metadata)
                notifier.status(status.summary)
                do {
                    try metrics?.record(status)
                } catch {
                    logger.warning("cannot write the metrics file", metadata: ["path": "\(metrics?.path ?? "")", "error": "\(error)"])
                }
            }
        }
    }
}
