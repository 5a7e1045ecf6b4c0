import Synchronization
import Wire

/// How many workers a gateway may add to the workers list. Found: 40
/// telemetry messages naming 20,000 made-up workers made `/api/v1/workers`
/// 8.9 MB, which every coordinator's dashboard reloads every few seconds. A
/// gateway hears the few dozen workers near it; the list is for them.
///
/// So each gateway may name at most ``limit`` workers it has not named in the
/// last ``forgetMs`` within any ``intervalMs`` (a restarted collector meets
/// every worker of a large site anew within that). Readings of a worker over
/// the budget are stored and acknowledged as ever (telemetry is evidence, and
/// the exports have it), but the worker is not listed and their latest
/// readings are not kept for the list; a warning and
/// `canary_collector_workers_unlisted_total` say so. Alarms are never
/// bounded: an alarm's worker gets an alert and a place in the list whatever
/// their gateway sent before. Each collector keeps the budget in memory; the
/// names it remembers are bounded by the limit too.
public final class NewWorkerBudget: Sendable {
    static let limit = 200
    static let intervalMs: Int64 = 10 * 60_000
    /// A name not heard for this long counts as new again.
    static let forgetMs: Int64 = 60 * 60_000

    private struct Gateway {
        /// Each name the gateway used, and when it last did.
        var named: [String: Int64] = [:]
        /// When each new name of the last interval was admitted.
        var admitted: [Int64] = []
    }

    private let gateways = Mutex<[Topics: Gateway]>([:])

    public init() {}

    /// Of the workers each gateway named in what arrived at `nowMs`, those over its budget; only gateways with any.
    /// One lock a batch: the ingest calls it for every one.
    func overBudget(_ named: [Topics: Set<String>], nowMs: Int64) -> [Topics: Set<String>] {
        guard !named.isEmpty else { return [:] }
        return gateways.withLock { gateways in
            var over: [Topics: Set<String>] = [:]
            for (topics, workers) in named {
                var g = gateways[topics] ?? Gateway()
                g.admitted.removeAll { nowMs - $0 >= Self.intervalMs }
                if g.named.count > Self.limit * Int(Self.forgetMs / Self.intervalMs) {
                    g.named = g.named.filter { nowMs - $0.value < Self.forgetMs }
                }
                for worker in workers {
                    if let last = g.named[worker], nowMs - last < Self.forgetMs {
                        g.named[worker] = nowMs
                    } else if g.admitted.count < Self.limit {
                        g.admitted.append(nowMs)
                        g.named[worker] = nowMs
                    } else {
                        over[topics, default: []].insert(worker)
                    }
                }
                gateways[topics] = g
            }
            return over
        }
    }
}
