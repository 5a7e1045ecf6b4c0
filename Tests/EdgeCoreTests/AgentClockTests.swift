import EdgeCore
import Foundation
import Synchronization
import Testing

/// Live frames' time, with the wall clock and the monotonic clock in the test's hands.
@Suite struct AgentClockTests {
    final class Clocks: Sendable {
        let wallMs = Atomic<Int64>(1_767_254_400_000)
        let monotonicNs = Atomic<UInt64>(5_000_000_000)
        let steps = Mutex<[Int64]>([])

        /// Both clocks move on by `ms`; the wall clock then also jumps by `jumpMs`.
        func pass(_ ms: Int64, jumpMs: Int64 = 0) {
            monotonicNs.add(UInt64(ms) * 1_000_000, ordering: .relaxed)
            wallMs.add(ms + jumpMs, ordering: .relaxed)
        }

        func clock() -> AgentClock {
            AgentClock(wallMs: { self.wallMs.load(ordering: .relaxed) }, monotonicNs: { self.monotonicNs.load(ordering: .relaxed) },
                       steppedBack: { ms in self.steps.withLock { $0.append(ms) } })
        }
    }

    @Test func followsTheWallClockIncludingAStepForward() {
        let c = Clocks(), clock = c.clock()
        let start = clock.nowMs()
        #expect(start == c.wallMs.load(ordering: .relaxed))
        c.pass(1_000)
        #expect(clock.nowMs() == start + 1_000)
        c.pass(1_000, jumpMs: 3_600_000)
        #expect(clock.nowMs() == start + 3_602_000)
        #expect(c.steps.withLock { $0 }.isEmpty)
    }

    /// After an hour's step back, time keeps running from where it was, so the
    /// detectors neither refuse every reading nor stop ticking for that hour.
    @Test func aStepBackIsReportedOnceAndTimeRunsOn() {
        let c = Clocks(), clock = c.clock()
        let start = clock.nowMs()
        c.pass(1_000, jumpMs: -3_600_000)
        #expect(clock.nowMs() == start + 1_000)
        for _ in 0..<5 { c.pass(500) }
        #expect(clock.nowMs() == start + 3_500)
        #expect(c.steps.withLock { $0 } == [3_600_000])
        // Sub-millisecond steps add up rather than being lost to rounding.
        for _ in 0..<10 { c.monotonicNs.add(400_000, ordering: .relaxed); _ = clock.nowMs() }
        #expect(clock.nowMs() == start + 3_504)
    }

    @Test func neverGoesBackwardsOnSmallWobbles() {
        let c = Clocks(), clock = c.clock()
        var last = clock.nowMs()
        for k in 0..<1_000 {
            c.pass(3, jumpMs: k % 7 == 0 ? -5 : 2)
            let t = clock.nowMs()
            #expect(t >= last)
            last = t
        }
        #expect(c.steps.withLock { $0 }.isEmpty, "steps under a second are adjustment noise")
    }
}

/// The real clocks, read from several threads at once (the scanner's and the GATT links').
@Suite struct AgentClockThreadTests {
    @Test func threadsReadingAtOnceGetTimesNearTheWallClock() async {
        let steps = Atomic<Int>(0)
        let clock = AgentClock(steppedBack: { _ in steps.add(1, ordering: .relaxed) })
        let before = Int64(Date().timeIntervalSince1970 * 1000)
        let latest = await withTaskGroup(of: (Int64, Int64).self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var low = Int64.max, high = Int64.min
                    for _ in 0..<20_000 {
                        let t = clock.nowMs()
                        low = min(low, t)
                        high = max(high, t)
                    }
                    return (low, high)
                }
            }
            return await group.reduce(into: (Int64.max, Int64.min)) { r, x in r = (min(r.0, x.0), max(r.1, x.1)) }
        }
        let after = Int64(Date().timeIntervalSince1970 * 1000)
        #expect(latest.0 >= before && latest.1 <= after + 1_000, "\(latest) outside \(before)...\(after)")
        #expect(steps.load(ordering: .relaxed) == 0)
    }
}
