import Foundation
import Testing

@testable import CollectorCore

/// What the cold routes send, as a client reads it: absent values are `null`, not missing keys.
@Suite struct ResponseBodiesTests {
    func json(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test func aConsentNeverGivenAndTheLastAuditPageSayNull() throws {
        #expect(try json(ConsentRecord(research: false, changed: nil)) == #"{"changed":null,"research":false}"#)
        #expect(try json(AuditPage(audit: [], nextAfter: nil)) == #"{"audit":[],"next_after":null}"#)
        let line = AuditRecord(
            seq: 7, time: "2026-12-06T04:00:00.000Z", action: "config", actor: "canary-collector", address: nil,
            detail: ["changed": "false"])
        #expect(
            try json(line)
                == #"{"action":"config","actor":"canary-collector","address":null,"detail":{"changed":"false"},"seq":7,"time":"2026-12-06T04:00:00.000Z"}"#
        )
    }
}
