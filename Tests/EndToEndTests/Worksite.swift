import EdgeCore
import Foundation
import GRDB
import LocalServices
import RiskCore
import SimulatedWorksite
import TestSupport
import Testing
import Wire
import WorksiteSimulator

/// A real broker, a real collector process and the config for a real agent
/// process, in a directory of their own; the collector stores in a SQLite file
/// there or in a fresh database on the tests' PostgreSQL cluster.
final class Worksite: @unchecked Sendable {
    /// Where the collector stores.
    enum Storage: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case sqlite, postgres
        var testDescription: String { rawValue }
    }

    let directory: URL
    let broker: Broker
    var collector: Daemon!
    var apiPort = 0
    static let scenarioPath = fixture("short-shift.yaml")
    static func fixture(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/\(name)").path
    }

    /// More of the collector's config (YAML top-level keys).
    let collectorConfig: String
    /// More of the collector's `http:` keys (flow-mapping entries).
    private var moreHTTP = ""
    /// How often the collector's idle alert feed says it is alive.
    let keepAlive: String
    let storage: Storage
    /// The database's URL, with `postgres` storage.
    let postgresURL: String?
    /// The cluster it is on.
    let postgres: PostgresServer?
    /// The collectors' MQTT 5 shared-subscription group, when several share the load.
    let shareGroup: String?

    /// `postgres`: the cluster, when not the tests' shared one (a test that stops it).
    init(
        collectorConfig: String = "", keepAlive: String = "15s", storage: Storage = .sqlite, shareGroup: String? = nil,
        postgres: PostgresServer? = nil
    ) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        broker = try Broker()
        self.storage = storage
        self.shareGroup = shareGroup
        self.postgres = storage == .postgres ? try postgres ?? PostgresServer.shared.get() : nil
        postgresURL = try self.postgres?.freshDatabase()
        self.collectorConfig = collectorConfig
        self.keepAlive = keepAlive
        try writeCollectorConfig(httpPort: 0)
    }

    /// The tokens the tests' collectors know (`printf %s TOKEN | sha256sum`): one with every
    /// role but worker, which the tests read the API with unless they say otherwise, one per
    /// role, and lin's and chen's own (`lin-token`, `chen-token`), 林's (`zh-lin-token`) and José's (`jose-token`;
    /// the config spells his name decomposed, NFD).
    static let tokens = """
        tokens:
          - {name: Test reader, token_sha256: 9b55a7eb696557361a993bb4f81103b3cf34ade2d81e5888bd1a97ed6993d7fe, roles: [coordinator, medical, researcher, admin]}
          - {name: Night shift, token_sha256: 9cd45473cca2d3baeb275ae25df73ddd512fb98b90d0a696b04b13f5e354b11f, roles: [coordinator]}
          - {name: Dr Lin, token_sha256: a521f8bac38cf8f15a066114934ca731a8c0fb6ccc4d9aaef93436cf5a02d45a, roles: [medical]}
          - {name: Study A, token_sha256: 9837059f7a9097a44bd0ad42eb6ea3ab6ceef71be924e461dfa8fd07fb93bf09, roles: [researcher]}
          - {name: Operator, token_sha256: 10a4c7c9fc5206d6f36dc6944a81bb6f4a3cb0e25014ae3b12e6c3e52712292a, roles: [admin]}
          - {name: 林美玲, token_sha256: 8d2356716547d68147cd714c4bd203426df47aa4c326d574749b815b8fee6993, roles: [worker], site: test-site, worker: lin}
          - {name: 陳志明, token_sha256: 3a098fc5254c22f23a7f774fdca3309ae41d8bb804200f825fe7a2911bd7389a, roles: [worker], site: test-site, worker: chen}
          - {name: 林小姐, token_sha256: e4a3fc99e2cbb7581ed6c51d5f40896e862b0235eddeed87097c5825c65a67ea, roles: [worker], site: test-site, worker: 林}
          - {name: José, token_sha256: 184ac1a7637902384cf02f09bdd49f6a2da22c694579841250cb9220194e7f1a, roles: [worker], site: test-site, worker: "jose\\u0301"}
        """
    static let allRoles = "all-token"

    /// `httpPort` 0: any free port.
    private func writeCollectorConfig(httpPort: Int, name: String = "collector") throws {
        try """
        mqtt: {port: \(broker.port), client_id: \(name)-\(broker.port)\(shareGroup.map { ", share_group: " + $0 } ?? "")}
        storage: \(storageConfig)
        http: {port: \(httpPort), keep_alive: \(keepAlive)\(moreHTTP.isEmpty ? "" : ", " + moreHTTP)}
        \(Self.tokens)
        \(collectorConfig)
        """.write(toFile: directory.appendingPathComponent("\(name).yaml").path, atomically: true, encoding: .utf8)
    }

    /// The collector's `storage:`.
    var storageConfig: String {
        if let postgresURL { "{postgres: {url: \"\(postgresURL)\", pool: 4}}" } else { "{sqlite: \(collectorDatabase)}" }
    }

    /// More `http:` settings for the collector, e.g. `"idle_timeout: 1s"`.
    func setHTTP(_ entries: String) throws {
        moreHTTP = entries
        try writeCollectorConfig(httpPort: 0)
    }

    /// A restarted collector listens where this one does: a browser's page keeps its URL.
    func keepAPIPort() throws { try writeCollectorConfig(httpPort: apiPort) }

    deinit { try? FileManager.default.removeItem(at: directory) }

    var collectorDatabase: String { directory.appendingPathComponent("collector.sqlite").path }
    var outboxPath: String { directory.appendingPathComponent("outbox.sqlite").path }

    /// Starts (or restarts) the collector and waits until its API is up.
    func startCollector() async throws {
        collector = try Daemon(
            "canary-collector", ["--config", directory.appendingPathComponent("collector.yaml").path],
            in: directory, label: "collector-\(UUID().uuidString.prefix(8))")
        apiPort = try await collector.collectorAPIPort(within: 120)
    }

    /// Another collector on the same broker and database (in the share group), its API on a port of its own.
    func startAnotherCollector(_ name: String) async throws -> (daemon: Daemon, port: Int) {
        try writeCollectorConfig(httpPort: 0, name: name)
        let daemon = try Daemon(
            "canary-collector", ["--config", directory.appendingPathComponent("\(name).yaml").path], in: directory, label: name)
        return (daemon, try await daemon.collectorAPIPort(within: 120))
    }

    /// An agent process on the short shift (or another scenario of `Fixtures`); `speed` 0 plays it as fast as possible.
    /// `brokerPort`: the agent's broker, when not the collector's (a site bridged to a central one).
    func startAgent(
        speed: Double, resendAfter: String = "30s", label: String = "agent", brokerPort: Int? = nil, scenario: String = Worksite.scenarioPath
    ) throws -> Daemon {
        let config = directory.appendingPathComponent("\(label).yaml").path
        try """
        site: test-site
        gateway: gw-1
        mqtt: {port: \(brokerPort ?? broker.port)}
        outbox: {path: \(outboxPath)}
        uplink: {resend_after: \(resendAfter)}
        source: {simulate: \(scenario), speed: \(speed)}
        """.write(toFile: config, atomically: true, encoding: .utf8)
        return try Daemon("canary-agent", ["run", "--config", config], in: directory, label: label)
    }

    /// What the pipeline raises on the short shift, as (worker, kind, condition, phase).
    static func expectedAlarms() async throws -> [String] {
        let scenario = try Scenario.load(yaml: try String(contentsOfFile: scenarioPath, encoding: .utf8))
        var pipeline = AgentPipeline(directory: SiteDirectory(scenario: scenario))
        var out: [String] = []
        await pipeline.run(
            SimulatedSource(scenario: scenario),
            emit: { events in
                out += events.map { "\($0.worker) \($0.type.rawValue) \($0.condition) \($0.phase.rawValue)" }
            })
        return out
    }

    /// A GET of the API with `token` (every role by default; nil: none).
    func get(_ path: String, token: String? = Worksite.allRoles) async throws -> APIClient.Response {
        try await APIClient.get(port: apiPort, path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:])
    }

    /// The alert feed, read with `token`.
    func feed(lastEventID: String? = nil, token: String = Worksite.allRoles) async throws -> APIClient.EventStream {
        try await APIClient.EventStream(
            port: apiPort, "/api/v1/alerts/stream", lastEventID: lastEventID, headers: ["Authorization": "Bearer \(token)"])
    }

    /// A POST to the API, as a coordinator with `token` (or anonymously).
    func post(_ path: String, token: String? = nil, json: String = "") async throws -> APIClient.Response {
        try await APIClient.post(port: apiPort, path, headers: token.map { ["Authorization": "Bearer \($0)"] } ?? [:], json: json)
    }

    /// A metric's value from the collector's /metrics.
    func metric(_ name: String) async throws -> Double { try await APIClient.metric(port: apiPort, name) }

    /// A gateway's state as `/api/v1/gateways` gives it; nil when it is not listed.
    func gatewayState(_ gateway: String) async throws -> String? {
        let body = try await get("/api/v1/gateways").body
        let list = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]]
        return list?["gateways"]?.first { $0["gateway"] as? String == gateway }?["state"] as? String
    }

    /// A metric's value once it is at least `least`, or its last value after `seconds`: metrics
    /// observe, and one may be counted a moment after the feed has told of its change.
    func metric(_ name: String, reaching least: Double, within seconds: Double = 10) async throws -> Double {
        try await eventually(within: seconds) { try await metric(name) >= least }
        return try await metric(name)
    }

    /// Returns once `condition` holds, or after `seconds` (a guard against a hang; the test
    /// then finds what is missing).
    func eventually(within seconds: Double = 60, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while try await !condition(), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// Waits until the collector has stored a shift to its end: the agent's last word is its gateway going offline.
    func shiftStored() async throws {
        try await eventually { try await self.get("/api/v1/alerts?state=open").body.contains("gateway-offline") }
    }

    /// The sum of a metric's samples whose labels include each of `labels` (`key="value"`).
    func metricSum(_ name: String, labels: [String]) async throws -> Double {
        try await get("/metrics").body.split(separator: "\n")
            .filter { $0.hasPrefix(name + "{") && labels.allSatisfy($0.contains) }
            .reduce(0) { $0 + (Double($1.split(separator: " ").last!) ?? .nan) }
    }

    /// The collector's database, read directly (WAL allows it while the collector runs).
    func collectorDB<T>(_ read: (Database) throws -> T) throws -> T {
        var c = Configuration()
        c.readonly = true
        return try DatabaseQueue(path: collectorDatabase, configuration: c).read(read)
    }

    /// Writes to the collector's database from another connection, as an operator's tool would.
    func collectorWrite(_ write: (Database) throws -> Void) throws {
        var c = Configuration()
        c.busyMode = .timeout(30)
        try DatabaseQueue(path: collectorDatabase, configuration: c).write(write)
    }

    /// A text column of the collector's database, read directly: SQLite's file, or PostgreSQL with psql.
    func column(_ sql: String) throws -> [String] {
        guard let postgresURL else { return try collectorDB { try String.fetchAll($0, sql: sql) } }
        let database = String(URLComponents(string: postgresURL)!.path.dropFirst())
        let result = try postgres!.psql(sql, database: database)
        guard result.status == 0 else { throw SpawnError(message: "psql: \(result.errors)") }
        return result.output.split(separator: "\n").map(String.init)
    }

    func storedAlarmIDs() throws -> [String] { try column("SELECT id FROM events ORDER BY seq") }

    /// The key the collector made for the exports' pseudonyms.
    func pseudonymKey() throws -> [UInt8] {
        let hex = try column(storage == .postgres ? "SELECT encode(value, 'hex') FROM secrets" : "SELECT hex(value) FROM secrets")[0]
        var bytes: [UInt8] = [], rest = Substring(hex)
        while !rest.isEmpty {
            bytes.append(UInt8(rest.prefix(2), radix: 16)!)
            rest = rest.dropFirst(2)
        }
        return bytes
    }

    /// Telemetry readings stored, of the kinds that are not health data.
    func storedNonHealthReadings() throws -> Int {
        let events = try column("SELECT event FROM telemetry")
        return try events.reduce(0) { n, e in
            n
                + (try JSONDecoder().decode(CloudEvent<TelemetryBatch>.self, from: Data(e.utf8)).data.readings
                    .filter { !["heart-rate", "sleep", "overwork"].contains($0.kind) }.count)
        }
    }

    /// Telemetry readings stored more than once (same worker, device, kind and time).
    func duplicateReadings() throws -> Int {
        let events = try column("SELECT event FROM telemetry")
        var seen = Set<String>(), duplicates = 0
        for e in events {
            for r in try JSONDecoder().decode(CloudEvent<TelemetryBatch>.self, from: Data(e.utf8)).data.readings
            where !seen.insert("\(r.worker)|\(r.device)|\(r.kind)|\(r.time_ms)").inserted {
                duplicates += 1
            }
        }
        return duplicates
    }

    /// The ids the agent printed (one JSON event per line).
    static func printedIDs(_ agent: Daemon) -> [String] {
        agent.output.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["id"] as? String
        }
    }
}
