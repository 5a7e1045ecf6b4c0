import EdgeCore
import Foundation
import LocalServices
import Logging
import RiskCore
import ServiceLifecycle
import Testing
import Wire

@testable import CollectorCore

/// A fresh store, on a real SQLite file or in a real PostgreSQL database, and
/// alarm events of one gateway as the ingest hands them to it: what the
/// store's test suites share. The suites run each test on both stores.
protocol StoreFixtures {
    var topics: Topics { get }
}

/// Which implementation of ``CollectorStore`` a test runs on.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

extension StoreFixtures {
    /// A database file's path in a fresh directory.
    func databasePath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("c.sqlite").path
    }

    func store() throws -> SQLiteStore { try SQLiteStore(path: try databasePath()) }

    /// Runs `body` with a fresh store of `kind`. A PostgreSQL store's services (its connection
    /// pool, the change listener) run meanwhile, as in the collector, and stop after it.
    func withStore<T: Sendable>(_ kind: StoreKind, _ body: @Sendable (any CollectorStore) async throws -> T) async throws -> T {
        switch kind {
        case .sqlite:
            return try await body(try store())
        case .postgres:
            return try await withStores(1, url: try PostgresServer.shared.get().freshDatabase()) { try await body($0[0]) }
        }
    }

    /// Runs `body` with `n` stores on `url`, their services running, as collectors on one database
    /// run them, and stopped after it. `started`: as the collector starts them (the schema
    /// migrated, this month's partitions made).
    func withStores<T: Sendable>(
        _ n: Int, url: String, keepTelemetryMonths: Int? = nil, started: Bool = true, _ body: @Sendable ([PostgresStore]) async throws -> T
    ) async throws -> T {
        var logger = Logger(label: "test-postgres")
        logger.logLevel = .warning
        let stores = try (0..<n).map { _ in try PostgresStore(url: url, pool: 4, keepTelemetryMonths: keepTelemetryMonths, logger: logger) }
        if started { for s in stores { try await s.beforeServices { _ in } } }
        let group = ServiceGroup(services: stores.flatMap(\.services), logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            do {
                let result = try await body(stores)
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
                return result
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
        }
    }

    func alarm(_ worker: String, _ type: EventType, _ condition: String = "", phase: Phase, at t: Int64) -> ReceivedMessage {
        let e = CloudEvent(
            SafetyEvent(
                worker: worker, type: type, condition: condition, phase: phase,
                severity: phase == .cleared ? .info : .alarm, timeMs: t), topics: topics)
        return ReceivedMessage(topics: topics, message: .alarm(e), raw: [UInt8](e.json()))
    }
}
