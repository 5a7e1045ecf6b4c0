import LocalServices

/// Runs a test's server while `body` runs with its port, and stops it after.
/// `run` is the server's run loop, which tells its port once it listens
/// (``SecurityServerStandIn/run(onRunning:)``, ``WebhookReceiver/run(onRunning:)``).
public func serving(
    _ run: @escaping @Sendable (_ onRunning: @escaping @Sendable (Int) async -> Void) async throws -> Void,
    _ body: @Sendable (Int) async throws -> Void
) async throws {
    try await withThrowingTaskGroup(of: Void.self) { group in
        let (ports, sink) = AsyncStream.makeStream(of: Int.self)
        group.addTask { try await run { sink.yield($0) } }
        var next = ports.makeAsyncIterator()
        guard let port = await next.next() else { throw SpawnError(message: "the server stopped before it listened") }
        defer { group.cancelAll() }
        try await body(port)
    }
}
