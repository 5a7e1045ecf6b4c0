import DeviceFormats
import Testing

@testable import EdgeCore

/// A worker's accelerometer stream as the GATT link delivers it.
@Suite struct WorkerMonitorTests {
    /// Three samples at 50 Hz from `index`, the wearer standing still (1 g on z, in mg).
    func notification(_ index: UInt16) -> CanaryProfile.MotionSamples {
        CanaryProfile.MotionSamples(firstIndex: index, rateHz: 50, samples: Array(repeating: (x: 0, y: 0, z: 1_000), count: 3))
    }

    /// A stream timed by its index runs ahead of arrival when notifications come faster than the
    /// samples' own rate (bursts); a reconnect that starts over at index 0 must not be timed before
    /// that stream's end, or every sample of its first second or two is refused as out of order.
    @Test func aReconnectedStreamIsNeverTimedBeforeTheLastSampleTaken() {
        var w = WorkerMonitor(worker: "chen")
        var outOfOrder = 0, rejected = 0
        // 40 notifications (120 samples, 2.4 s of motion) delivered over 1.6 s: the stream runs 0.8 s ahead.
        for k in 0..<40 {
            let r = w.motionSamples(notification(UInt16(3 * k)), atMs: 10_000 + Int64(k) * 40)
            outOfOrder += r.outOfOrder
            rejected += r.rejected
        }
        #expect(outOfOrder == 0 && rejected == 0)
        // The link drops and is made again 100 ms later: the device's index starts over.
        for k in 0..<50 {
            let r = w.motionSamples(notification(UInt16(3 * k)), atMs: 11_660 + Int64(k) * 60)
            outOfOrder += r.outOfOrder
            rejected += r.rejected
        }
        #expect(outOfOrder == 0 && rejected == 0, "samples refused after the reconnect")
    }
}
