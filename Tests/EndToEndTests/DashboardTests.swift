import Foundation
import TestSupport
import Testing

/// The coordinators' dashboard in a real browser (headless Chromium), against a
/// real collector, broker and agent: it shows what the API says as it happens,
/// and says loudly when it cannot vouch for that.
@Suite struct DashboardTests {
    /// "id state" of every alert row on the page.
    static let pageAlerts = "[...document.querySelectorAll('#alerts .alert[data-alert]')].map(r => r.dataset.alert + ' ' + r.dataset.state)"
    static let notLive = "document.body.classList.contains('stale') && document.getElementById('feed').textContent === 'NOT LIVE'"
    static let live = "!document.body.classList.contains('stale') && document.getElementById('feed').textContent === 'live'"

    func apiAlerts(_ site: Worksite, _ query: String) async throws -> [[String: Any]] {
        let body = try await site.get("/api/v1/alerts?limit=500&\(query)").body
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["alerts"] ?? []
    }

    /// What `expression` shows in the page, for a failure's message.
    func peek(_ browser: Browser, _ expression: String) -> String {
        (try? browser.evaluate(expression)).flatMap { $0 }.map { "\($0)" } ?? "nothing"
    }
    func banner(_ browser: Browser) -> String { peek(browser, "document.getElementById('banner').textContent") }

    /// Types `token` into the page's token field, as a coordinator does; the page starts afresh with it.
    func signIn(_ browser: Browser, _ token: String) async throws {
        #expect(try await browser.until("document.readyState === 'complete' && document.getElementById('token') !== null", within: 60))
        _ = try browser.evaluate(
            """
            (() => { const t = document.getElementById('token'); t.value = '\(token)'; t.dispatchEvent(new Event('change')); })()
            """)
    }

    @Test(.enabled(if: Browser.isInstalled, "needs chromium-headless-shell (scripts/test.sh installs it)"))
    func theDashboardFollowsAShiftAndSaysWhenItIsNotLive() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let browser = try Browser("http://127.0.0.1:\(site.apiPort)/")
        // Without a token the page shows nothing and says what it needs; a token the collector does not
        // know, or one without the coordinator role, is refused in words.
        #expect(
            try await browser.until("document.getElementById('banner').textContent.includes('Enter your token')", within: 60), "\(banner(browser))")
        #expect(try browser.evaluate(Self.notLive) as? Bool == true)
        try await signIn(browser, "day-token")
        #expect(
            try await browser.until("document.getElementById('banner').textContent.includes('does not accept this token')", within: 60),
            "\(banner(browser))")
        try await signIn(browser, "researcher-token")
        #expect(
            try await browser.until("document.getElementById('banner').textContent.includes('needs the coordinator role')", within: 60),
            "\(banner(browser))")
        try await signIn(browser, "night-token")
        #expect(try await browser.until(Self.live, within: 60), "\(banner(browser))")
        #expect(try browser.evaluate("document.querySelector('#alerts').textContent") as? String == "No one in danger")

        // A shift: every alert the API has is on the page, in its state, without a reload. The agent
        // stops at the end, so its gateway is an alert too.
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        try await site.shiftStored()
        let alerts = try await apiAlerts(site, "handling=unresolved")
        let expected = Set(alerts.map { "\($0["id"]!) \($0["state"]!)" })
        #expect(alerts.count >= 6)
        #expect(try await browser.until("\(Self.pageAlerts).length === \(expected.count)", within: 30))
        #expect(Set(try browser.evaluate(Self.pageAlerts) as? [String] ?? []) == expected)
        #expect(try browser.evaluate("[...document.querySelectorAll('#alerts .who')].some(e => e.textContent === 'gateway gw-1')") as? Bool == true)
        // A worker's alerts stand together on one card: lin's fall and immobility.
        let lin = "[...document.querySelectorAll('#alerts .card[data-who=\"test-site/lin\"] .alert:not(.cleared)')].length"
        #expect(
            try browser.evaluate(lin) as? Int == 2,
            "\(peek(browser, "[...document.querySelectorAll('#alerts .card')].map(r => r.dataset.who)"))")
        // Grouping keeps a worker's alerts together where severity and time alone would part them.
        let order = """
            canaryDashboard.grouped([
              {id: 1, site: 's', worker: 'lin', severity: 'critical', updated: '2026-01-01T00:00:01Z'},
              {id: 2, site: 's', worker: 'wang', severity: 'critical', updated: '2026-01-01T00:00:02Z'},
              {id: 3, site: 's', worker: 'lin', severity: 'alarm', updated: '2026-01-01T00:00:03Z'},
              {id: 4, site: 's', worker: '', gateway: 'gw-1', severity: 'warning', updated: '2026-01-01T00:00:04Z'},
              {id: 5, site: 's', worker: 'zhao', severity: 'alarm', updated: '2026-01-01T00:00:05Z'}]).map(a => a.id)
            """
        #expect(try browser.evaluate(order) as? [Int] == [2, 1, 3, 5, 4])
        // Every alert sounded once at least (sound plays without a click in this browser's settings).
        #expect(try browser.evaluate("canaryDashboard.sounded") as? Int ?? 0 >= alerts.count)

        // Workers: lin has open alarms; chen's cleared, and with the gateway gone nobody can vouch for chen.
        let workers = "Object.fromEntries([...document.querySelectorAll('#workers li[data-worker]')].map(r => [r.dataset.worker, r.className]))"
        #expect(
            try await browser.until("\(workers).lin === 'state-alarm' && \(workers).chen === 'state-unknown'", within: 30),
            "\(peek(browser, workers))")

        // A coordinator acknowledges lin's fall on the page, then resolves it as a false alarm with a note:
        // the collector records who, and the resolved alert leaves the page.
        let fall = try #require(alerts.first { $0["worker"] as? String == "lin" && $0["kind"] as? String == "fall" }?["id"] as? Int)
        let row = "document.querySelector('#alerts .alert[data-alert=\"\(fall)\"]')"
        _ = try browser.evaluate("\(row).querySelector('button.acknowledge').click()")
        #expect(
            try await browser.until("\(row).dataset.handling === 'acknowledged' && \(row).querySelector('button.acknowledge').hidden", within: 30))
        #expect(
            try await apiAlerts(site, "handling=acknowledged").contains {
                $0["id"] as? Int == fall && $0["acknowledged_by"] as? String == "Night shift"
            })
        // No reason is chosen for the coordinator: a tap on Resolve without one asks for it and resolves nothing.
        #expect(try browser.evaluate("\(row).querySelector('select.reason').value") as? String == "")
        _ = try browser.evaluate("\(row).querySelector('button.resolve').click()")
        #expect(try await browser.until("document.getElementById('message').textContent.includes('Choose why')", within: 10))
        #expect(try await apiAlerts(site, "handling=resolved").contains { $0["id"] as? Int == fall } == false)
        _ = try browser.evaluate(
            """
            (() => { const r = \(row); r.querySelector('select.reason').value = 'false-alarm'; r.querySelector('input.note').value = 'dropped helmet';
                     r.querySelector('button.resolve').click(); })()
            """)
        #expect(try await browser.until("\(row) === null", within: 30), "\(peek(browser, Self.pageAlerts))")
        #expect(
            try await apiAlerts(site, "handling=resolved").contains {
                $0["id"] as? Int == fall && $0["resolution"] as? String == "false-alarm" && $0["note"] as? String == "dropped helmet"
            })
        #expect(try browser.evaluate("localStorage.getItem('canaryToken')") as? String == "night-token", "the token is kept")

        // A note half typed on one alert survives a change to it from elsewhere (another coordinator's acknowledgement).
        let sos = try #require(alerts.first { $0["worker"] as? String == "wang" && $0["kind"] as? String == "sos" }?["id"] as? Int)
        let sosRow = "document.querySelector('#alerts .alert[data-alert=\"\(sos)\"]')"
        _ = try browser.evaluate("\(sosRow).querySelector('input.note').value = 'radio contact at'")
        #expect(try await site.post("/api/v1/alerts/\(sos)/acknowledge", token: "night-token").status == 200)
        #expect(try await browser.until("\(sosRow).dataset.handling === 'acknowledged'", within: 30))
        #expect(try browser.evaluate("\(sosRow).querySelector('input.note').value") as? String == "radio contact at")

        // The broker goes away: the collector says it is cut off, and so does the page.
        site.broker.stop()
        #expect(try await browser.until(Self.notLive, within: 60))
        #expect(banner(browser).contains("cut off from the broker"))
        try site.broker.start()
        #expect(try await browser.until(Self.live, within: 60), "\(banner(browser))")

        // The collector dies: the page says it cannot reach it. Back on the same port, the page catches up
        // by itself: the gateway's return (its alert cleared) reaches it without a reload.
        try site.keepAPIPort()
        site.collector.kill(SIGKILL)
        #expect(try await browser.until(Self.notLive, within: 30))
        #expect(banner(browser).contains("cannot be reached"))
        try await site.startCollector()
        #expect(try await browser.until(Self.live, within: 60), "\(banner(browser))")
        let again = try site.startAgent(speed: 0, label: "agent-2")
        #expect(await again.exitCode(within: 120) == 0, "\(again.errors)")
        let gatewayBack =
            "[...document.querySelectorAll('#alerts .card')].some(c => c.querySelector('.who').textContent === 'gateway gw-1' && c.querySelector('.alert.cleared') !== null)"
        #expect(try await browser.until(gatewayBack, within: 60), "\(peek(browser, Self.pageAlerts))")
    }

    /// A connection that breaks without closing (a pulled cable; here the collector stopped with
    /// SIGSTOP, whose kernel keeps the socket open) sends nothing: after three keep-alive intervals
    /// the page says it is not live, and once the collector speaks again it catches up from where it was.
    @Test(.enabled(if: Browser.isInstalled, "needs chromium-headless-shell (scripts/test.sh installs it)"))
    func aCollectorThatGoesSilentIsNotLiveUntilItSpeaksAgain() async throws {
        let site = try Worksite(keepAlive: "1s")
        try await site.startCollector()
        let browser = try Browser("http://127.0.0.1:\(site.apiPort)/")
        try await signIn(browser, "night-token")
        #expect(try await browser.until(Self.live, within: 60), "\(banner(browser))")
        // A page that resumes from beyond the collector's last change (its database was restored) is
        // told to reload, and does: what it held may be missing alarms.
        _ = try browser.evaluate("window.beforeReload = true; canaryDashboard.lastEventId = '999999'; feed.close(); connect(); true")
        #expect(try await browser.until("window.beforeReload === undefined && \(Self.live)", within: 60), "\(banner(browser))")
        #expect(try browser.evaluate("canaryDashboard.keepAliveMs") as? Int == 1_000)
        #expect(try browser.evaluate("canaryDashboard.lastEventId") as? String == "0", "where to resume: the keep-alive's id")

        site.collector.kill(SIGSTOP)
        #expect(try await browser.until(Self.notLive, within: 30))
        #expect(banner(browser).contains("gone silent"))
        // Meanwhile a shift's alarms wait at the broker for the stopped collector.
        let agent = try site.startAgent(speed: 0)
        site.collector.kill(SIGCONT)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        #expect(try await browser.until(Self.live, within: 30), "\(banner(browser))")
        try await site.shiftStored()
        let expected = Set(try await apiAlerts(site, "handling=unresolved").map { "\($0["id"]!) \($0["state"]!)" })
        #expect(expected.count >= 6)
        #expect(try await browser.until("\(Self.pageAlerts).length === \(expected.count)", within: 30), "\(peek(browser, Self.pageAlerts))")
        #expect(Set(try browser.evaluate(Self.pageAlerts) as? [String] ?? []) == expected)

        // wang's SOS was a real incident that sent him to hospital: resolved with its outcome on the page,
        // it becomes a report whose deadline the page counts down.
        let sos = try #require(
            try await apiAlerts(site, "handling=unresolved").first { $0["worker"] as? String == "wang" && $0["kind"] as? String == "sos" }?["id"]
                as? Int)
        let row = "document.querySelector('#alerts .alert[data-alert=\"\(sos)\"]')"
        _ = try browser.evaluate(
            """
            (() => { const r = \(row); const reason = r.querySelector('select.reason'); reason.value = 'real-incident';
                     reason.dispatchEvent(new Event('change'));
                     r.querySelector('span.outcome input.injured').value = '1'; r.querySelector('span.outcome input.hospitalised').value = '1';
                     r.querySelector('input.note').value = 'wang collapsed at the manhole, taken to hospital';
                     r.querySelector('button.resolve').click(); })()
            """)
        // A real incident is confirmed with its outcome first: the first tap only says what will be sent.
        #expect(
            try await browser.until("\(row).querySelector('.confirm').textContent.includes('0 dead, 1 injured, 1 in hospital')", within: 10),
            "\(peek(browser, "\(row).textContent"))")
        #expect(try await apiAlerts(site, "handling=resolved").contains { $0["id"] as? Int == sos } == false)
        _ = try browser.evaluate("\(row).querySelector('button.resolve').click()")
        let reportRow = "document.querySelector('#reports li[data-report]')"
        #expect(
            try await browser.until("\(reportRow) !== null && \(reportRow).textContent.includes('min left')", within: 30),
            "\(peek(browser, "document.querySelector('#reports').textContent"))")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(try await site.get("/api/v1/reports").body.utf8)) as? [String: [[String: Any]]])
        #expect(report["reports"]?.first?["alert"] as? Int == sos && report["reports"]?.first?["state"] as? String == "pending")
    }
}
