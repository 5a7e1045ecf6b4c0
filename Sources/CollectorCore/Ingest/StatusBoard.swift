import Synchronization

/// What the collector can vouch for right now (``CollectorStatus``): the ingest
/// sets it as the broker connection and the database's commits come and go;
/// `/healthz`, the alert feed and `/api/v1/workers` read it. The metrics
/// `canary_collector_mqtt_connected` and `canary_collector_storing` mirror it;
/// nothing reads the program's state back out of them: metrics observe, they
/// do not decide. A change wakes the feed (`changes`), which says so.
public final class StatusBoard: Sendable {
    private let state = Mutex(CollectorStatus(hearing: false, storing: true))
    private let changes: ChangeSignal

    init(changes: ChangeSignal) { self.changes = changes }

    var current: CollectorStatus { state.withLock { $0 } }

    /// Sets whether the collector hears the broker.
    func setHearing(_ hearing: Bool) { set(\.hearing, hearing) }

    /// Sets whether the last commit succeeded.
    func setStoring(_ storing: Bool) { set(\.storing, storing) }

    private func set(_ field: WritableKeyPath<CollectorStatus, Bool> & Sendable, _ value: Bool) {
        let changed = state.withLock { s in
            defer { s[keyPath: field] = value }
            return s[keyPath: field] != value
        }
        if changed { changes.fire() }
    }
}
