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
            AgentClock(
                wallMs: { self.wallMs.load(ordering: .relaxed) }, monotonicNs: { self.monotonicNs.load(ordering: .relaxed) },
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
        for _ in 0..<10 {
            c.monotonicNs.add(400_000, ordering: .relaxed)
            _ = clock.nowMs()
        }
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

/// Several threads reading at once (the scanner's and the GATT links'), from a
/// wall clock that wobbles back by a few milliseconds now and then, as NTP's
/// slews do: each thread's stamps never go backwards, and wobbles under a
/// second are not reported as steps. A clock that passed the wall clock
/// through, or read it outside its lock, would hand some thread an earlier
/// stamp after a later one.
@Suite struct AgentClockThreadTests {
    @Test func threadsReadingAtOnceNeverSeeTimeGoBack() async {
        let reads = Atomic<Int64>(0), steps = Atomic<Int>(0)
        // One millisecond further at each read, but every seventh read 5 ms back.
        let wall: @Sendable () -> Int64 = {
            let k = reads.add(1, ordering: .relaxed).newValue
            return 1_767_254_400_000 + k - (k % 7 == 0 ? 6 : 0)
        }
        let clock = AgentClock(wallMs: wall, steppedBack: { _ in steps.add(1, ordering: .relaxed) })
        let backwards = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var last = Int64.min, back = 0
                    for _ in 0..<20_000 {
                        let t = clock.nowMs()
                        if t < last { back += 1 }
                        last = max(last, t)
                    }
                    return back
                }
            }
            return await group.reduce(0, +)
        }
        #expect(backwards == 0)
        #expect(steps.load(ordering: .relaxed) == 0)
        #expect(clock.nowMs() >= 1_767_254_400_000 + 80_000 - 6, "stamps follow the wall clock")
    }
}
