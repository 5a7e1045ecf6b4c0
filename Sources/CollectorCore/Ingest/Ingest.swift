import DaemonSupport
import Logging
import MQTT
import ServiceLifecycle
import Wire

/// The collector's MQTT side: subscribe, validate, store in batches, and
/// acknowledge to each gateway what is committed — as five services, each
/// with one job, run in the collector's service group:
///
/// - ``BrokerSession``: connects, subscribes on every connect, says whether
///   the collector hears the broker, disconnects last;
/// - ``Reception``: takes what the broker delivers and routes it to a lane;
/// - ``AlarmLane``: alarms and statuses, validated and committed at once;
/// - ``TelemetryLane``: telemetry, validated and committed in large runs;
/// - ``Acker``: publishes the acks of what was committed.
///
/// Two lanes, so an alarm never waits behind a large telemetry batch being
/// decoded or committed. Refused messages (bad JSON, unknown type, schema
/// violations, oversized, wrong topic) are counted by kind and logged with
/// their topic; they are neither stored nor acknowledged. A failed commit
/// acknowledges nothing: the gateways resend from their outboxes.
public struct Ingest: Sendable {
    public struct Settings: Sendable {
        /// Largest accepted message, bytes.
        public var messageLimit = IncomingMessage.defaultLimit
        /// Most messages taken from a stage's queue at once: for telemetry, a run
        /// of transactions closed by one fsync.
        public var maxBatch = 2_000
        /// Most telemetry readings in one transaction (a larger message alone):
        /// bounds how long an alarm can wait for the database's write lock.
        public var readingsPerCommit = 2_000
        /// MQTT 5 shared-subscription group, when several collectors split the load.
        public var shareGroup: String?
        /// How soon a gateway status the database refused is asked for again (``BrokerSession/askForStatusesAgain()``).
        public var statusRetry: Duration = .seconds(5)
        public init() {}
    }

    /// Whether the collector hears the broker and can store: what the API vouches for.
    public let status: StatusBoard
    /// Each gateway's clock offset, as the messages it sends show it.
    public let clocks = GatewayClocks()
    let newWorkers = NewWorkerBudget()
    let session: BrokerSession
    let reception: Reception
    let alarmLane: AlarmLane
    let telemetryLane: TelemetryLane
    let acker: Acker

    public init(store: any CollectorStore, client: MQTTClient, metrics: CollectorMetrics, settings: Settings = Settings(), logger: Logger) {
        status = StatusBoard(changes: store.changes)
        session = BrokerSession(
            client: client, status: status, metrics: metrics, shareGroup: settings.shareGroup,
            statusRetry: settings.statusRetry, logger: logger)
        let committer = BatchCommitter(
            store: store, metrics: metrics, status: status, settings: settings, clocks: clocks, newWorkers: newWorkers, logger: logger)
        acker = Acker(client: client, metrics: metrics, logger: logger)
        alarmLane = AlarmLane(committer: committer, acker: acker, session: session, maxBatch: settings.maxBatch)
        telemetryLane = TelemetryLane(committer: committer, acker: acker, maxBatch: settings.maxBatch)
        reception = Reception(messages: client.messages, alarms: alarmLane.queue, telemetry: telemetryLane.queue)
    }

    /// In start order. A service group shuts them down in reverse: reception
    /// stops taking messages, the lanes commit what they hold, the acker sends
    /// the acks of it, and the MQTT client disconnects last.
    public var services: [any Service] { [session, acker, alarmLane, telemetryLane, reception] }
}
