/// What a token lets its holder do (docs/collector.md, "Access"). Workers'
/// health data is special-category personal data under Taiwan's Personal Data
/// Protection Act (art. 6): only the roles that need a thing see it.
public enum Role: String, CaseIterable, Sendable, Hashable {
    /// Rescue coordinators: alerts, workers, the feed, acknowledge and resolve.
    case coordinator
    /// Medical staff: the health readings (heart rate, sleep, overwork) and the
    /// physiology values of fatigue alarms, wherever workers are shown.
    case medical
    /// Researchers: the exports, pseudonymised.
    case researcher
    /// Operators: gateways, metrics, the effective config and the audit log.
    case admin
    /// A worker: their own data (MyData) and their consent to research use, nobody else's.
    case worker
}
