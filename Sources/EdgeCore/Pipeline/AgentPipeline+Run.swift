import DeviceFormats
import RiskCore

extension AgentPipeline {
    /// Feeds a source's frames through the pipeline, letting time pass once a
    /// second in the frames' own clock (so stale sensors, silent devices and
    /// immobility are judged between frames), and hands every batch of events
    /// to `emit` as soon as it is raised. With `untilMs`, time keeps passing
    /// after the last frame up to that moment.
    public mutating func run(_ source: some BLESource, untilMs: Int64? = nil,
                             emit: ([SafetyEvent]) throws -> Void) async rethrows {
        var nextTick: Int64?
        for await frame in source.frames() {
            while let t = nextTick, t <= frame.timeMs {
                try emit(tick(atMs: t))
                nextTick = t + 1_000
            }
            if nextTick == nil { nextTick = frame.timeMs + 1_000 }
            try emit(ingest(frame))
        }
        while let t = nextTick, let end = untilMs, t <= end {
            try emit(tick(atMs: t))
            nextTick = t + 1_000
        }
    }
}
