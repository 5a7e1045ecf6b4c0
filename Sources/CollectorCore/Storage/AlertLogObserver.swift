import GRDB

/// Wakes the alert feed when a transaction that wrote to the alert log
/// (`alert_changes`) commits, whoever wrote it: the ingest, a coordinator's
/// acknowledgement, the escalation, an overdue report. Nobody has to remember
/// to wake the feed after a change, and a rolled-back change wakes no one.
///
/// Only statements that touch `alert_changes` are observed (GRDB's
/// `observes(eventsOfKind:)` filter), so telemetry commits pay nothing, and
/// the first insert stops observation until the transaction ends
/// (`stopObservingDatabaseChangesUntilNextTransaction`).
/// Called on the writer's connection only, hence the unchecked `Sendable`.
final class AlertLogObserver: TransactionObserver, @unchecked Sendable {
    private let signal: ChangeSignal
    private var changed = false

    init(signal: ChangeSignal) { self.signal = signal }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool {
        if case .insert(tableName: "alert_changes") = eventKind { true } else { false }
    }

    func databaseDidChange() {
        changed = true
        stopObservingDatabaseChangesUntilNextTransaction()
    }

    func databaseDidChange(with event: DatabaseEvent) { databaseDidChange() }

    func databaseDidCommit(_ db: Database) {
        guard changed else { return }
        changed = false
        signal.fire()
    }

    func databaseDidRollback(_ db: Database) { changed = false }
}
