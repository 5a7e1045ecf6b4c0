import Synchronization

/// What the collector can vouch for right now (``CollectorStatus``): the ingest
/// sets it as the broker connection and the database's commits come and go;
/// `/healthz`, the alert feed and `/api/v1/workers` read it. The metrics
/// `canary_collector_mqtt_connected` and `canary_collector_storing` mirror it;
/// nothing reads the program's state back out of them: metrics observe, they
/// do not decide.
public final class StatusBoard: Sendable {
    private let state = Mutex(CollectorStatus(hearing: false, storing: true))

    public init() {}

    var current: CollectorStatus { state.withLock { $0 } }

    /// Sets whether the collector hears the broker; true when that changed.
    func setHearing(_ hearing: Bool) -> Bool {
        state.withLock { s in
            defer { s.hearing = hearing }
            return s.hearing != hearing
        }
    }

    /// Sets whether the last commit succeeded; true when that changed.
    func setStoring(_ storing: Bool) -> Bool {
        state.withLock { s in
            defer { s.storing = storing }
            return s.storing != storing
        }
    }
}
