import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import ServiceLifecycle

/// Tells each configured webhook of the alert changes it wants (a new alert,
/// an alarm, an escalation, a resolution): the hook for SMS, LINE or pager
/// gateways and site sirens (docs/collector.md, "Webhooks").
///
/// The queue is the alert change log itself, which the commit that changed an
/// alert wrote: each hook has a place in it (``CollectorStore/claimWebhook(_:owner:nowMs:leaseMs:)``),
/// moved on only after the hook answered 2xx for a change (or when a change is
/// not for it). So a notification is never lost, not to a restart, a SIGKILL
/// or a receiver that is down; it is retried `first_retry` later, then twice as
/// long each time, at most a minute apart, until the hook takes it. A hook's
/// changes go in order, one at a time: one it refuses holds back the later ones,
/// so it never hears of a resolution before the alarm.
///
/// Delivery is at least once: a change the hook took but whose answer was lost
/// (a timeout, the collector killed before it moved the place on) is sent
/// again. Receivers deduplicate by `change`, which is the same on every attempt
/// and on every collector.
///
/// `POST {url}` with the JSON `{"hook", "change", "event", "alert"}` (the alert as
/// the API shows it to a coordinator, with its words, without health values),
/// and the headers `Canary-Signature: sha256=<hex HMAC-SHA256 of the body under
/// the hook's secret>`, `Canary-Change` and `Canary-Event`.
struct WebhookDelivery: Service {
    let store: any CollectorStore
    let hooks: [WebhookSettings]
    let words: AlertWords
    let metrics: CollectorMetrics
    let logger: Logger
    let nowMs: @Sendable () -> Int64
    /// This collector, in the hooks' leases: its MQTT client id, unique among the collectors on a broker,
    /// so a collector restarted after a SIGKILL takes its hooks up again at once.
    let owner: String

    /// How long a collector has a hook to itself after it last took or moved its place: a collector
    /// that dies leaves its hooks to another collector on the database this long after.
    static let leaseMs: Int64 = 30_000
    static let signatureHeader = "Canary-Signature"

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(redirectConfiguration: .disallow))
        await withDiscardingTaskGroup { group in
            for hook in hooks { group.addTask { await tell(hook, client) } }
        }
        try await client.shutdown()
    }

    /// What to do after a step.
    enum Next {
        /// More changes wait: go on at once.
        case more
        /// Nothing to send (or another collector has the hook): wait for the next change.
        case wait
        /// The hook failed: try again this much later.
        case retry(afterMs: Int64)
    }

    /// One hook's loop until shutdown. The change signal wakes it for each change and, through the
    /// feed's keep-alive, every few seconds, so a hook whose collector died is taken over.
    func tell(_ hook: WebhookSettings, _ client: HTTPClient) async {
        _ = metrics.webhookAttempts(hook: hook.name, result: "delivered")
        _ = metrics.webhookAttempts(hook: hook.name, result: "failed")
        let (wakeups, cancel) = store.changes.subscribe()
        await withGracefulShutdownHandler {
            var iterator = wakeups.makeAsyncIterator()
            var failures = 0
            while !Task.isShuttingDownGracefully {
                let next: Next
                do {
                    next = try await step(hook, client, failures: &failures)
                } catch {
                    logger.error("webhook: the database refused", metadata: ["hook": "\(hook.name)", "error": "\(error)"])
                    next = .retry(afterMs: 1_000)
                }
                switch next {
                case .more: continue
                case .wait: if await iterator.next() == nil { return }
                case .retry(let ms): try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(ms)) }
                }
            }
        } onGracefulShutdown: {
            cancel()
        }
    }

    /// Sends the changes after the hook's place that it wants, in order, moving its place on after each.
    func step(_ hook: WebhookSettings, _ client: HTTPClient, failures: inout Int) async throws -> Next {
        guard let place = try await store.claimWebhook(hook.name, owner: owner, nowMs: nowMs(), leaseMs: Self.leaseMs) else { return .wait }
        let changes = try await store.alertChanges(after: place, limit: 100)
        guard !changes.isEmpty else { return .wait }
        for change in changes {
            if let (body, event) = try await notification(change, for: hook) {
                let failure = await attempt(body, change.seq, event, hook, client)
                metrics.webhookAttempts(hook: hook.name, result: failure == nil ? "delivered" : "failed").increment()
                if let failure {
                    failures += 1
                    let retryMs = hook.retryMs(after: failures)
                    logger.error(
                        "webhook not told; retrying in \(retryMs) ms: \(failure)",
                        metadata: ["hook": "\(hook.name)", "change": "\(change.seq)", "attempt": "\(failures)"])
                    return .retry(afterMs: retryMs)
                }
                logger.info("webhook told", metadata: ["hook": "\(hook.name)", "change": "\(change.seq)", "attempts": "\(failures + 1)"])
                failures = 0
            }
            guard try await store.advanceWebhook(hook.name, to: change.seq, owner: owner, nowMs: nowMs(), leaseMs: Self.leaseMs) else {
                return .wait
            }
        }
        return .more
    }

    /// The body to send for `change`, if the hook wants it.
    func notification(_ change: (seq: Int64, snapshot: String), for hook: WebhookSettings) async throws -> (String, AlertEvent)? {
        let decoder = JSONDecoder()
        guard let alert = try? decoder.decode(AlertRecord.self, from: Data(change.snapshot.utf8)) else {
            logger.error("webhook: an alert change cannot be read; not told", metadata: ["hook": "\(hook.name)", "change": "\(change.seq)"])
            return nil
        }
        let before = try await store.alertChange(before: change.seq, alert: alert.id).flatMap {
            try? decoder.decode(AlertRecord.self, from: Data($0.utf8))
        }
        guard let event = AlertEvent.of(alert, after: before), hook.wants(event, alert) else { return nil }
        let body =
            "{\"hook\":\(JSONText.quoted(hook.name)),\"change\":\(change.seq),\"event\":\"\(event.rawValue)\","
            + "\"alert\":\(CollectorAPI.shown(change.snapshot, health: false, words: words))}"
        return (body, event)
    }

    /// One POST; nil when the hook took it (2xx), else why not.
    func attempt(_ body: String, _ seq: Int64, _ event: AlertEvent, _ hook: WebhookSettings, _ client: HTTPClient) async -> String? {
        var request = HTTPClientRequest(url: hook.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: Self.signatureHeader, value: Self.signature(of: body, secret: hook.secret))
        request.headers.add(name: "Canary-Change", value: String(seq))
        request.headers.add(name: "Canary-Event", value: event.rawValue)
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(hook.timeoutMs))
            _ = try? await response.body.collect(upTo: 64 * 1024)
            return (200..<300).contains(response.status.code) ? nil : "HTTP \(response.status.code)"
        } catch {
            return "\(error)"
        }
    }

    /// `sha256=` and the hex HMAC-SHA256 of the body's bytes under the secret.
    static func signature(of body: String, secret: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: Array(body.utf8), using: SymmetricKey(data: secret))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }
}
