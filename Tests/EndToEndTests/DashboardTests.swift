import Foundation
import Testing
import TestSupport

/// The coordinators' dashboard in a real browser (headless Chromium), against a
/// real collector, broker and agent: it shows what the API says as it happens,
/// and says loudly when it cannot vouch for that.
@Suite struct DashboardTests {
    /// "id state" of every alert row on the page.
    static let pageAlerts = "[...document.querySelectorAll('#alerts tbody tr[data-alert]')].map(r => r.dataset.alert + ' ' + r.className)"
    static let notLive = "document.body.classList.contains('stale') && document.getElementById('feed').textContent === 'NOT LIVE'"
    static let live = "!document.body.classList.contains('stale') && document.getElementById('feed').textContent === 'live'"

    func apiAlerts(_ site: Worksite) throws -> [[String: Any]] {
        let body = try site.get("/api/v1/alerts?limit=500").body
        return (try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: [[String: Any]]])?["alerts"] ?? []
    }

    /// What `expression` shows in the page, for a failure's message.
    func peek(_ browser: Browser, _ expression: String) -> String {
        (try? browser.evaluate(expression)).flatMap { $0 }.map { "\($0)" } ?? "nothing"
    }
    func banner(_ browser: Browser) -> String { peek(browser, "document.getElementById('banner').textContent") }

    @Test(.enabled(if: Browser.isInstalled, "needs chromium-headless-shell (scripts/test.sh installs it)"))
    func theDashboardFollowsAShiftAndSaysWhenItIsNotLive() async throws {
        let site = try Worksite()
        try await site.startCollector()
        let browser = try Browser("http://127.0.0.1:\(site.apiPort)/")
        #expect(try await browser.until(Self.live, within: 60), "\(banner(browser))")
        #expect(try browser.evaluate("document.querySelector('#alerts tbody').textContent") as? String == "no alerts")

        // A shift: every alert the API has is on the page, in its state, without a reload. The agent
        // stops at the end, so its gateway is an alert too.
        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        let deadline = ContinuousClock.now + .seconds(60)
        while try !site.get("/api/v1/alerts?state=open").body.contains("gateway-offline"), ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        let alerts = try apiAlerts(site)
        let expected = Set(alerts.map { "\($0["id"]!) \($0["state"]!)" })
        #expect(alerts.count >= 6)
        #expect(try await browser.until("\(Self.pageAlerts).length === \(expected.count)", within: 30))
        #expect(Set(try browser.evaluate(Self.pageAlerts) as? [String] ?? []) == expected)
        #expect(try browser.evaluate("[...document.querySelectorAll('#alerts td')].some(td => td.textContent === 'gateway gw-1')") as? Bool == true)
        // Every alert sounded once at least (sound plays without a click in this browser's settings).
        #expect(try browser.evaluate("canaryDashboard.sounded") as? Int ?? 0 >= alerts.count)

        // Workers: lin has open alarms; chen's cleared, and with the gateway gone nobody can vouch for chen.
        let workers = "Object.fromEntries([...document.querySelectorAll('#workers tbody tr[data-worker]')].map(r => [r.dataset.worker, r.className]))"
        #expect(try await browser.until("\(workers).lin === 'state-alarm' && \(workers).chen === 'state-unknown'", within: 30),
                "\(peek(browser, workers))")

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
        let gatewayBack = "\(Self.pageAlerts).some(a => a.endsWith(' cleared')) && [...document.querySelectorAll('#alerts tr.cleared td')].some(td => td.textContent === 'gateway gw-1')"
        #expect(try await browser.until(gatewayBack, within: 60), "\(peek(browser, Self.pageAlerts))")
    }
}
