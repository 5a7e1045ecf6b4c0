import Synchronization
import Wire

/// How far each gateway's clock is from the collector's, estimated from what
/// it sends. Worksite gateways often run without NTP, and an alarm dated by a
/// clock minutes ahead would put an incident after the collector knew of it
/// and a coordinator's answer before the alarm (docs/collector.md, "Times").
///
/// A message's own time (an alarm's, or the newest reading of a telemetry
/// message) can only be earlier than its arrival by the gateway's clock, so
/// `time − arrival` is the clock's offset less the message's delay. The
/// largest value over the last ``windowMs`` is the estimate: the least
/// delayed message tells the most, and an outbox's resends, old by minutes,
/// pull it down not at all. A clock that is set right again is seen within
/// the window. Each collector estimates from what it receives; nothing is
/// stored.
public final class GatewayClocks: Sendable {
    /// An offset within this is clock noise and network delay: times are taken as sent.
    static let toleranceMs: Int64 = 2_000
    /// How long a message counts towards the estimate.
    static let windowMs: Int64 = 10 * 60_000
    /// The window in this many slots: a slot's largest value, and when the slot began.
    private static let slots = 10

    private struct Estimate {
        var slots: [(startMs: Int64, largest: Int64)] = []

        mutating func observe(_ offset: Int64, atMs now: Int64) {
            let slotMs = GatewayClocks.windowMs / Int64(GatewayClocks.slots)
            slots.removeAll { now - $0.startMs >= GatewayClocks.windowMs }
            if let last = slots.last, now - last.startMs < slotMs {
                slots[slots.count - 1].largest = max(last.largest, offset)
            } else {
                slots.append((now, offset))
            }
        }

        func offset(atMs now: Int64) -> Int64? {
            slots.filter { now - $0.startMs < GatewayClocks.windowMs }.map(\.largest).max()
        }
    }

    private let estimates = Mutex<[Topics: Estimate]>([:])

    public init() {}

    /// Each gateway's newest (plausible) time, by its own clock, in what arrived at `receivedMs`;
    /// the offsets of those gateways after it. One lock a batch: the ingest calls it for every one.
    func observe(_ newest: [Topics: Int64], receivedMs: Int64) -> [Topics: Int64] {
        guard !newest.isEmpty else { return [:] }
        return estimates.withLock { estimates in
            var offsets: [Topics: Int64] = [:]
            for (topics, timeMs) in newest {
                estimates[topics, default: Estimate()].observe(timeMs - receivedMs, atMs: receivedMs)
                offsets[topics] = estimates[topics]?.offset(atMs: receivedMs)
            }
            return offsets
        }
    }

    /// The gateway's clock less the collector's, in ms (positive: the gateway is ahead); nil
    /// when it sent nothing in the window.
    func offsetMs(_ topics: Topics, atMs now: Int64) -> Int64? {
        estimates.withLock { $0[topics]?.offset(atMs: now) }
    }
}
