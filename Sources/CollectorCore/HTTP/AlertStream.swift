import DaemonSupport
import HTTPTypes
import Hummingbird
import NIOCore
import ServiceLifecycle

/// `GET /api/v1/alerts/stream`: Server-Sent Events (WHATWG HTML, "Server-sent
/// events") of every new or changed alert. Each event's `id:` is the change's
/// sequence number in the database, so a client that reconnects with
/// `Last-Event-ID` (or `?last_event_id=`) gets every change after it, and a new
/// client starts from now (`?last_event_id=0` replays everything).
///
/// An idle stream sends `event: keep-alive` every `keepAliveMs` (`http.keep_alive`),
/// with the last change sent as its `id:` and the interval in its data, and one
/// at the start: a client that hears nothing for several intervals knows the
/// connection is broken (a pulled cable leaves a TCP connection open for hours)
/// and can reconnect from where it was. A comment would keep proxies open too,
/// but browsers do not show comments to the page.
///
/// It also says whether the collector hears the broker and can store
/// (`event: collector`, no `id:`), at the start and on every change: a feed
/// that is quiet because nothing happens and one that is quiet because the
/// collector is cut off or cannot store must not look the same to a
/// coordinator.
///
/// A `Last-Event-ID` beyond the last change (the database was restored from a
/// backup or moved aside) cannot be resumed from: changes with those ids may
/// come again, and a client that waited for them would miss alarms. The
/// stream then sends `event: reload` (its `id:` the real last change) and goes
/// on from there; the client must load the alerts in full again.
struct AlertStream {
    let store: any CollectorStore
    let metrics: CollectorMetrics
    let status: @Sendable () -> CollectorStatus
    /// A keep-alive this often keeps proxies from closing an idle stream, finds clients that went away,
    /// and tells clients the stream is alive.
    let keepAliveMs: Int64
    /// Whether the caller sees health values (``HealthData``).
    let health: Bool
    let words: AlertWords
    static let lastEventID = HTTPField.Name("Last-Event-ID")!

    /// `connectionClosed`: the client's connection's end. A client that hangs up ends the
    /// stream at once, so `canary_collector_sse_clients` follows it; without it the stream
    /// noticed only when its next write failed, up to a keep-alive interval later.
    func response(_ request: Request, connectionClosed: EventLoopFuture<Void>) async throws -> Response {
        let header = request.headers[Self.lastEventID] ?? request.uri.queryParameters.get("last_event_id")
        var requested: Int64?
        if let header {
            guard let n = Int64(header), n >= 0 else { throw APIError(message: "Last-Event-ID '\(header)' is not an id this stream gave out") }
            requested = n
        }
        let last = try await store.lastAlertChange()
        let reload = requested.map { $0 > last } ?? false
        let start = reload ? last : requested ?? last
        let store = self.store, signal = store.changes, metrics = self.metrics, status = self.status, keepAliveMs = self.keepAliveMs
        let health = self.health, words = self.words
        @Sendable func alive(_ seq: Int64) -> ByteBuffer {
            ByteBuffer(string: "id: \(seq)\nevent: keep-alive\ndata: {\"every_ms\":\(keepAliveMs)}\n\n")
        }
        let (wakeups, cancel) = signal.subscribe()
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                metrics.sseClients.set(Int64(signal.count))
                defer {
                    cancel()
                    metrics.sseClients.set(Int64(signal.count))
                }
                var sent = start
                // `retry:` tells the browser how soon to reconnect.
                try await writer.write(ByteBuffer(string: "retry: 2000\n: canary alert stream from change \(start)\n\n"))
                if reload {
                    try await writer.write(ByteBuffer(string: "id: \(start)\nevent: reload\ndata: {\"last_event_id\":\(start)}\n\n"))
                }
                try await writer.write(alive(start))
                var iterator = wakeups.makeAsyncIterator()
                var quietSince = ContinuousClock.now
                var announced: CollectorStatus?
                // Shutting down ends the stream (the client reconnects elsewhere with Last-Event-ID);
                // otherwise the server would wait for the stream to end. So does the client hanging up.
                connectionClosed.whenComplete { _ in cancel() }
                try await withGracefulShutdownHandler {
                    while true {
                        let now = status()
                        if now != announced {
                            try await writer.write(ByteBuffer(string: "event: collector\ndata: \(now.json)\n\n"))
                            announced = now
                            quietSince = .now
                        }
                        // A database out of reach (the status event says so) ends no stream: the next wake-up reads again.
                        let changes = (try? await store.alertChanges(after: sent, limit: 500)) ?? []
                        if !changes.isEmpty {
                            var text = ""
                            for c in changes {
                                text += "id: \(c.seq)\nevent: alert\ndata: \(CollectorAPI.shown(c.snapshot, health: health, words: words))\n\n"
                            }
                            try await writer.write(ByteBuffer(string: text))
                            sent = changes.last!.seq
                            quietSince = .now
                            if changes.count == 500 { continue }
                        } else if ContinuousClock.now - quietSince >= .milliseconds(keepAliveMs) {
                            try await writer.write(alive(sent))
                            quietSince = .now
                        }
                        guard await iterator.next() != nil else { break }
                    }
                } onGracefulShutdown: {
                    cancel()
                }
                try await writer.finish(nil)
            })
    }
}
