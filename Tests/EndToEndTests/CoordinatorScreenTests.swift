import Foundation
import TestSupport
import Testing

/// The coordinator's screen as a phone (390 × 844) and a control-room screen
/// (1920 × 1080) show it, after a real shift: the plan, the cards in both
/// languages, the actions on the cards. Screenshots of both sizes are saved
/// to `.build/artefacts/` for a person to look at.
extension DashboardTests {
    static let artefacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(".build/artefacts")

    /// Floor 0 on a picture whose origin is at pixel (40, 400), 20 px a metre; floor -1 drawn from its zones.
    static func sitePlans(picture: URL) -> String {
        """
        sites:
          - id: test-site
            name: Tank farm 3
            floors:
              - level: 0
                name: 1F
                image: {file: \(picture.path), width_px: 800, height_px: 500, origin_px: [40, 400], px_per_m: 20}
                zones:
                  - {name: Tank 3, outline: [[5, 4], [11, 4], [11, 9], [5, 9]]}
              - level: -1
                name: B1
                zones:
                  - {name: Pump pit, outline: [[10, 5], [20, 5], [20, 12], [10, 12]]}
            gateways:
              - {id: gw-1, x: 2, y: 2, floor: 0}
        """
    }

    /// Whether anything sticks out of the viewport sideways, and every control is big enough to tap.
    static let fits = """
        document.documentElement.scrollWidth <= innerWidth
          && [...document.querySelectorAll('button, input, select')].filter(e => e.offsetParent !== null)
               .every(e => e.getBoundingClientRect().right <= innerWidth + 0.5 && e.getBoundingClientRect().height >= 44)
        """

    @Test(.enabled(if: Browser.isInstalled, "needs chromium-headless-shell (scripts/test.sh installs it)"))
    func aCoordinatorFindsWhoIsInDangerAndWhereOnAPhoneAndInTheControlRoom() async throws {
        let picture = FileManager.default.temporaryDirectory.appendingPathComponent("canary-plan-\(UUID().uuidString).svg")
        try """
        <svg xmlns="http://www.w3.org/2000/svg" width="800" height="500"><rect width="800" height="500" fill="#f6f1e6"/>\
        <rect x="140" y="220" width="120" height="100" fill="none" stroke="#999"/></svg>
        """.write(to: picture, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: picture) }
        let site = try Worksite(collectorConfig: Self.sitePlans(picture: picture))
        try await site.startCollector()
        // A phone whose owner reads Traditional Chinese: the page speaks it without being asked.
        let browser = try Browser("http://127.0.0.1:\(site.apiPort)/", languages: "zh-TW,zh")
        try browser.resize(width: 390, height: 844, mobile: true)
        try await signIn(browser, "night-token")
        #expect(try await browser.until(Self.live.replacingOccurrences(of: "'live'", with: "'連線中'"), within: 60), "\(banner(browser))")
        #expect(try browser.evaluate("document.documentElement.lang") as? String == "zh-TW")

        let agent = try site.startAgent(speed: 0)
        #expect(await agent.exitCode(within: 120) == 0, "\(agent.errors)")
        try await site.shiftStored()
        let expected = try await apiAlerts(site, "handling=unresolved").count
        #expect(try await browser.until("\(Self.pageAlerts).length === \(expected)", within: 30), "\(peek(browser, Self.pageAlerts))")

        // Who, what and where, in words: each worker in danger on a card that names them and their alarm.
        func card(_ worker: String) -> String { "document.querySelector('#alerts .card[data-who=\"test-site/\(worker)\"]')" }
        let zh = ["chen": "硫化氫", "lin": "跌倒", "wang": "按下求救鈕"]
        for (worker, what) in zh {
            #expect(
                try browser.evaluate(
                    "\(card(worker)).querySelector('.who').textContent === '\(worker)' && \(card(worker)).textContent.includes('\(what)')")
                    as? Bool == true, "\(peek(browser, "\(card(worker))?.textContent"))")
        }
        #expect(try browser.evaluate("\(card("lin")).querySelector('.where').textContent") as? String == "1F Tank 3 內（± 1 m）")
        // wang has no locator: his card says which gateway hears him.
        #expect(try await browser.until("\(card("wang")).querySelector('.where').textContent === '閘道器 gw-1 附近'", within: 10))
        #expect(try browser.evaluate("document.getElementById('alerts').textContent.includes('stillMs')") as? Bool == false, "no raw key")

        // The plan shows each worker where the scenario puts them, within the fix's accuracy: chen and lin by
        // their locators on the picture's frame; wang, who has none, beside the gateway that hears him (within 2 m).
        let workers = try JSONSerialization.jsonObject(with: Data(try await site.get("/api/v1/workers").body.utf8)) as? [String: [[String: Any]]]
        let located = Dictionary(
            uniqueKeysWithValues: (workers?["workers"] ?? []).map { ($0["worker"] as? String ?? "", $0["location"] as? [String: Any]) })
        let scenario = ["chen": (12.5, 3.0), "lin": (8.0, 6.5), "wang": (2.0, 2.0)]
        _ = try browser.evaluate("document.querySelector('#floors button[data-floor=\"test-site|0\"]').click()")
        for (worker, (x, y)) in scenario {
            let dot = "document.querySelector('#plan g.worker[data-worker=\"test-site/\(worker)\"] circle.dot')"
            #expect(
                try await browser.until("\(dot) !== null", within: 30), "\(worker): \(peek(browser, "document.getElementById('plan').innerHTML"))")
            let cx = try browser.evaluate("Number(\(dot).getAttribute('cx'))") as? Double ?? .nan
            let cy = try browser.evaluate("Number(\(dot).getAttribute('cy'))") as? Double ?? .nan
            let metres = ((cx - 40) / 20, (400 - cy) / 20)
            let accuracy = worker == "wang" ? 2 : located[worker]??["accuracy"] as? Double ?? 0
            #expect(
                abs(metres.0 - x) <= accuracy + 0.05 && abs(metres.1 - y) <= accuracy + 0.05,
                "\(worker) drawn at \(metres), the scenario has (\(x), \(y)), accuracy \(accuracy) m")
        }
        #expect(
            try browser.evaluate("document.querySelector('#plan g.worker[data-worker=\"test-site/lin\"] .ring') !== null") as? Bool == true,
            "in alarm: pulses")
        #expect(
            try browser.evaluate("document.querySelector('#plan g.gateway[data-gateway=\"gw-1\"]').classList.contains('offline')") as? Bool == true)
        #expect(try browser.evaluate(Self.fits) as? Bool == true, "\(peek(browser, "[document.documentElement.scrollWidth, innerWidth]"))")
        _ = try browser.evaluate("window.scrollTo(0, 0)")
        try browser.screenshot(to: Self.artefacts.appendingPathComponent("dashboard-390x844-zh-TW.png"))

        // A tap on lin's card centres the plan on lin.
        _ = try browser.evaluate("\(card("lin")).querySelector('.head').click()")
        let centre =
            "(() => { const [x, y, w, h] = document.getElementById('plan').getAttribute('viewBox').split(' ').map(Number); return [x + w / 2, y + h / 2]; })()"
        let linDot = "document.querySelector('#plan g.worker[data-worker=\"test-site/lin\"] circle.dot')"
        #expect(
            try await browser.until(
                "(() => { const [x, y] = \(centre); return Math.abs(x - Number(\(linDot).getAttribute('cx'))) < 1 && Math.abs(y - Number(\(linDot).getAttribute('cy'))) < 1; })()",
                within: 10), "\(peek(browser, centre))")

        // Acknowledged from the card on the phone.
        let chenGas = try #require(
            try await apiAlerts(site, "handling=unresolved").first { $0["worker"] as? String == "chen" && $0["kind"] as? String == "gas" }?["id"]
                as? Int)
        let chenLine = "document.querySelector('#alerts .alert[data-alert=\"\(chenGas)\"]')"
        _ = try browser.evaluate("\(chenLine).querySelector('button.acknowledge').click()")
        #expect(try await browser.until("\(chenLine).dataset.handling === 'acknowledged'", within: 30))
        #expect(
            try await apiAlerts(site, "handling=acknowledged").contains {
                $0["id"] as? Int == chenGas && $0["acknowledged_by"] as? String == "Night shift"
            })

        // The control room, in English (switched on the page): the plan and the cards side by side.
        _ = try browser.evaluate("document.getElementById('lang').click()")
        #expect(try await browser.until("\(card("lin")).textContent.includes('fall') && document.documentElement.lang === 'en'", within: 10))
        #expect(
            try browser.evaluate("\(card("chen")).textContent.includes('H₂S') && \(card("wang")).textContent.includes('SOS pressed')") as? Bool
                == true)
        #expect(try browser.evaluate("\(card("lin")).querySelector('.where').textContent") as? String == "in Tank 3, 1F (± 1 m)")
        try browser.resize(width: 1920, height: 1080, mobile: false)
        let sideBySide = """
            (() => { const p = document.getElementById('plan-section').getBoundingClientRect(), a = document.getElementById('alerts-section').getBoundingClientRect();
                     return p.right <= a.left && p.top < a.bottom && a.top < p.bottom && p.width > 800; })()
            """
        #expect(
            try await browser.until(sideBySide, within: 10),
            "\(peek(browser, "JSON.stringify(['plan-section', 'alerts-section'].map(id => document.getElementById(id).getBoundingClientRect()))"))")
        #expect(try browser.evaluate(Self.fits) as? Bool == true)
        _ = try browser.evaluate("window.scrollTo(0, 0)")
        try browser.screenshot(to: Self.artefacts.appendingPathComponent("dashboard-1920x1080-en.png"))

        // Resolved from the card: it leaves the page.
        _ = try browser.evaluate(
            """
            (() => { const r = \(chenLine); r.querySelector('select.reason').value = 'false-alarm'; r.querySelector('button.resolve').click(); })()
            """)
        #expect(try await browser.until("\(chenLine) === null", within: 30))
        #expect(
            try await apiAlerts(site, "handling=resolved").contains { $0["id"] as? Int == chenGas && $0["resolution"] as? String == "false-alarm" })
    }
}
