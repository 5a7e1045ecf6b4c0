import EdgeCore
import Foundation
import RiskCore
import Wire

@testable import CollectorCore

/// A fresh store on a real SQLite file, and alarm events of one gateway as the
/// ingest hands them to it: what the store's test suites share.
protocol StoreFixtures {
    var topics: Topics { get }
}

extension StoreFixtures {
    /// A database file's path in a fresh directory.
    func databasePath() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-store-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent("c.sqlite").path
    }

    func store() throws -> SQLiteStore { try SQLiteStore(path: try databasePath()) }

    func alarm(_ worker: String, _ type: EventType, _ condition: String = "", phase: Phase, at t: Int64) -> ReceivedMessage {
        let e = CloudEvent(
            SafetyEvent(
                worker: worker, type: type, condition: condition, phase: phase,
                severity: phase == .cleared ? .info : .alarm, timeMs: t), topics: topics)
        return ReceivedMessage(topics: topics, message: .alarm(e), raw: [UInt8](e.json()))
    }
}
