import Foundation
import LocalServices
import TestSupport
import Testing

/// What a malicious gateway on the site network, or a curious visitor's
/// browser, could do to the real collector (docs/collector.md, "Access",
/// "Exports"), and what stops it.
@Suite struct SecurityRoundTwoTests {
    func publish(_ site: Worksite, _ kind: String, _ message: String) throws {
        let topic = "canary/v1/test-site/gw-6/\(kind)"
        #expect(try runToEnd(["/usr/bin/mosquitto_pub", "-p", "\(site.broker.port)", "-q", "1", "-t", topic, "-m", message]) == 0)
    }

    func alarm(_ subject: String, condition: String = "", id: String) -> String {
        let t: Int64 = 1_767_254_400_000
        let quoted = String(decoding: try! JSONEncoder().encode(subject), as: UTF8.self)
        let cond = String(decoding: try! JSONEncoder().encode(condition), as: UTF8.self)
        return """
            {"specversion":"1.0","id":"\(t)-\(id)","source":"canary://test-site/gw-6","type":"tw.canary.alarm.gas",\
            "time":"2026-01-01T08:00:00.000Z","subject":\(quoted),"data":{"kind":"gas","condition":\(cond),\
            "phase":"alarm","severity":"alarm","time_ms":\(t),"values":{"value":-1.5,"=cmd|' /C calc'!A0":1}}}
            """
    }

    /// A gateway names workers, devices and conditions within bounds: a 10,000-character worker id, one that is only
    /// white space, one with U+202E or ESC, a condition carrying HTML or a formula, a name not in NFC, a reading's
    /// worker with a NUL: each refused and counted, none stored; a worker named 林 or José is a name like any other.
    @Test func namesFromAGatewayAreBoundedInLengthAndCharacters() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let bad = [
            alarm(String(repeating: "x", count: 10_000), id: "long"), alarm("   ", id: "blank"), alarm("lin\u{202E}evil", id: "bidi"),
            alarm("lin\u{1B}[31m", id: "esc"), alarm("lin", condition: "<img src=x onerror=alert(1)>", id: "html"),
            alarm("lin", condition: "=HYPERLINK(\"http://evil.example/\")", id: "formula"), alarm("jose\u{301}", id: "nfd"),
        ]
        for message in bad { try publish(site, "events", message) }
        try publish(
            site, "telemetry",
            """
            {"specversion":"1.0","id":"1767254400000-telemetry-nul","source":"canary://test-site/gw-6","type":"tw.canary.telemetry",\
            "time":"2026-01-01T08:00:00.000Z","data":{"readings":[{"kind":"gas","device":"D6","worker":"mei\\u0000","time_ms":1767254400000,\
            "values":{"o2":20.9}}]}}
            """)
        for (k, name) in ["林", "José"].enumerated() { try publish(site, "events", alarm(name, id: "good\(k)")) }
        try await site.eventually { try await site.metricSum("canary_collector_messages_rejected_total", labels: []) >= 8 }
        #expect(try await site.metricSum("canary_collector_messages_rejected_total", labels: []) == 8)
        try await site.eventually { try await site.get("/api/v1/events").body.contains("good1") }
        let events = try await site.get("/api/v1/events").body
        #expect(events.contains("good0") && events.contains("good1"))
        for id in ["long", "blank", "bidi", "esc", "html", "formula", "nfd"] { #expect(!events.contains("-\(id)\""), "\(id) was stored") }
    }

    /// Telemetry naming 300 workers nobody heard of from one gateway: every reading stored, 200 workers listed,
    /// the rest counted; an alarm of an unlisted worker still lists them.
    @Test func aGatewayListsABoundedNumberOfNewWorkers() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let t: Int64 = 1_767_254_400_000
        for part in 0..<3 {
            let readings = (0..<100).map { i in
                #"{"kind":"gas","device":"D\#(part)-\#(i)","worker":"w\#(part * 100 + i)","time_ms":\#(t),"values":{"o2":20.9}}"#
            }
            try publish(
                site, "telemetry",
                """
                {"specversion":"1.0","id":"\(t)-telemetry-\(part)","source":"canary://test-site/gw-6","type":"tw.canary.telemetry",\
                "time":"2026-01-01T08:00:00.000Z","data":{"readings":[\(readings.joined(separator: ","))]}}
                """)
        }
        try await site.eventually { try await site.metric("canary_collector_workers_unlisted_total") >= 100 }
        #expect(try await site.metric("canary_collector_workers_unlisted_total") == 100)
        #expect(try await site.metricSum("canary_collector_stored_total", labels: [#"kind="reading""#]) == 300)
        let listed = try await site.get("/api/v1/workers").body.components(separatedBy: #""worker":"#).count - 1
        #expect(listed == 200)
        try publish(site, "events", alarm("w299", id: "unlisted-alarm"))
        try await site.eventually { try await site.get("/api/v1/workers").body.contains(#""worker":"w299""#) }
    }

    /// A value name `=cmd|…` in an alarm and `=1+1` in telemetry reach the researchers' CSV as text a spreadsheet
    /// does not evaluate; negative numbers stay numbers.
    @Test func aFormulaFromAGatewayReachesTheResearchersCSVAsText() async throws {
        let site = try Worksite()
        try await site.startCollector()
        try publish(site, "events", alarm("mei", id: "formula"))
        try publish(
            site, "telemetry",
            """
            {"specversion":"1.0","id":"1767254400000-telemetry-1","source":"canary://test-site/gw-6","type":"tw.canary.telemetry",\
            "time":"2026-01-01T08:00:00.000Z","data":{"readings":[{"kind":"gas","device":"D6","worker":"mei","time_ms":1767254400000,\
            "values":{"=1+1":2,"o2":-0.5}}]}}
            """)
        try await site.eventually {
            let events = try await site.get("/api/v1/export/events.csv", token: "researcher-token").body
            let telemetry = try await site.get("/api/v1/export/telemetry.csv", token: "researcher-token").body
            return events.contains("calc") && telemetry.contains("1+1")
        }
        let events = try await site.get("/api/v1/export/events.csv", token: "researcher-token").body
        #expect(events.contains(",'=cmd|' /C calc'!A0=1;value=-1.5"), "\(events)")
        let telemetry = try await site.get("/api/v1/export/telemetry.csv", token: "researcher-token").body
        #expect(telemetry.contains(",'=1+1,2") && !telemetry.contains(",=1+1,"), "\(telemetry)")
        #expect(telemetry.contains(",o2,-0.5"), "a negative number is data, not a formula: \(telemetry)")
    }

    /// The page cannot be framed, run another's script or be sniffed; the API's answers are never cached; `/metrics`
    /// without a token only for a request that names this machine; a webhook URL's credentials and keys stay out of
    /// the config view and the audit log.
    @Test func headersAndSecretsKeepThePageAndTheDataToThemselves() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("canary-hook-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let secretFile = directory.appendingPathComponent("hook.secret")
        try "a-webhook-secret-of-32-characters\n".write(to: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile.path, 0o600)
        let site = try Worksite(
            collectorConfig: """
                webhooks:
                  - {name: sms, url: "http://gw-user:gw-pass@127.0.0.1:9/send?key=SECRET-KEY&to=0912345678", secret_file: \(secretFile.path)}
                """)
        try await site.startCollector()

        let page = try await site.get("/", token: nil)
        let csp = try #require(page.headers["content-security-policy"])
        #expect(csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"), "\(csp)")
        #expect(page.headers["x-frame-options"] == "DENY" && page.headers["x-content-type-options"] == "nosniff")
        // The page's script is the collector's own file, served as script and never sniffed into anything else.
        let script = try await site.get("/dashboard.js", token: nil)
        #expect(script.status == 200 && script.body.contains("canaryDashboard"))
        #expect(script.headers["content-type"] == "text/javascript; charset=utf-8" && script.headers["x-content-type-options"] == "nosniff")

        for path in ["/api/v1/alerts", "/api/v1/workers", "/api/v1/config", "/api/v1/gateways"] {
            let r = try await site.get(path)
            #expect(r.headers["cache-control"] == "no-store" && r.headers["x-content-type-options"] == "nosniff", "\(path): \(r.headers)")
        }
        #expect(try await site.get("/api/v1/alerts", token: nil).headers["cache-control"] == "no-store", "a refusal too")

        #expect(try await APIClient.get(port: site.apiPort, "/metrics").status == 200)
        #expect(try await APIClient.get(port: site.apiPort, "/metrics", headers: ["Host": "localhost:\(site.apiPort)"]).status == 200)
        let rebound = try await APIClient.get(port: site.apiPort, "/metrics", headers: ["Host": "evil.example:\(site.apiPort)"])
        #expect(rebound.status == 401, "a page of evil.example resolved to 127.0.0.1 reads nothing")
        let admin = try await APIClient.get(
            port: site.apiPort, "/metrics", headers: ["Host": "evil.example", "Authorization": "Bearer admin-token"])
        #expect(admin.status == 200)

        let config = try await site.get("/api/v1/config", token: "admin-token").body
        let audit = try await site.get("/api/v1/audit", token: "admin-token").body
        for text in [config, audit] {
            #expect(!text.contains("gw-pass") && !text.contains("SECRET-KEY") && !text.contains("0912345678"), "\(text)")
            #expect(text.contains("REDACTED@127.0.0.1:9"), "the receiver is still named: \(text)")
        }
    }

    /// What the headers do in a real browser: a page of the collector's own origin that is not the dashboard
    /// (`/healthz`, which sends no policy of its own) frames the dashboard, and Chromium shows an error page in the
    /// frame instead (`X-Frame-Options: DENY`, `frame-ancestors 'none'`), where without them the page was framed.
    @Test(.enabled(if: Browser.isInstalled, "needs chromium-headless-shell (scripts/test.sh installs it)"))
    func theDashboardCannotBeFramedInARealBrowser() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let browser = try Browser("http://127.0.0.1:\(site.apiPort)/healthz")
        #expect(try await browser.until("document.body?.textContent.includes('ok') === true", within: 60))
        _ = try browser.evaluate(
            """
            (() => { const f = document.createElement('iframe');
              f.onload = () => { window.framed = f.contentDocument === null ? 'blocked' : (f.contentDocument.getElementById('alerts') ? 'framed' : 'empty'); };
              f.src = '/'; document.body.appendChild(f); })()
            """)
        #expect(try await browser.until("window.framed !== undefined", within: 60))
        #expect(try browser.evaluate("window.framed") as? String == "blocked")
    }

    /// A worker whose id is not ASCII reads their own data: the path's name is percent-decoded once and compared in
    /// NFC, whichever way the phone and the config spelled it; a name spelled with escapes is the same name.
    @Test func aWorkerNamedOutsideASCIIReadsTheirOwnData() async throws {
        let site = try Worksite()
        try await site.startCollector()
        for (k, name) in ["林", "jos\u{E9}", "lin"].enumerated() { try publish(site, "events", alarm(name, id: "own\(k)")) }
        try await site.eventually { try await site.get("/api/v1/events").body.contains("own2") }
        let zh = try await site.get("/api/v1/mydata/test-site/%E6%9E%97", token: "zh-lin-token")
        #expect(zh.status == 200 && zh.body.contains("own0"), "\(zh.status) \(zh.body)")
        for path in ["jos%C3%A9", "jose%CC%81"] {
            let jose = try await site.get("/api/v1/mydata/test-site/\(path)", token: "jose-token")
            #expect(jose.status == 200 && jose.body.contains("own1"), "\(path): \(jose.status) \(jose.body)")
        }
        let lin = try await site.get("/api/v1/mydata/test-site/l%69n", token: "lin-token")
        #expect(lin.status == 200 && lin.body.contains("own2"), "\(lin.status)")
        #expect(try await site.get("/api/v1/mydata/test-site/%E6%9E%97", token: "lin-token").status == 403, "still only their own")
    }

    /// The audit log says what happened: a second coordinator's acknowledgement of an alert someone acknowledged is
    /// refused (409, naming who) and is no action in the log; an outcome naming an alert nobody raised is refused even
    /// when nothing is reported; a HEAD on an export exports nothing and is no export in the log.
    @Test func theAuditLogRecordsWhatHappenedNotReplaysOrProbes() async throws {
        let site = try Worksite()
        try await site.startCollector()
        try publish(site, "events", alarm("mei", id: "replayed"))
        try await site.eventually { try await site.get("/api/v1/alerts").body.contains("replayed") }
        let body = try await site.get("/api/v1/alerts").body
        let alerts = (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["alerts"] ?? []
        let id = try #require(alerts.first?["id"] as? Int)
        #expect(try await site.post("/api/v1/alerts/\(id)/acknowledge", token: "night-token").status == 200)
        let again = try await site.post("/api/v1/alerts/\(id)/acknowledge", token: "all-token")
        #expect(again.status == 409 && again.body.contains("Night shift"), "\(again.status) \(again.body)")
        let noSuch = try await site.post(
            "/api/v1/alerts/\(id)/resolve", token: "night-token",
            json: #"{"reason":"real-incident","outcome":{"deaths":0,"injured":1,"hospitalised":0,"description":"a cut","related_alerts":[999999]}}"#)
        #expect(noSuch.status == 400 && noSuch.body.contains("999999"), "\(noSuch.status) \(noSuch.body)")
        let head = try await APIClient.request(
            "HEAD", port: site.apiPort, "/api/v1/export/events.csv", headers: ["Authorization": "Bearer researcher-token"])
        #expect(head.status == 200)
        let audit = try await site.get("/api/v1/audit", token: "admin-token").body
        #expect(audit.components(separatedBy: #""action":"acknowledge""#).count - 1 == 1, "\(audit)")
        #expect(!audit.contains(#""action":"resolve""#) && !audit.contains(#""action":"export""#), "\(audit)")
    }

    /// The probe's rewrite of who acknowledged an alert, made in the database file while the collector was stopped,
    /// is found at its next start: a critical log line, an `audit-broken` alert on the coordinators' list, and
    /// `/api/v1/audit/verify` (administrators only) names the entry; a head noted before the rewrite still holds.
    @Test func aRewrittenAuditEntryIsFoundAtTheNextStart() async throws {
        let site = try Worksite()
        try await site.startCollector()
        try publish(site, "events", alarm("mei", id: "acknowledged"))
        try await site.eventually { try await site.get("/api/v1/alerts").body.contains("acknowledged") }
        let id = try #require(try site.collectorDB { try Int64.fetchOne($0, sql: "SELECT alert_id FROM alerts") })
        #expect(try await site.post("/api/v1/alerts/\(id)/acknowledge", token: "night-token").status == 200)
        let whole = try await site.get("/api/v1/audit/verify", token: "admin-token")
        #expect(whole.status == 200 && whole.body.contains(#""intact":true"#) && whole.body.contains(#""broken":0"#), "\(whole.body)")
        #expect(try await site.get("/api/v1/audit/verify", token: "night-token").status == 403)
        let seq = try #require(try site.collectorDB { try Int64.fetchOne($0, sql: "SELECT seq FROM audit WHERE action = 'acknowledge'") })
        let hash = try #require(try site.collectorDB { try String.fetchOne($0, sql: "SELECT hash FROM audit WHERE seq = ?", arguments: [seq]) })

        site.collector.kill(SIGTERM)
        #expect(await site.collector.exitCode(within: 30) == 0)
        try site.collectorWrite {
            try $0.execute(
                sql: "INSERT OR REPLACE INTO audit (seq, time_ms, action, actor, address, detail) SELECT seq, time_ms, action, 'Somebody Else', "
                    + "'10.9.9.9', detail FROM audit WHERE seq = ?", arguments: [seq])
        }
        try await site.startCollector()
        #expect(site.collector.errors.contains("critical") && site.collector.errors.contains("hash chain breaks at entries \(seq)"))
        let alerts = try await site.get("/api/v1/alerts?state=open").body
        #expect(alerts.contains(#""kind":"audit-broken""#) && alerts.contains("the audit log was altered at entry \(seq)"), "\(alerts)")
        let verified = try await site.get("/api/v1/audit/verify?seq=\(seq)&hash=\(hash)", token: "admin-token")
        // The entry has no hash now, so the one after it (if any) cannot be checked either: listed too.
        #expect(verified.body.contains(#""intact":false"#) && verified.body.contains(#""breaks":[\#(seq)"#), "\(verified.body)")
        #expect(verified.body.contains(#""anchor_holds":false"#), "the rewritten entry's hash is not the one noted")
        #expect(try await site.get("/api/v1/audit/verify?seq=1&hash=xyz", token: "admin-token").status == 400)
    }
}
