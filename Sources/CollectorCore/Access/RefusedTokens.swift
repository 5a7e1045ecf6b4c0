import Synchronization

/// Requests the API refused for want of a known token, tallied by client
/// address, route and reason until ``AuditService`` writes them. One audit
/// line per tally and interval, not one per request: a client hammering the
/// API with bad tokens must not turn into a stream of durable writes that
/// alarms wait behind for the write lock.
public final class RefusedTokens: Sendable {
    struct Key: Hashable {
        var address: String
        var route: String
        /// `no token` or `unknown token`.
        var reason: String
    }

    private let tally = Mutex<[Key: Int]>([:])

    public init() {}

    func note(address: String, route: String, reason: String) {
        tally.withLock { $0[Key(address: address, route: String(route.prefix(200)), reason: reason), default: 0] += 1 }
    }

    /// What was refused since the last call, as audit entries.
    func take() -> [AuditEntry] {
        tally.withLock { tally in
            defer { tally = [:] }
            return tally.sorted { ($0.key.address, $0.key.route) < ($1.key.address, $1.key.route) }.map {
                AuditEntry(
                    action: "token-refused", actor: "", address: $0.key.address,
                    detail: ["route": $0.key.route, "reason": $0.key.reason, "requests": String($0.value)])
            }
        }
    }
}
