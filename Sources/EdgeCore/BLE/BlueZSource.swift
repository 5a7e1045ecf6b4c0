import BlueZ
import DeviceFormats
import Foundation
import Logging
import Synchronization

/// Live LE advertisements from a local adapter through the kernel's Bluetooth
/// stack (raw HCI socket), on a thread of its own: `read` blocks; and, with
/// `gatt`, the notifications of the devices that stream (``GATTLinks``).
///
/// Silence of a second turns scanning on again (the kernel turns it off to
/// create a GATT connection). Watchdog: when no report arrives for `watchdogMs` while devices are
/// expected (and no GATT link is up), the adapter is reset and scanning restarted; the reset is logged
/// and counted, and scanning carries on. A failure to start (no adapter, no
/// privileges) is logged and retried with backoff, never a crash or a hang.
public struct BlueZSource: BLESource {
    public let adapterName: String
    public let settings: LEScanner.Settings
    public let watchdogMs: Int64
    public let logger: Logger
    public let counters: Counters
    /// The GATT connections to devices that stream, on the same adapter.
    public let gatt: GATTLinks?
    /// Stamps the frames (shared with `gatt`, so both run on one time).
    public let clock: AgentClock

    public final class Counters: Sendable {
        let resetsValue = Atomic<Int>(0)
        let reportsValue = Atomic<Int>(0)
        let malformedValue = Atomic<Int>(0)
        public init() {}
        /// Adapter resets by the watchdog.
        public var resets: Int { resetsValue.load(ordering: .relaxed) }
        public var reports: Int { reportsValue.load(ordering: .relaxed) }
        /// HCI events that were not valid advertising reports.
        public var malformed: Int { malformedValue.load(ordering: .relaxed) }
    }

    public init(
        adapter: String, settings: LEScanner.Settings = .init(), watchdogMs: Int64 = 30_000, logger: Logger,
        counters: Counters = Counters(), gatt: GATTLinks? = nil, clock: AgentClock = AgentClock()
    ) {
        self.gatt = gatt
        self.clock = clock
        self.adapterName = adapter
        self.settings = settings
        self.watchdogMs = watchdogMs
        self.logger = logger
        self.counters = counters
    }

    public func frames() -> AsyncStream<BLEFrame> {
        let (stream, continuation) = AsyncStream.makeStream(of: BLEFrame.self, bufferingPolicy: .bufferingOldest(100_000))
        let stop = StopFlag()
        continuation.onTermination = { _ in stop.set() }
        let source = self
        Thread.detachNewThread {
            source.scan(until: { stop.isSet }, continuation)
            continuation.finish()
        }
        if let gatt {
            Thread.detachNewThread { gatt.run(until: { stop.isSet }, emit: { continuation.yield($0) }) }
        }
        return stream
    }

    private func scan(until stop: () -> Bool, _ out: AsyncStream<BLEFrame>.Continuation) {
        // What the scanner path costs (docs/performance.md): its reports and this thread's CPU time,
        // logged (debug) every 10 s.
        let startMs = clock.nowMs(), startCPU = Self.threadCPUSeconds()
        var nextCostLogMs = startMs + 10_000
        func logCost() {
            let seconds = Double(clock.nowMs() - startMs) / 1000, cpu = Self.threadCPUSeconds() - startCPU
            logger.debug(
                "scanner cost",
                metadata: [
                    "reports": "\(counters.reports)", "seconds": "\(String(format: "%.1f", seconds))",
                    "reports_per_s": "\(String(format: "%.1f", Double(counters.reports) / max(seconds, 0.001)))",
                    "cpu_s": "\(String(format: "%.3f", cpu))", "cpu_percent": "\(String(format: "%.2f", 100 * cpu / max(seconds, 0.001)))",
                ])
        }
        var backoffMs: UInt32 = 500
        while !stop() {
            do {
                let adapter = try HCIAdapter(adapterName)
                let scanner = LEScanner(adapter: adapter, settings: settings)
                try scanner.start()
                logger.info("scanning", metadata: ["adapter": "\(adapter.name)", "active": "\(settings.active)"])
                backoffMs = 500
                var lastReport = clock.nowMs()
                let malformedBefore = counters.malformed
                while !stop() {
                    guard let reports = try scanner.next(timeoutMs: 500) else {
                        // A GATT connection being made turns scanning off: turn it on again first.
                        if clock.nowMs() - lastReport >= 1_000 { scanner.rearm() }
                        // Live GATT links prove the radio works; a reset would only cut them.
                        if clock.nowMs() - lastReport >= watchdogMs, (gatt?.counters.connected ?? 0) == 0 {
                            counters.resetsValue.add(1, ordering: .relaxed)
                            logger.warning(
                                "no advertising reports; resetting the adapter",
                                metadata: ["adapter": "\(adapter.name)", "silent_ms": "\(clock.nowMs() - lastReport)"])
                            scanner.stop()
                            try adapter.reset()
                            try scanner.start()
                            lastReport = clock.nowMs()
                        }
                        continue
                    }
                    counters.malformedValue.store(malformedBefore + scanner.malformedEvents, ordering: .relaxed)
                    let t = clock.nowMs()
                    if t >= nextCostLogMs {
                        logCost()
                        nextCostLogMs = t + 10_000
                    }
                    for r in reports {
                        lastReport = t
                        counters.reportsValue.add(1, ordering: .relaxed)
                        out.yield(BLEFrame(timeMs: t, address: r.address, rssi: r.rssi, payload: .advertisement(Array(r.data))))
                    }
                }
                scanner.stop()
            } catch {
                logger.error("Bluetooth scanning failed; retrying", metadata: ["error": "\(error)", "retry_ms": "\(backoffMs)"])
                usleep(backoffMs * 1_000)
                backoffMs = min(backoffMs * 2, 30_000)
            }
        }
    }

    /// CPU time (user + system) of the calling thread.
    static func threadCPUSeconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
}

/// Set when the consumer goes away; the scanning thread checks it between reads.
final class StopFlag: Sendable {
    private let flag = Atomic<Bool>(false)
    func set() { flag.store(true, ordering: .relaxed) }
    var isSet: Bool { flag.load(ordering: .relaxed) }
}
