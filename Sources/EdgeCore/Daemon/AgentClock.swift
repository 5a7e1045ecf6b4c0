import Dispatch
import Foundation
import Synchronization

/// The agent's time, stamped on live frames and used for its outbox and
/// resends: the system's wall clock, never going backwards.
///
/// Detection times everything by frame time (hold times, stale sensors,
/// silent devices, 30 s of immobility) and refuses a reading older than the
/// last one. Were the wall clock to step back (an NTP correction, a clock set
/// by hand), every reading would be refused and time would stand still for
/// the detectors until the clock came back to where it was: an agent blind
/// for as long as the step. So while the wall clock is behind the last stamp,
/// time runs on from it by the monotonic clock; whenever the wall clock is
/// level or ahead (a forward step too), stamps follow it. After a backward
/// step, event times are ahead of the system clock by the step; the step is
/// reported (`steppedBack`), and restarting the agent aligns them again.
public final class AgentClock: Sendable {
    private struct Anchor {
        var ms: Int64
        var monotonicNs: UInt64
        /// The wall clock is behind (a step back was reported).
        var behind = false
    }

    private let anchor = Mutex<Anchor?>(nil)
    private let wallMs: @Sendable () -> Int64
    private let monotonicNs: @Sendable () -> UInt64
    private let steppedBack: @Sendable (_ byMs: Int64) -> Void

    /// A step back smaller than this is clock adjustment noise, not reported.
    static let reportedStepMs: Int64 = 1_000

    public init(
        wallMs: @escaping @Sendable () -> Int64 = { Int64(Date().timeIntervalSince1970 * 1000) },
        monotonicNs: @escaping @Sendable () -> UInt64 = { DispatchTime.now().uptimeNanoseconds },
        steppedBack: @escaping @Sendable (_ byMs: Int64) -> Void = { _ in }
    ) {
        self.wallMs = wallMs
        self.monotonicNs = monotonicNs
        self.steppedBack = steppedBack
    }

    public func nowMs() -> Int64 {
        let (t, step) = anchor.withLock { a -> (Int64, Int64?) in
            // Read under the lock: read before it, a thread's reading could be older than the anchor another set.
            let wall = wallMs(), monotonic = monotonicNs()
            guard let current = a else {
                a = Anchor(ms: wall, monotonicNs: monotonic)
                return (wall, nil)
            }
            let running = current.ms + Int64(monotonic > current.monotonicNs ? (monotonic - current.monotonicNs) / 1_000_000 : 0)
            if wall >= running {
                a = Anchor(ms: wall, monotonicNs: monotonic)
                return (wall, nil)
            }
            let step = running - wall
            guard !current.behind, step >= Self.reportedStepMs else { return (running, nil) }
            a?.behind = true
            return (running, step)
        }
        if let step { steppedBack(step) }
        return t
    }
}
