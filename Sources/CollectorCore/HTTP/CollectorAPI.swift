import DaemonSupport
import Foundation
import Hummingbird
import Wire

/// The collector's HTTP API (docs/collector.md, "HTTP API"). Every route reads the store,
/// but the coordinators' acknowledge and resolve, which need a coordinator's token.
public struct CollectorAPI: Sendable {
    let store: EventStore
    let signal: ChangeSignal
    let metrics: MetricsRegistry
    /// Workers and devices in exports; nil: by name.
    let pseudonyms: Pseudonyms?
    let coordinators: Coordinators
    /// How often an idle alert feed says it is alive.
    let keepAliveMs: Int64
    let status: @Sendable () -> CollectorStatus
    /// The collector's clock, Unix milliseconds: when a coordinator acted.
    let nowMs: @Sendable () -> Int64

    init(store: EventStore, signal: ChangeSignal, metrics: MetricsRegistry, pseudonyms: Pseudonyms?, coordinators: Coordinators,
         keepAliveMs: Int64, status: @escaping @Sendable () -> CollectorStatus, nowMs: @escaping @Sendable () -> Int64) {
        self.store = store
        self.signal = signal
        self.metrics = metrics
        self.pseudonyms = pseudonyms
        self.coordinators = coordinators
        self.keepAliveMs = keepAliveMs
        self.status = status
        self.nowMs = nowMs
        metrics.register(CollectorMetrics.httpErrors, .counter, help: "HTTP responses with an error status, by status.")
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HTTPErrorCounter(metrics: metrics))
        let store = self.store

        router.get("/") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-cache"],
                     body: .init(byteBuffer: ByteBuffer(string: DashboardPage.html)))
        }
        router.get("/healthz") { _, _ -> Response in
            let db = store.isHealthy(), now = self.status()
            // Storing is what matters: a broker outage is reported but does not make the collector unhealthy.
            let healthy = db && now.storing
            return .json("{\"status\":\"\(healthy ? "ok" : "failing")\",\"database\":\(db),\"storing\":\(now.storing),\"mqtt\":\(now.hearing)}\n",
                         status: healthy ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                     body: .init(byteBuffer: ByteBuffer(string: self.metrics.render())))
        }

        let api = router.group("api/v1")
        api.get("events") { request, _ -> Response in
            let limit = try request.limit(default: 100, max: 1_000)
            let rows = try store.events(try request.recordFilter(), after: try request.cursor(), limit: limit)
            let next = rows.count == limit ? rows.last.map { "\"\($0.cursor)\"" } ?? "null" : "null"
            return .json("{\"events\":[\(rows.map(\.json).joined(separator: ","))],\"next_cursor\":\(next)}\n")
        }
        api.get("workers") { request, _ -> Response in
            let now = self.status()
            return .json(try store.workers(site: try request.name("site"), current: now.hearing && now.storing) + "\n")
        }
        api.get("alerts") { request, _ -> Response in
            let state = try request.name("state")
            if let state, !["open", "pre-alarm", "alarm", "cleared"].contains(state) {
                throw APIError(message: "state must be open, pre-alarm, alarm or cleared")
            }
            let handling = try request.name("handling")
            if let handling, ![AlertHandling.unacknowledged, AlertHandling.acknowledged, AlertHandling.resolved, "unresolved"].contains(handling) {
                throw APIError(message: "handling must be unacknowledged, acknowledged, resolved or unresolved")
            }
            let rows = try store.alerts(state: state, handling: handling, site: try request.name("site"), worker: try request.name("worker"),
                                        limit: try request.limit(default: 500, max: 10_000))
            return .json("{\"alerts\":[\(rows.joined(separator: ","))]}\n")
        }
        api.post("alerts/:id/acknowledge") { request, context -> Response in
            let (id, coordinator) = try self.coordinatorAndAlert(request, context)
            return try self.handled { try store.acknowledge(id, by: coordinator, nowMs: self.nowMs()) }
        }
        api.post("alerts/:id/resolve") { request, context -> Response in
            let (id, coordinator) = try self.coordinatorAndAlert(request, context)
            struct Resolution: Decodable {
                var reason: String
                var note: String?
            }
            let body = try await request.body.collect(upTo: 16_384)
            guard let r = try? JSONDecoder().decode(Resolution.self, from: Data(buffer: body)),
                  AlertHandling.resolutions.contains(r.reason), (r.note?.count ?? 0) <= 2_000 else {
                throw APIError(message: "the body must be {\"reason\": one of \(AlertHandling.resolutions.joined(separator: ", ")), \"note\": text of at most 2000 characters, optional}")
            }
            return try self.handled { try store.resolve(id, by: coordinator, reason: r.reason, note: r.note, nowMs: self.nowMs()) }
        }
        api.get("alerts/stream") { request, _ -> Response in
            try AlertStream(store: store, signal: self.signal, metrics: self.metrics, status: self.status, keepAliveMs: self.keepAliveMs)
                .response(request)
        }
        api.get("gateways") { _, _ -> Response in
            let items = try store.gateways().map {
                "{\"site\":\(JSONText.quoted($0.site)),\"gateway\":\(JSONText.quoted($0.gateway)),\"state\":\(JSONText.quoted($0.state)),\"since\":\"\(RFC3339.format(ms: $0.timeMs))\"}"
            }
            return .json("{\"gateways\":[\(items.joined(separator: ","))]}\n")
        }
        api.get("export/:file") { request, context -> Response in
            let file = try context.parameters.require("file")
            let parts = file.split(separator: ".")
            guard parts.count == 2, let dataset = Export.Dataset(rawValue: String(parts[0])),
                  let format = Export.Format(rawValue: String(parts[1])) else {
                throw APIError(message: "export one of telemetry.csv, telemetry.ndjson, events.csv, events.ndjson")
            }
            return Export(store: store, pseudonyms: self.pseudonyms).response(dataset, format, filter: try request.recordFilter())
        }
        return router
    }

    /// The alert the path names and the coordinator whose token the request carries.
    private func coordinatorAndAlert(_ request: Request, _ context: BasicRequestContext) throws -> (Int64, String) {
        guard !coordinators.isEmpty else {
            throw APIError(status: .forbidden, message: "nobody may acknowledge or resolve alerts: the collector's config lists no coordinators")
        }
        guard let coordinator = coordinators.who(request.headers[.authorization]) else {
            throw APIError(status: .unauthorized, message: "a coordinator's token is needed: Authorization: Bearer TOKEN",
                           headers: [.wwwAuthenticate: "Bearer"])
        }
        guard let id = Int64(try context.parameters.require("id")) else { throw APIError(status: .notFound, message: "no such alert") }
        return (id, coordinator)
    }

    /// The alert after a coordinator's action, which the feed says too.
    private func handled(_ action: () throws -> String) throws -> Response {
        do {
            let alert = try action()
            signal.fire()
            return .json(alert + "\n")
        } catch AlertHandlingError.noSuchAlert {
            throw APIError(status: .notFound, message: "no such alert")
        } catch AlertHandlingError.alreadyResolved {
            throw APIError(status: .conflict, message: "the alert is resolved already")
        }
    }
}
