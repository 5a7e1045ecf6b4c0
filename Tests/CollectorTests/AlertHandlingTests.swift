import Foundation
import RiskCore
import Testing
import Wire

@testable import CollectorCore

/// The coordinators' handling of alerts, on both stores: acknowledge,
/// resolve with a reason, escalation by an injected clock.
@Suite struct AlertHandlingTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    func record(_ json: String) throws -> AlertRecord { try JSONDecoder().decode(AlertRecord.self, from: Data(json.utf8)) }

    /// The only alert of the store.
    func onlyAlertID(_ s: any CollectorStore) async throws -> Int64 {
        let all = try await s.alerts(state: nil, site: nil, limit: 10)
        try #require(all.count == 1)
        return try record(all[0]).id
    }

    @Test(arguments: StoreKind.allCases) func acknowledgingAndResolvingAreOnTheAlertAndOnTheFeed(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([alarm("chen", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000)
            let id = try await onlyAlertID(s)
            #expect(try record(try await s.alerts(state: nil, site: nil, limit: 1)[0]).handling == .unacknowledged)
            #expect(try await s.workers(site: nil).contains(#""state":"alarm""#))

            let acknowledged = try record(try await s.acknowledge(id, by: "control room A", nowMs: 2_000))
            #expect(
                acknowledged.handling == .acknowledged && acknowledged.acknowledgedBy == "control room A"
                    && acknowledged.acknowledged == RFC3339.format(ms: 2_000) && acknowledged.resolved == nil)
            #expect(try await s.alertChanges(after: 0, limit: 10).count == 2, "the acknowledgement is a change on the feed")
            // The first acknowledgement stands; a second is refused, and is no action in the audit log.
            await #expect(throws: AlertHandlingError.alreadyAcknowledged(by: "control room A")) {
                try await s.acknowledge(id, by: "control room B", nowMs: 3_000)
            }
            #expect(try await s.auditLog(after: 0, limit: 10).filter { $0.action == "acknowledge" }.map(\.actor) == ["control room A"])
            #expect(try await s.alertChanges(after: 0, limit: 10).count == 2)
            #expect(try await s.alerts(state: nil, handling: .only(.unacknowledged), site: nil, limit: 10).isEmpty)
            #expect(try await s.alerts(state: nil, handling: .only(.acknowledged), site: nil, limit: 10).count == 1)

            let resolved = try record(try await s.resolve(id, by: "control room B", reason: .falseAlarm, note: "dropped helmet", nowMs: 4_000))
            #expect(
                resolved.handling == .resolved && resolved.resolution == .falseAlarm && resolved.note == "dropped helmet"
                    && resolved.resolvedBy == "control room B" && resolved.acknowledgedBy == "control room A" && resolved.state == .alarm)
            #expect(try await s.alertChanges(after: 0, limit: 10).last.map { try record($0.snapshot) } == resolved)
            #expect(try await s.alerts(state: nil, handling: .unresolved, site: nil, limit: 10).isEmpty)
            // Resolved: the worker is no longer in alarm for it, and the alert is closed to more handling.
            #expect(try await s.workers(site: nil).contains(#""state":"ok""#))
            await #expect(throws: AlertHandlingError.alreadyResolved) { try await s.resolve(id, by: "x", reason: .test, note: nil, nowMs: 5_000) }
            await #expect(throws: AlertHandlingError.alreadyResolved) { try await s.acknowledge(id, by: "x", nowMs: 5_000) }
            await #expect(throws: AlertHandlingError.noSuchAlert) { try await s.acknowledge(id + 1, by: "x", nowMs: 5_000) }
        }
    }

    @Test(arguments: StoreKind.allCases) func resolvingAcknowledgesAnAlertNobodyHad(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([alarm("lin", .sos, phase: .alarm, at: 1_000)], receivedMs: 1_000)
            let r = try record(try await s.resolve(try await onlyAlertID(s), by: "A", reason: .test, note: nil, nowMs: 2_000))
            #expect(r.acknowledgedBy == "A" && r.acknowledged == r.resolved && r.note == nil)
        }
    }

    @Test(arguments: StoreKind.allCases) func aResolvedAlertTakesItsClearAndWhatIsWorseOpensANewOne(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([alarm("chen", .gas, "H2S.high", phase: .preAlarm, at: 1_000)], receivedMs: 1_000)
            let first = try await onlyAlertID(s)
            _ = try await s.resolve(first, by: "A", reason: .falseAlarm, note: nil, nowMs: 1_500)
            // The same phase again is nothing new; the condition worsening is a new alert, unacknowledged.
            #expect(try await s.commit([alarm("chen", .gas, "H2S.high", phase: .preAlarm, at: 2_000)], receivedMs: 2_000).alertChanges == 0)
            #expect(try await s.commit([alarm("chen", .gas, "H2S.high", phase: .alarm, at: 3_000)], receivedMs: 3_000).alertChanges == 1)
            let unresolved = try await s.alerts(state: nil, handling: .unresolved, site: nil, limit: 10).map(record)
            #expect(unresolved.map(\.state) == [.alarm] && unresolved[0].id != first && unresolved[0].handling == .unacknowledged)

            // A resolved alarm that clears later shows it, and stays resolved.
            _ = try await s.resolve(unresolved[0].id, by: "A", reason: .realIncident, note: nil, nowMs: 3_500)
            #expect(try await s.commit([alarm("chen", .gas, "H2S.high", phase: .cleared, at: 4_000)], receivedMs: 4_000).alertChanges == 1)
            let after = try record(try await s.alerts(state: .only(.cleared), site: nil, limit: 1)[0])
            #expect(after.id == unresolved[0].id && after.handling == .resolved && after.resolution == .realIncident)
            // The first, resolved while at pre-alarm and never cleared, does not swallow the condition's next rise.
            #expect(try await s.commit([alarm("chen", .gas, "H2S.high", phase: .preAlarm, at: 5_000)], receivedMs: 5_000).alertChanges == 1)
            let next = try await s.alerts(state: nil, handling: .unresolved, site: nil, limit: 10).map(record)
            #expect(next.map(\.state) == [.preAlarm] && ![first, unresolved[0].id].contains(next[0].id))
        }
    }

    @Test(arguments: StoreKind.allCases) func anUnreadableAlarmAfterAResolvedOneOpensAnotherAlert(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            #expect(try await s.noteUnreadable([topics], receivedMs: 1_000))
            #expect(try await !s.noteUnreadable([topics], receivedMs: 2_000), "a resend does not repeat it")
            _ = try await s.resolve(try await onlyAlertID(s), by: "A", reason: .realIncident, note: "collector upgraded", nowMs: 3_000)
            // Still undelivered, the gateway sends it again: a resolution must not hide it.
            #expect(try await s.noteUnreadable([topics], receivedMs: 4_000))
            #expect(try await s.alerts(state: nil, handling: .unresolved, site: nil, limit: 10).count == 1)
        }
    }

    @Test(arguments: StoreKind.allCases) func anOpenAlertNobodyAcknowledgedEscalatesOnce(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([alarm("chen", .fall, phase: .alarm, at: 10_000)], receivedMs: 10_000)
            // A gateway whose clock runs 10 minutes ahead: the collector's clock counts.
            _ = try await s.commit([alarm("lin", .sos, phase: .alarm, at: 610_000)], receivedMs: 10_000)
            // Acknowledged in time, or cleared: nothing to escalate.
            _ = try await s.commit(
                [alarm("wang", .sos, phase: .alarm, at: 10_000), alarm("zhao", .sos, phase: .alarm, at: 10_000)], receivedMs: 10_000)
            let wang = try await s.alerts(state: nil, site: nil, worker: "wang", limit: 1).map(record)[0].id
            _ = try await s.acknowledge(wang, by: "A", nowMs: 20_000)
            _ = try await s.commit([alarm("zhao", .sos, phase: .cleared, at: 30_000)], receivedMs: 30_000)

            #expect(try await s.escalate(nowMs: 69_999, afterMs: 60_000).isEmpty)
            let escalated = try await s.escalate(nowMs: 70_000, afterMs: 60_000).map(record)
            #expect(escalated.map(\.worker) == ["chen", "lin"])
            #expect(escalated.allSatisfy { $0.escalated == RFC3339.format(ms: 70_000) && $0.handling == .unacknowledged })
            #expect(try await s.escalate(nowMs: 80_000, afterMs: 60_000).isEmpty, "once")
            // Escalated and then acknowledged: both are said.
            let chen = try record(try await s.acknowledge(escalated[0].id, by: "A", nowMs: 90_000))
            #expect(chen.escalated != nil && chen.handling == .acknowledged)
        }
    }

    /// The hand-written JSON with every handling field is still what JSONEncoder writes.
    @Test func handledAlertJSONMatchesTheGenericEncoding() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let r = AlertRecord(
            id: 3, site: "s", gateway: "g", worker: "w", kind: "sos", condition: "", state: .alarm, severity: .critical,
            opened: RFC3339.format(ms: 1), updated: RFC3339.format(ms: 2), eventId: "e", location: nil, values: [:],
            handling: .resolved, acknowledged: RFC3339.format(ms: 3), acknowledgedBy: "A \"night\"",
            resolved: RFC3339.format(ms: 4), resolvedBy: "B", resolution: .test, note: "drill\n", escalated: RFC3339.format(ms: 5))
        #expect(r.json == String(decoding: try encoder.encode(r), as: UTF8.self))
    }
}
