import DeviceFormats
import RiskCore
import Wire

extension AgentPipeline {
    /// Feeds a source's frames through the pipeline, letting time pass once a
    /// second in the frames' own clock (so stale sensors, silent devices and
    /// immobility are judged between frames). Every batch of events goes to
    /// `emit` as soon as it is raised; the readings gathered go to `telemetry`
    /// once a second, or as soon as there are `telemetryEvery` of them: a busy
    /// site's telemetry then flows in small steps rather than a burst a second
    /// that alarms would queue behind for CPU. With `untilMs`, time keeps
    /// passing after the last frame up to that moment. `counted` hears the
    /// counters once a second.
    public mutating func run(
        _ source: some BLESource, untilMs: Int64? = nil, telemetryEvery: Int = 100,
        emit: ([SafetyEvent]) async throws -> Void,
        telemetry: ([TelemetryBatch.Reading]) async -> Void = { _ in },
        counted: (Counters) -> Void = { _ in }
    ) async rethrows {
        var nextTick: Int64?
        for await frame in source.frames() {
            while let t = nextTick, t <= frame.timeMs {
                try await emit(tick(atMs: t))
                await telemetry(takeReadings())
                counted(counters)
                nextTick = t + 1_000
            }
            if nextTick == nil { nextTick = frame.timeMs + 1_000 }
            try await emit(ingest(frame))
            if pendingReadings >= telemetryEvery { await telemetry(takeReadings()) }
        }
        while let t = nextTick, let end = untilMs, t <= end {
            try await emit(tick(atMs: t))
            nextTick = t + 1_000
        }
        await telemetry(takeReadings())
    }
}
