import DaemonSupport
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import MQTT
import NIOSSL
import ServiceLifecycle

/// The whole collector: store, MQTT ingest, escalation, reports, HTTP API, as
/// services in one group that shuts down gracefully on SIGTERM/SIGINT, in
/// reverse order of the list: the HTTP server stops taking requests (SSE
/// streams end), then the periodic services, then the ingest, which commits
/// and acknowledges what it holds before the MQTT client disconnects.
public enum CollectorService {
    /// Builds the application the executable runs. `onRunning` gets the bound HTTP port (useful with port 0).
    public static func make(
        config: CollectorConfig, logger: Logger, metrics: CollectorMetrics = CollectorMetrics(),
        notifier: SystemdNotifier = SystemdNotifier(),
        onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> some ApplicationProtocol {
        let store: any CollectorStore
        switch config.storage {
        case .sqlite(let path):
            store = try SQLiteStore(path: path) { error in
                metrics.checkpointFailures.increment()
                logger.error("WAL checkpoint failed; the log grows until one succeeds", metadata: ["error": "\(error)"])
            }
        case .postgres(let url, let password, let pool, let keep):
            store = try PostgresStore(url: url, password: password, pool: pool, keepTelemetryMonths: keep, logger: logger)
        }
        let client = try MQTTClient(config.mqtt)
        let ingest = Ingest(store: store, client: client, metrics: metrics, settings: config.ingest, logger: logger)
        if config.http.insecure && !config.listensOnLoopbackOnly {
            logger.critical(
                "http.insecure: the API serves \(config.httpHost) without the protection it needs (TLS and tokens): anyone on that network may read what it gives"
            )
        }
        let refused = RefusedTokens()
        let summary = config.summaryJSON
        let pseudonymKey = try await store.beforeServices { store in
            _ = try await AuditChain.verifyAndReport(store, nowMs: WallClock.nowMs(), logger: logger)
            try await store.audit(
                [
                    AuditEntry(
                        action: "config", actor: "canary-collector",
                        detail: ["config": summary, "changed": String(try await store.lastConfigAudited() != summary)])
                ],
                nowMs: WallClock.nowMs())
            // A hook's place in the change log is made before any change can arrive: none falls before it.
            for hook in config.webhooks { try await store.registerWebhook(hook.name) }
            return try await store.pseudonymKey()
        }
        let api = CollectorAPI(
            store: store, metrics: metrics,
            pseudonyms: config.exportsNameWorkers ? nil : Pseudonyms(key: pseudonymKey),
            tokens: config.tokens, refused: refused, keepAliveMs: config.keepAliveMs,
            status: { ingest.status.current },
            nowMs: WallClock.nowMs, configJSON: summary, egov: config.egov, plans: config.plans, clocks: ingest.clocks)
        var services: [any Service] =
            store.services + ingest.services + [
                AuditService(store: store, refused: refused, logger: logger),
                EscalationService(store: store, metrics: metrics, afterMs: config.escalateAfterMs, logger: logger),
                ReportDelivery(store: store, xroad: config.egov.xroad, logger: logger, nowMs: WallClock.nowMs),
                FeedKeepAlive(changes: store.changes, every: .milliseconds(config.keepAliveMs)),
                SystemdWatchdog(notifier: notifier, healthy: { await store.isHealthy() }),
            ]
        if !config.webhooks.isEmpty {
            services.append(
                WebhookDelivery(
                    store: store, hooks: config.webhooks, words: AlertWords(plans: config.plans), metrics: metrics, logger: logger,
                    nowMs: WallClock.nowMs, owner: config.mqtt.clientID))
        }
        let perClient = ConnectionsPerClient(limit: config.http.maxConnectionsPerClient, metrics: metrics, logger: logger)
        let http1 = HTTPServerBuilder.http1(
            configuration: .init(
                additionalChannelHandlers: [
                    ClientAddressHandler(), perClient.handler(), HangUpHandler(), RequestBounds(deadline: .milliseconds(config.http.idleTimeoutMs)),
                ],
                idleTimeout: .milliseconds(config.http.idleTimeoutMs)))
        var server = http1
        if let tls = config.http.tls {
            var tlsConfiguration = TLSConfiguration.makeServerConfiguration(
                certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certFile).map { .certificate($0) },
                privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.keyFile, format: .pem)))
            tlsConfiguration.minimumTLSVersion = .tlsv12
            server = try .tls(http1, tlsConfiguration: tlsConfiguration)
        }
        return Application(
            router: api.router(),
            server: server,
            configuration: .init(
                address: .hostname(config.httpHost, port: config.httpPort), serverName: "canary-collector",
                availableConnectionsDelegate: MaximumAvailableConnections(config.http.maxConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in
                notifier.ready(status: "storing to \(config.storage.description)")
                await onRunning(channel.localAddress?.port ?? config.httpPort)
            },
            logger: logger)
    }
}
