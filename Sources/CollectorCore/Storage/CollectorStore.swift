import Foundation
import ServiceLifecycle
import Wire

/// The collector's storage, as the ingest, the API and the periodic services
/// use it: one interface, two implementations. ``SQLiteStore`` is the default,
/// a file on the collector's machine; ``PostgresStore`` lets several
/// collectors share one database (docs/scaling.md). Both keep the same
/// guarantees (docs/collector.md): every `source` + `id` stored once; a
/// commit's ids acknowledged only once it is durable; alerts and their change
/// log derived in the transaction that stores the alarm; the change log's ids
/// in commit order, so a feed that reads "after id n" skips nothing; every
/// coordinator's action with its audit line in one transaction.
///
/// `async`, because PostgreSQL is across a network; SQLite's synchronous
/// methods satisfy the requirements as they are.
public protocol CollectorStore: Sendable {
    /// Fires after each commit that changed the alert log, whichever collector made it: the feed's wake-up.
    var changes: ChangeSignal { get }
    /// What must run for the store to work (PostgreSQL's connection pool): first in the
    /// collector's service group, so it stops last, after the ingest committed what it held.
    var services: [any Service] { get }
    /// Runs `body` with the store usable before ``services`` run: the collector's start
    /// (its config audited, the pseudonym key read). PostgreSQL migrates its schema first.
    func beforeServices<T: Sendable>(_ body: (any CollectorStore) async throws -> T) async throws -> T

    // Ingest.
    func commit(_ batch: [ReceivedMessage], receivedMs: Int64, durability: CommitDurability) async throws -> CommitOutcome
    /// Opens an alert for each gateway whose alarm could not be read (``AlertBook/unreadableAlarm``); true when one opened.
    func noteUnreadable(_ gateways: Set<Topics>, receivedMs: Int64) async throws -> Bool
    /// The database answers.
    func isHealthy() async -> Bool

    // Reading.
    func events(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) async throws -> [StoredEvent]
    func telemetry(_ filter: RecordFilter, after cursor: PageCursor?, limit: Int) async throws -> [StoredTelemetry]
    func alerts(state: AlertStateFilter?, handling: AlertHandlingFilter?, site: String?, worker: String?, limit: Int) async throws -> [String]
    /// The gateways' alerts (not the collector's own kinds) opened in [fromMs, toMs): the open data's alarms.
    func alertsOpened(fromMs: Int64, toMs: Int64) async throws -> [OpenedAlert]
    func alertChanges(after seq: Int64, limit: Int) async throws -> [(seq: Int64, snapshot: String)]
    func lastAlertChange() async throws -> Int64
    func workers(site: String?, current: Bool, health: Bool) async throws -> String
    func workerIDs() async throws -> [String]
    func gateways() async throws -> [GatewayRecord]
    func counts() async throws -> (events: Int, readings: Int, alerts: Int)

    // Coordinators.
    func acknowledge(_ id: Int64, by coordinator: String, address: String?, nowMs: Int64) async throws -> String
    func resolve(
        _ id: Int64, by coordinator: String, reason: AlertRecord.Resolution, note: String?, outcome: IncidentOutcome?,
        egov: EGovSettings, address: String?, nowMs: Int64
    ) async throws -> String
    /// Escalates each open alert nobody handled within `afterMs`, once across every collector on the database.
    func escalate(nowMs: Int64, afterMs: Int64) async throws -> [String]

    // Audit and consent.
    func audit(_ entries: [AuditEntry], nowMs: Int64) async throws
    func auditLog(after seq: Int64, limit: Int) async throws -> [AuditRecord]
    func auditLog(about who: WorkerID) async throws -> [AuditRecord]
    /// The log as its hash chain is made of it (``AuditChain``), oldest first, after `seq`.
    func auditLinks(after seq: Int64, limit: Int) async throws -> [AuditLink]
    /// Records breaks of the chain in the log and opens the `audit-broken` alert, unless one is open; true when it opened.
    func recordAuditBreaks(_ seqs: [Int64], nowMs: Int64) async throws -> Bool
    func lastConfigAudited() async throws -> String?
    func setConsent(site: String, worker: String, research: Bool, by actor: String, address: String?, nowMs: Int64) async throws
    func consent(site: String, worker: String) async throws -> ConsentRecord
    func consentingWorkers() async throws -> Set<WorkerID>
    func pseudonymKey() async throws -> [UInt8]

    // Occupational-accident reports.
    func reports() async throws -> [ReportRow]
    /// The pending report due first at `nowMs`, if one is due, for this collector to deliver: no
    /// other collector on the database takes it for ``ReportRow/claimMs`` (or until this one records its attempt).
    func nextPendingReport(nowMs: Int64) async throws -> ReportRow?
    func recordAttempt(_ id: Int64, _ outcome: DeliveryOutcome, status: Int?, xroadError: String?, retryAfterMs: Int64, nowMs: Int64) async throws
    func flagOverdueReports(nowMs: Int64) async throws -> Bool

    // Webhooks (``WebhookDelivery``): each hook's place in the alert change log, which is their queue.
    /// Gives `hook` a place at the log's end if it has none: every change after this is told to it.
    func registerWebhook(_ hook: String) async throws
    /// `hook`'s place, if `owner` may deliver its changes: it holds the lease (renewed to `nowMs + leaseMs`)
    /// or the lease ran out. Nil while another collector on the database holds it.
    func claimWebhook(_ hook: String, owner: String, nowMs: Int64, leaseMs: Int64) async throws -> Int64?
    /// Moves `hook`'s place on to `seq` (renewing the lease); false if `owner` no longer holds it.
    func advanceWebhook(_ hook: String, to seq: Int64, owner: String, nowMs: Int64, leaseMs: Int64) async throws -> Bool
    /// Alert `id` as it was before change `seq`: its previous entry in the log, if it has one.
    func alertChange(before seq: Int64, alert id: Int64) async throws -> String?
}

/// An alert as the open data counts it.
public struct OpenedAlert: Sendable {
    public var site: String, worker: String, kind: String, condition: String
    public var state: AlarmPhase
    public var openedMs: Int64, updatedMs: Int64
    /// The kinds of the conditions an alert of one cause covers (``AlertCause``), each once; empty for others.
    public var coveredKinds: [String] = []
}

/// A validated message and where it came from, ready to store.
public struct ReceivedMessage: Sendable {
    public var topics: Topics
    public var message: IncomingMessage
    /// The CloudEvent as received; stored as is so exports give third parties the exact wire form.
    public var raw: [UInt8]
    /// Its gateway's clock offset as estimated when it came (``GatewayClocks``); an alarm's alert is timed by it.
    public var clockOffsetMs: Int64?
    /// Telemetry: the workers it names beyond its gateway's budget (``NewWorkerBudget``), whose readings are
    /// stored but who are not listed.
    public var unlisted: Set<String> = []

    public init(topics: Topics, message: IncomingMessage, raw: [UInt8], clockOffsetMs: Int64? = nil) {
        self.topics = topics
        self.message = message
        self.raw = raw
        self.clockOffsetMs = clockOffsetMs
    }
}

/// What a committed batch means for the gateways and the feed.
public struct CommitOutcome: Sendable {
    /// Per gateway, the ids to acknowledge: stored now or already stored.
    public var acks: [Topics: [String]] = [:]
    public var storedAlarms = 0
    public var storedReadings = 0
    public var duplicates = 0
    public var alertChanges = 0
    /// Alarms whose own time was implausible, and the collector's clock taken instead (``AlertBook/isPlausible(_:receivedMs:)``),
    /// with the topic each came on, for the log.
    public var implausibleTimes: [(topic: String, timeMs: Int64)] = []

    mutating func ack(_ topics: Topics, _ id: String) {
        acks[topics, default: []].append(id)
    }

    /// This and `later`, as if committed together.
    mutating func add(_ later: CommitOutcome) {
        acks.merge(later.acks) { $0 + $1 }
        storedAlarms += later.storedAlarms
        storedReadings += later.storedReadings
        duplicates += later.duplicates
        alertChanges += later.alertChanges
        implausibleTimes += later.implausibleTimes
    }
}

/// How a commit treats the disk and the workers' state.
public enum CommitDurability: Sendable {
    /// Waits for the disk (SQLite's `synchronous = FULL`, PostgreSQL's
    /// `synchronous_commit = on`), which makes every transaction before it
    /// durable too; writes the batch's worker state.
    case durable
    /// Does not wait for the disk (`synchronous = NORMAL` in WAL mode,
    /// `synchronous_commit = off`), so a power cut can undo it: its ids may be
    /// acknowledged only after a durable commit that follows. Its worker
    /// state is kept for `closing`.
    case deferred
    /// Durable, and writes the worker state kept by `deferred` commits too.
    case closing
}

/// What the API and the exports filter on; every field optional.
public struct RecordFilter: Sendable, Equatable {
    public var fromMs: Int64?
    /// Exclusive.
    public var toMs: Int64?
    public var site: String?
    public var worker: String?
    /// Events: `fall` or `tw.canary.alarm.fall`. Telemetry: the reading kind (`gas`, `position`, …).
    public var type: String?

    public init(fromMs: Int64? = nil, toMs: Int64? = nil, site: String? = nil, worker: String? = nil, type: String? = nil) {
        self.fromMs = fromMs
        self.toMs = toMs
        self.site = site
        self.worker = worker
        self.type = type
    }
}

extension RecordFilter {
    /// A condition's value: the filters hold times and names.
    enum Value {
        case int(Int64)
        case text(String)
    }

    /// The filter's conditions on the time, site, worker and type columns, each SQL with one
    /// `?` for its value: the same for both stores, which number or bind the placeholders.
    /// `expandType`: `fall` stands for `tw.canary.alarm.fall`.
    func conditions(typeColumn: String, expandType: Bool) -> [(sql: String, value: Value)] {
        var out: [(sql: String, value: Value)] = []
        if let v = fromMs { out.append(("time_ms >= ?", .int(v))) }
        if let v = toMs { out.append(("time_ms < ?", .int(v))) }
        if let v = site { out.append(("site = ?", .text(v))) }
        if let v = worker { out.append(("worker = ?", .text(v))) }
        if let v = type { out.append(("\(typeColumn) = ?", .text(expandType && !v.contains(".") ? EventTypes.alarmPrefix + v : v))) }
        return out
    }
}

/// Position in a time-ordered listing: the last row's time and sequence
/// number, so the next page starts exactly after it even when rows share a time.
public struct PageCursor: Sendable, Equatable, CustomStringConvertible {
    public var timeMs: Int64
    public var seq: Int64

    public init(timeMs: Int64, seq: Int64) {
        self.timeMs = timeMs
        self.seq = seq
    }

    public init?(_ text: String) {
        let parts = text.split(separator: "_")
        guard parts.count == 2, let t = Int64(parts[0]), let s = Int64(parts[1]) else { return nil }
        self.init(timeMs: t, seq: s)
    }

    public var description: String { "\(timeMs)_\(seq)" }
}

public struct StoredEvent: Sendable {
    public var cursor: PageCursor
    /// The CloudEvent JSON as received.
    public var json: String
    public var site: String?
    public var worker: String?
}

/// A stored telemetry message: where it came from, and the CloudEvent as received.
public struct StoredTelemetry: Sendable {
    /// The earliest reading's time and the row's sequence number.
    public var cursor: PageCursor
    public var site: String
    public var gateway: String
    public var event: [UInt8]
}

/// Which alerts by their state: open (pre-alarm or alarm), or in one state.
public enum AlertStateFilter: Sendable, Equatable {
    case open
    case only(AlarmPhase)

    /// `open`, `pre-alarm`, `alarm` or `cleared`; nil for anything else.
    public init?(_ text: String) {
        if text == "open" { self = .open } else if let p = AlarmPhase(rawValue: text) { self = .only(p) } else { return nil }
    }
}

/// Which alerts by their handling: in one, or not resolved (unacknowledged or acknowledged).
public enum AlertHandlingFilter: Sendable, Equatable {
    case only(AlertRecord.Handling)
    case unresolved

    /// `unacknowledged`, `acknowledged`, `resolved` or `unresolved`; nil for anything else.
    public init?(_ text: String) {
        if text == "unresolved" {
            self = .unresolved
        } else if let h = AlertRecord.Handling(rawValue: text) {
            self = .only(h)
        } else {
            return nil
        }
    }

    /// The condition on the `alerts` table's columns (the same SQL in SQLite and PostgreSQL).
    var condition: String {
        switch self {
        case .only(.unacknowledged): "acknowledged_ms IS NULL AND resolved_ms IS NULL"
        case .only(.acknowledged): "acknowledged_ms IS NOT NULL AND resolved_ms IS NULL"
        case .only(.resolved): "resolved_ms IS NOT NULL"
        case .unresolved: "resolved_ms IS NULL"
        }
    }
}

extension CollectorStore {
    /// A commit that waits for the disk.
    public func commit(_ batch: [ReceivedMessage], receivedMs: Int64) async throws -> CommitOutcome {
        try await commit(batch, receivedMs: receivedMs, durability: .durable)
    }

    public func alerts(state: AlertStateFilter?, site: String?, worker: String? = nil, limit: Int) async throws -> [String] {
        try await alerts(state: state, handling: nil, site: site, worker: worker, limit: limit)
    }

    public func alerts(state: AlertStateFilter?, handling: AlertHandlingFilter?, site: String?, limit: Int) async throws -> [String] {
        try await alerts(state: state, handling: handling, site: site, worker: nil, limit: limit)
    }

    public func acknowledge(_ id: Int64, by coordinator: String, nowMs: Int64) async throws -> String {
        try await acknowledge(id, by: coordinator, address: nil, nowMs: nowMs)
    }

    public func resolve(
        _ id: Int64, by coordinator: String, reason: AlertRecord.Resolution, note: String?, outcome: IncidentOutcome? = nil,
        egov: EGovSettings = EGovSettings(), nowMs: Int64
    ) async throws -> String {
        try await resolve(id, by: coordinator, reason: reason, note: note, outcome: outcome, egov: egov, address: nil, nowMs: nowMs)
    }

    /// Every worker, with health data, as up to date.
    public func workers(site: String?) async throws -> String { try await workers(site: site, current: true, health: true) }
}
