import DaemonSupport
import Foundation
import Hummingbird
import HummingbirdAuth
import Wire

/// The collector's HTTP API (docs/collector.md, "HTTP API" and "Access").
/// Every route but the dashboard's page and `/healthz` needs a token whose
/// roles the route allows (`401` without a known token, `403` without the
/// role); `/metrics` needs none from loopback. Health values are shown only
/// to the `medical` role (``HealthData``).
public struct CollectorAPI: Sendable {
    let store: any CollectorStore
    let metrics: CollectorMetrics
    /// Workers and devices in exports; nil: by name.
    let pseudonyms: Pseudonyms?
    let tokens: Tokens
    let refused: RefusedTokens
    /// How often an idle alert feed says it is alive.
    let keepAliveMs: Int64
    let status: @Sendable () -> CollectorStatus
    /// The collector's clock, Unix milliseconds: when a coordinator acted.
    let nowMs: @Sendable () -> Int64
    /// The effective config as `/api/v1/config` shows it, secrets left out.
    let configJSON: String
    /// Who the employer is, for the occupational-accident reports a resolution makes.
    let egov: EGovSettings
    /// Each site's plan: served to the dashboard, and the zones alerts are placed in.
    let plans: SitePlans
    /// The gateways' clock offsets, shown with their state.
    let clocks: GatewayClocks

    init(
        store: any CollectorStore, metrics: CollectorMetrics, pseudonyms: Pseudonyms?, tokens: Tokens, refused: RefusedTokens,
        keepAliveMs: Int64, status: @escaping @Sendable () -> CollectorStatus, nowMs: @escaping @Sendable () -> Int64, configJSON: String = "{}",
        egov: EGovSettings = EGovSettings(), plans: SitePlans = SitePlans(), clocks: GatewayClocks = GatewayClocks()
    ) {
        self.store = store
        self.metrics = metrics
        self.pseudonyms = pseudonyms
        self.tokens = tokens
        self.refused = refused
        self.keepAliveMs = keepAliveMs
        self.status = status
        self.nowMs = nowMs
        self.configJSON = configJSON
        self.egov = egov
        self.plans = plans
        self.clocks = clocks
    }

    /// An alert as a caller sees it: without health values unless they may see them, with its words.
    static func shown(_ alert: String, health: Bool, words: AlertWords) -> String {
        words.annotated(health ? alert : HealthData.withoutHealth(alert: alert))
    }

    public func router() -> Router<CollectorRequestContext> {
        // HEAD answers wherever GET does (RFC 9110 §9.3.2).
        let router = Router(context: CollectorRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ClientAddressMiddleware())
        let store = self.store
        let authenticator = BearerTokenAuthenticator(tokens: tokens, refused: refused)

        // The page holds no data: it asks for a token and then reads the API with it.
        for file in DashboardPage.files {
            router.get(RouterPath(file.path)) { _, _ -> Response in
                Response(
                    status: .ok, headers: PageSecurityHeaders.fields(contentType: file.contentType),
                    body: .init(byteBuffer: ByteBuffer(bytes: file.bytes)))
            }
        }
        router.get("/healthz") { _, _ -> EditedResponse<Health> in
            let db = await store.isHealthy(), now = self.status()
            // Storing is what matters: a broker outage is reported but does not make the collector unhealthy.
            let healthy = db && now.storing
            return EditedResponse(
                status: healthy ? .ok : .serviceUnavailable,
                response: Health(status: healthy ? "ok" : "failing", database: db, storing: now.storing, mqtt: now.hearing))
        }
        // Open to a scraper on this machine; from elsewhere, an admin's token.
        router.group("metrics")
            .add(middleware: LoopbackOr(authenticator: authenticator, policy: requiring(.admin)))
            .get { _, _ -> Response in
                // Counted when scraped, from the database: never behind the feed that announced the change.
                if let gateways = try? await store.gateways() {
                    self.metrics.gatewaysOffline.set(Int64(gateways.count { $0.state == .offline }))
                }
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                    body: .init(byteBuffer: ByteBuffer(string: self.metrics.exposition())))
            }

        let api = router.group("api/v1").add(middleware: NoStore())
        let coordinators = api.group().add(middleware: authenticator).add(middleware: requiring(.coordinator))
        coordinators.get("events") { request, context -> Response in
            let limit = try request.limit(default: 100, max: 1_000)
            let rows = try await store.events(try request.recordFilter(), after: try request.cursor(), limit: limit)
            let health = context.seesHealth
            let next = rows.count == limit ? rows.last.map { "\"\($0.cursor)\"" } ?? "null" : "null"
            let events = rows.map { health ? $0.json : HealthData.withoutHealth(event: $0.json) }
            return .json("{\"events\":[\(events.joined(separator: ","))],\"next_cursor\":\(next)}\n")
        }
        coordinators.get("alerts") { request, context -> Response in
            let state = try request.name("state").map { text throws(APIError) in
                guard let f = AlertStateFilter(text) else { throw APIError(message: "state must be open, pre-alarm, alarm or cleared") }
                return f
            }
            let handling = try request.name("handling").map { text throws(APIError) in
                guard let f = AlertHandlingFilter(text) else {
                    throw APIError(message: "handling must be unacknowledged, acknowledged, resolved or unresolved")
                }
                return f
            }
            let rows = try await store.alerts(
                state: state, handling: handling, site: try request.name("site"), worker: try request.name("worker"),
                limit: try request.limit(default: 500, max: 10_000))
            let health = context.seesHealth, words = AlertWords(plans: self.plans)
            return .json("{\"alerts\":[\(rows.map { Self.shown($0, health: health, words: words) }.joined(separator: ","))]}\n")
        }
        coordinators.post("alerts/:id/acknowledge") { request, context -> Response in
            let (id, coordinator) = try Self.alertAndCaller(context)
            return try await self.handled(context) {
                try await store.acknowledge(id, by: coordinator.name, address: context.clientAddress, nowMs: self.nowMs())
            }
        }
        coordinators.post("alerts/:id/resolve") { request, context -> Response in
            let (id, coordinator) = try Self.alertAndCaller(context)
            struct Resolution: Decodable {
                var reason: AlertRecord.Resolution
                var note: String?
                var outcome: IncidentOutcome?
            }
            let body = try await request.body.collect(upTo: 16_384)
            guard let r = try? JSONDecoder().decode(Resolution.self, from: Data(buffer: body)), (r.note?.count ?? 0) <= 2_000 else {
                let reasons = AlertRecord.Resolution.allCases.map(\.rawValue).joined(separator: ", ")
                throw APIError(
                    message:
                        "the body must be {\"reason\": one of \(reasons), \"note\": text of at most 2000 characters, optional, \"outcome\": with real-incident}"
                )
            }
            // A real incident's outcome decides whether the law wants it reported: it cannot be left out.
            if r.reason == .realIncident {
                guard let outcome = r.outcome else {
                    throw APIError(
                        message:
                            "a real incident needs its outcome: {\"deaths\", \"injured\", \"hospitalised\", \"description\", \"related_alerts\": [ids], optional}"
                    )
                }
                if let problem = outcome.problem { throw APIError(message: "outcome: \(problem)") }
            } else if r.outcome != nil {
                throw APIError(message: "an outcome goes with real-incident only")
            }
            return try await self.handled(context) {
                try await store.resolve(
                    id, by: coordinator.name, reason: r.reason, note: r.note, outcome: r.outcome, egov: self.egov,
                    address: context.clientAddress, nowMs: self.nowMs())
            }
        }
        api.group("alerts/stream")
            .add(middleware: BearerTokenAuthenticator(tokens: tokens, refused: refused, acceptsQueryToken: true))
            .add(middleware: requiring(.coordinator))
            .get { request, context -> Response in
                try await AlertStream(
                    store: store, metrics: self.metrics, status: self.status, keepAliveMs: self.keepAliveMs,
                    health: context.seesHealth, words: AlertWords(plans: self.plans)
                )
                .response(request, connectionClosed: context.connectionClosed)
            }
        api.group("workers").add(middleware: authenticator).add(middleware: requiring(.coordinator, .medical))
            .get { request, context -> Response in
                let now = self.status()
                return .json(
                    try await store.workers(
                        site: try request.name("site"), current: now.hearing && now.storing,
                        health: context.seesHealth) + "\n")
            }
        api.group("gateways").add(middleware: authenticator).add(middleware: requiring(.admin, .coordinator))
            .get { _, _ in
                let now = self.nowMs()
                return GatewayList(
                    gateways: try await store.gateways().map { g in
                        var g = g
                        g.clockOffsetMs = (try? Topics(site: g.site, gateway: g.gateway)).flatMap { self.clocks.offsetMs($0, atMs: now) }
                        return g
                    })
            }
        // The site plans for the dashboard, and their pictures.
        let plans = api.group("sites").add(middleware: authenticator).add(middleware: requiring(.coordinator, .admin))
        plans.get { _, _ -> Response in .json(self.plans.json) }
        plans.get(":site/floors/:level/image") { _, context -> Response in
            guard let level = Int(try context.parameters.require("level")),
                let image = self.plans.floor(try context.pathName("site"), level)?.image
            else { throw APIError(status: .notFound, message: "no such plan") }
            guard let bytes = FileManager.default.contents(atPath: image.file) else {
                context.logger.error("a site plan's picture cannot be read", metadata: ["file": "\(image.file)"])
                throw APIError(status: .serviceUnavailable, message: "the plan's picture cannot be read now")
            }
            // An SVG is served as a picture, never as a document that could run scripts in the page's origin.
            return Response(
                status: .ok,
                headers: [
                    .contentType: image.contentType, .cacheControl: "no-cache", .xContentTypeOptions: "nosniff",
                    .contentSecurityPolicy: "default-src 'none'; style-src 'unsafe-inline'; sandbox",
                ], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        api.group("reports").add(middleware: authenticator).add(middleware: requiring(.coordinator, .admin))
            .get { _, _ -> Response in .json("{\"reports\":[\(try await store.reports().map(\.json).joined(separator: ","))]}\n") }
        let admins = api.group().add(middleware: authenticator).add(middleware: requiring(.admin))
        admins.get("audit") { request, _ -> AuditPage in
            let after: Int64
            if let text = request.uri.queryParameters.get("after") {
                guard let n = Int64(text), n >= 0 else { throw APIError(message: "after must be an audit entry's seq") }
                after = n
            } else {
                after = 0
            }
            let limit = try request.limit(default: 1_000, max: 10_000)
            let entries = try await store.auditLog(after: after, limit: limit)
            return AuditPage(audit: entries, nextAfter: entries.count == limit ? entries.last?.seq : nil)
        }
        admins.get("audit/verify") { request, context -> AuditVerification in
            var anchor: AuditVerification.Head?
            let seq = request.uri.queryParameters.get("seq"), hash = request.uri.queryParameters.get("hash")
            if seq != nil || hash != nil {
                guard let n = seq.flatMap({ Int64($0) }), n > 0, let hash, hash.count == 64, hash.allSatisfy(\.isHexDigit) else {
                    throw APIError(message: "seq and hash must name an audit entry and its hash (64 hex digits), as verify told them before")
                }
                anchor = AuditVerification.Head(seq: n, hash: hash.lowercased())
            }
            return try await AuditChain.verifyAndReport(store, anchor: anchor, nowMs: self.nowMs(), logger: context.logger)
        }
        admins.get("config") { _, _ -> Response in .json(self.configJSON + "\n") }
        // Open data: de-identified daily statistics, for the operator to publish (docs/collector.md, "Open data").
        let opendata = api.group("opendata").add(middleware: authenticator).add(middleware: requiring(.researcher, .admin))
        opendata.get("daily.csv") { request, _ -> Response in
            let days = try await OpenData.days(store, fromMs: try request.time("from"), toMs: try request.time("to"), nowMs: self.nowMs())
            return Response(
                status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: OpenData.csv(days))))
        }
        opendata.get("daily.json") { request, _ -> Response in
            .json(OpenData.json(try await OpenData.days(store, fromMs: try request.time("from"), toMs: try request.time("to"), nowMs: self.nowMs())))
        }
        opendata.get("metadata.json") { _, _ -> Response in .json(OpenData.metadata()) }
        let mydata = api.group("mydata").add(middleware: authenticator).add(middleware: requiring(.worker))
        mydata.get(":site/:worker") { request, context -> Response in
            let who = try Self.ownData(context)
            try await store.audit(
                [
                    AuditEntry(
                        action: "mydata", actor: try context.requireIdentity().name, address: context.clientAddress,
                        detail: ["site": who.site, "worker": who.worker])
                ], nowMs: self.nowMs())
            return try await MyDataDocument(store: store, who: who).response(generatedMs: self.nowMs())
        }
        mydata.put(":site/:worker/consent") { request, context -> ConsentRecord in
            let who = try Self.ownData(context)
            struct Consent: Decodable { var research: Bool }
            let body = try await request.body.collect(upTo: 1_024)
            guard let c = try? JSONDecoder().decode(Consent.self, from: Data(buffer: body)) else {
                throw APIError(message: "the body must be {\"research\": true or false}")
            }
            try await store.setConsent(
                site: who.site, worker: who.worker, research: c.research, by: try context.requireIdentity().name,
                address: context.clientAddress, nowMs: self.nowMs())
            return try await store.consent(site: who.site, worker: who.worker)
        }
        api.group("export").add(middleware: authenticator).add(middleware: requiring(.researcher))
            .get(":file") { request, context -> Response in
                let file = try context.parameters.require("file")
                let parts = file.split(separator: ".")
                guard parts.count == 2, let dataset = Export.Dataset(rawValue: String(parts[0])),
                    let format = Export.Format(rawValue: String(parts[1]))
                else {
                    throw APIError(message: "export one of telemetry.csv, telemetry.ndjson, events.csv, events.ndjson")
                }
                var filter = try request.recordFilter()
                if let pseudonyms = self.pseudonyms, let worker = filter.worker {
                    filter.worker = try await Self.worker(pseudonym: worker, pseudonyms, store)
                }
                // A HEAD exports nothing, so it is no export in the audit log (it wrote a start without an end).
                if request.method == .head {
                    return Response(status: .ok, headers: [.contentType: format == .csv ? "text/csv; charset=utf-8" : "application/x-ndjson"])
                }
                // Audited before anything goes out: an export the log cannot record is not made.
                let audit = AuditEntry(
                    action: "export", actor: try context.requireIdentity().name, address: context.clientAddress,
                    detail: ["export": file, "filter": request.uri.query ?? ""])
                do {
                    try await store.audit([audit], nowMs: self.nowMs())
                } catch {
                    context.logger.error("an export refused: the audit log cannot record it", metadata: ["error": "\(error)"])
                    throw APIError(status: .serviceUnavailable, message: "the audit log cannot record this export now; nothing was exported")
                }
                // Health readings only of the workers who consent to research use.
                let export = Export(store: store, pseudonyms: self.pseudonyms, healthConsent: try await store.consentingWorkers())
                let logger = context.logger
                return export.response(dataset, format, filter: filter) { rows in
                    var end = audit
                    end.action = "export-end"
                    end.detail["rows"] = String(rows)
                    do {
                        try await store.audit([end], nowMs: self.nowMs())
                    } catch {
                        logger.error(
                            "could not record an export's end in the audit log (its start is recorded)",
                            metadata: ["export": "\(file)", "rows": "\(rows)", "error": "\(error)"])
                    }
                }
            }
        return router
    }

    /// The worker whose pseudonym a researcher's `worker` filter names. A
    /// pseudonymised export cannot be filtered by a real id: that would tell
    /// the researcher whether a named person is in the data and which
    /// pseudonym is theirs.
    static func worker(pseudonym: String, _ pseudonyms: Pseudonyms, _ store: any CollectorStore) async throws -> String {
        guard pseudonym.hasPrefix("w-"), let id = try await store.workerIDs().first(where: { pseudonyms.worker($0) == pseudonym }) else {
            throw APIError(message: "worker must be a worker's pseudonym (w-…) as the exports show it")
        }
        return id
    }

    /// The worker the path names, when that is the caller: a worker's token reads and changes that
    /// worker's data only.
    private static func ownData(_ context: CollectorRequestContext) throws -> WorkerID {
        let asked = WorkerID(site: try context.pathName("site"), worker: try context.pathName("worker"))
        guard try context.requireIdentity().worker == asked else {
            throw APIError(status: .forbidden, message: "a worker's token reads and changes that worker's data only")
        }
        return asked
    }

    /// The alert the path names and the caller acting on it.
    private static func alertAndCaller(_ context: CollectorRequestContext) throws -> (Int64, Caller) {
        guard let id = Int64(try context.parameters.require("id")) else { throw APIError(status: .notFound, message: "no such alert") }
        return (id, try context.requireIdentity())
    }

    /// The alert after a coordinator's action, which the feed says too.
    private func handled(_ context: CollectorRequestContext, _ action: () async throws -> String) async throws -> Response {
        do {
            let alert = try await action()
            return .json(Self.shown(alert, health: context.seesHealth, words: AlertWords(plans: plans)) + "\n")
        } catch AlertHandlingError.noSuchAlert {
            throw APIError(status: .notFound, message: "no such alert")
        } catch AlertHandlingError.alreadyResolved {
            throw APIError(status: .conflict, message: "the alert is resolved already")
        } catch AlertHandlingError.alreadyAcknowledged(let by) {
            throw APIError(status: .conflict, message: "the alert is acknowledged already, by \(by)")
        } catch AlertHandlingError.noSuchRelatedAlert(let id) {
            throw APIError(message: "outcome.related_alerts: no alert \(id)")
        }
    }
}
