import DaemonSupport
import Foundation
import Testing
import Wire

@testable import CollectorCore

/// Webhooks' parts that need no receiver: what a change was, which hooks want
/// it, the signature, the config, and each hook's place in the change log on
/// both stores (the end-to-end tests deliver to a real receiver: WebhookTests).
@Suite struct NotificationTests: StoreFixtures {
    let topics = try! Topics(site: "s1", gateway: "gw-1")

    func alert(_ fields: String) throws -> AlertRecord {
        let base =
            #""id":7,"site":"s1","gateway":"gw-1","worker":"lin","kind":"fall","condition":"","severity":"alarm","opened":"t","updated":"t","event_id":"e","values":{}"#
        return try JSONDecoder().decode(AlertRecord.self, from: Data("{\(base),\(fields)}".utf8))
    }

    @Test func aChangeIsWhatItChangedFromTheAlertsPreviousState() throws {
        let pre = try alert(#""state":"pre-alarm","handling":"unacknowledged""#)
        let alarm = try alert(#""state":"alarm","handling":"unacknowledged""#)
        let escalated = try alert(#""state":"alarm","handling":"unacknowledged","escalated":"t2""#)
        let acknowledged = try alert(#""state":"alarm","handling":"acknowledged","escalated":"t2""#)
        let cleared = try alert(#""state":"cleared","handling":"acknowledged","escalated":"t2""#)
        let resolved = try alert(#""state":"cleared","handling":"resolved","escalated":"t2""#)
        #expect(AlertEvent.of(pre, after: nil) == .opened)
        #expect(AlertEvent.of(alarm, after: pre) == .alarm)
        #expect(AlertEvent.of(escalated, after: alarm) == .escalated)
        #expect(AlertEvent.of(acknowledged, after: escalated) == .acknowledged)
        #expect(AlertEvent.of(cleared, after: acknowledged) == .cleared)
        #expect(AlertEvent.of(resolved, after: cleared) == .resolved)
        // Resolved at once from an escalated alarm: the resolution is what to tell.
        #expect(AlertEvent.of(resolved, after: escalated) == .resolved)
        // A new gas level within the same alarm is no news.
        var louder = alarm
        louder.values = ["value": 30]
        #expect(AlertEvent.of(louder, after: alarm) == nil)
    }

    @Test func aHookHearsItsSitesAtItsSeverityAndItsEvents() throws {
        let hook = WebhookSettings(name: "h", url: "http://x", secret: [], sites: ["s1"], minSeverity: .alarm)
        let alarm = try alert(#""state":"alarm","handling":"unacknowledged""#)
        #expect(hook.wants(.opened, alarm) && hook.wants(.resolved, alarm))
        #expect(!hook.wants(.acknowledged, alarm), "not one of the default events")
        var warning = alarm
        warning.severity = .warning
        #expect(!hook.wants(.opened, warning))
        var elsewhere = alarm
        elsewhere.site = "s2"
        #expect(!hook.wants(.opened, elsewhere))
        // 1 s, 2 s, 4 s … at most a minute.
        #expect((1...9).map(hook.retryMs) == [1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000, 60_000])
    }

    /// RFC 4231, test case 2: HMAC-SHA256 with the key "Jefe".
    @Test func theSignatureIsHMACSHA256OfTheBody() {
        #expect(
            WebhookDelivery.signature(of: "what do ya want for nothing?", secret: Array("Jefe".utf8))
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }

    @Test func aHookNeedsAURLAndASecretOnlyTheDaemonReads() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("canary-hooks-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let secret = dir.appendingPathComponent("s").path, short = dir.appendingPathComponent("short").path
        try "0123456789abcdef-secret\n".write(toFile: secret, atomically: true, encoding: .utf8)
        try "tiny\n".write(toFile: short, atomically: true, encoding: .utf8)
        chmod(secret, 0o600)
        chmod(short, 0o600)
        func load(_ hook: String) throws(ConfigError) -> CollectorConfig {
            try CollectorConfig.read(ConfigSection.parse("webhooks:\n  - \(hook)\n", file: "c.yaml"))
        }
        let hook = try #require(
            try load("{name: pager, url: 'https://p.example/x', secret_file: \(secret), events: [opened, escalated]}").webhooks.first)
        #expect(hook.secret == Array("0123456789abcdef-secret".utf8) && hook.events == [.opened, .escalated] && hook.minSeverity == .alarm)
        let refusals: [(yaml: String, message: String)] = [
            ("{name: p, url: 'ftp://p', secret_file: \(secret)}", "url: must be an http:// or https:// URL"),
            ("{name: p, url: 'http://p'}", "secret_file: is required"),
            ("{name: p, url: 'http://p', secret_file: \(short)}", "its first line must be 16 characters at least"),
            ("{name: 'p q', url: 'http://p', secret_file: \(secret)}", "name: must be letters, digits, - and _"),
            ("{name: p, url: 'http://p', secret_file: \(secret), events: [paged]}", "'paged' is none of"),
            ("{name: p, url: 'http://p', secret_file: \(secret), min_severity: loud}", "must be info, warning, alarm or critical"),
        ]
        expectRefusals(refusals, load)
        chmod(secret, 0o644)
        #expect(throws: ConfigError.self, "a secret others may read") { try load("{name: p, url: 'http://p', secret_file: \(secret)}") }
    }

    @Test(arguments: StoreKind.allCases) func aHooksPlaceStartsAtTheEndAndMovesOnlyForItsHolder(_ kind: StoreKind) async throws {
        try await withStore(kind) { s in
            _ = try await s.commit([alarm("chen", .fall, phase: .alarm, at: 1_000)], receivedMs: 1_000)
            try await s.registerWebhook("h")
            try await s.registerWebhook("h")
            // What happened before the hook existed is not told to it.
            #expect(try await s.claimWebhook("h", owner: "a", nowMs: 0, leaseMs: 30_000) == 1)
            _ = try await s.commit([alarm("lin", .fall, phase: .alarm, at: 2_000)], receivedMs: 2_000)
            // Another collector waits while the lease holds, and takes over once it ran out.
            #expect(try await s.claimWebhook("h", owner: "b", nowMs: 29_999, leaseMs: 30_000) == nil)
            #expect(try await s.advanceWebhook("h", to: 2, owner: "a", nowMs: 10_000, leaseMs: 30_000))
            #expect(try await s.claimWebhook("h", owner: "b", nowMs: 39_999, leaseMs: 30_000) == nil, "moving on renewed it")
            #expect(try await s.claimWebhook("h", owner: "b", nowMs: 40_001, leaseMs: 30_000) == 2)
            #expect(try await !s.advanceWebhook("h", to: 3, owner: "a", nowMs: 40_002, leaseMs: 30_000), "a's lease is gone")
            // An alert's previous state, for what a change did.
            _ = try await s.commit([alarm("lin", .fall, phase: .cleared, at: 3_000)], receivedMs: 3_000)
            let changes = try await s.alertChanges(after: 0, limit: 10)
            let lin = try JSONDecoder().decode(AlertRecord.self, from: Data(changes[2].snapshot.utf8))
            #expect(lin.worker == "lin" && lin.state == .cleared)
            #expect(try await s.alertChange(before: changes[2].seq, alert: lin.id) == changes[1].snapshot)
            #expect(try await s.alertChange(before: changes[1].seq, alert: lin.id) == nil)
        }
    }
}
