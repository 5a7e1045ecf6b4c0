import DaemonSupport
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import MQTT
import ServiceLifecycle

/// The whole collector: store, MQTT ingest, escalation, HTTP API, in one service group
/// that shuts down gracefully on SIGTERM/SIGINT (the HTTP server stops
/// taking requests, the MQTT client disconnects, SSE streams end).
public enum CollectorService {
    /// Builds the application the executable runs. `onRunning` gets the bound HTTP port (useful with port 0).
    public static func make(config: CollectorConfig, logger: Logger, notifier: SystemdNotifier = SystemdNotifier(),
                            onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) throws -> some ApplicationProtocol {
        let metrics = MetricsRegistry()
        let store = try EventStore(path: config.databasePath) { error in
            metrics.increment(CollectorMetrics.checkpointFailures)
            logger.error("WAL checkpoint failed; the log grows until one succeeds", metadata: ["error": "\(error)"])
        }
        let signal = ChangeSignal()
        let client = try MQTTClient(config.mqtt)
        let ingest = Ingest(store: store, client: client, metrics: metrics, signal: signal, settings: config.ingest, logger: logger)
        if config.http.insecure && !config.listensOnLoopbackOnly {
            logger.critical("http.insecure: the API serves \(config.httpHost) without the protection it needs (TLS and tokens): anyone on that network may read what it gives")
        }
        let refused = RefusedTokens()
        let summary = config.summaryJSON
        try store.audit([AuditEntry(action: "config", actor: "canary-collector",
                                    detail: ["config": summary, "changed": String(try store.lastConfigAudited() != summary)])],
                        nowMs: WallClock.nowMs())
        let api = CollectorAPI(store: store, signal: signal, metrics: metrics,
                               pseudonyms: config.exportsNameWorkers ? nil : Pseudonyms(key: try store.pseudonymKey()),
                               tokens: config.tokens, refused: refused, keepAliveMs: config.keepAliveMs,
                               status: { ingest.status.current },
                               nowMs: WallClock.nowMs, configJSON: summary, egov: config.egov)
        let services: [any Service] = [
            AuditService(store: store, refused: refused, logger: logger),
            IngestService(ingest: ingest, client: client, signal: signal, keepAlive: .milliseconds(config.keepAliveMs)),
            EscalationService(store: store, signal: signal, metrics: metrics, afterMs: config.escalateAfterMs, logger: logger),
            ReportDelivery(store: store, signal: signal, xroad: config.egov.xroad, logger: logger, nowMs: WallClock.nowMs),
            WatchdogService(notifier: notifier, healthy: { store.isHealthy() }),
        ]
        let perClient = ConnectionsPerClient(limit: config.http.maxConnectionsPerClient, metrics: metrics, logger: logger)
        let http1 = HTTPServerBuilder.http1(configuration: .init(additionalChannelHandlers: [perClient.handler(), HangUpHandler()],
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
            configuration: .init(address: .hostname(config.httpHost, port: config.httpPort), serverName: "canary-collector",
                                 availableConnectionsDelegate: MaximumAvailableConnections(config.http.maxConnections, logger: logger)),
            services: services,
            onServerRunning: { channel in
                notifier.ready(status: "storing to \(config.databasePath)")
                await onRunning(channel.localAddress?.port ?? config.httpPort)
            },
            logger: logger)
    }
}

/// Runs the ingest until graceful shutdown, then stops the MQTT client so its streams end.
struct IngestService: Service {
    let ingest: Ingest
    let client: MQTTClient
    let signal: ChangeSignal
    let keepAlive: Duration

    func run() async throws {
        try client.start()
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask { await ingest.run() }
                // Keep-alives for idle SSE streams.
                group.addTask { await cancelWhenGracefulShutdown { await signal.heartbeat(every: keepAlive) } }
            }
        } onGracefulShutdown: {
            signal.finish()
            Task { await client.stop() }
        }
    }
}

/// Writes the tally of refused tokens to the audit log every 10 s, and once more at shutdown.
struct AuditService: Service {
    let store: EventStore
    let refused: RefusedTokens
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(10)) }
            do {
                try store.audit(refused.take(), nowMs: WallClock.nowMs())
            } catch {
                logger.error("the audit log refused a write", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Pings systemd's watchdog while the database answers.
struct WatchdogService: Service {
    let notifier: SystemdNotifier
    let healthy: @Sendable () -> Bool

    func run() async throws {
        await cancelWhenGracefulShutdown { await notifier.keepWatchdog { healthy() } }
        // Without a watchdog there is nothing to do, but a service must not end before shutdown.
        try? await gracefulShutdown()
        notifier.stopping()
    }
}
