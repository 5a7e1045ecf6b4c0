/// `GET /`: the rescue coordinators' dashboard, a page of four files in
/// `Page/` (index.html, dashboard.css, page-logic.js, dashboard.js), embedded
/// in the binary (the collector stays one file to install) and served from
/// it: no build step, nothing fetched from elsewhere (the control room may
/// have no internet). It answers, within seconds, *who is in danger, where exactly,
/// and what is it*, and shows what the API says and nothing else:
///
/// - one card per worker (or gateway) with unresolved alerts, the worst first:
///   who, the site, where (in the site plan's words), and each alert in words
///   (the collector's `words`, ``AlertWords``: "H₂S 18 ppm, above the 15 ppm
///   limit", never a raw key), since when ("2 min ago", the exact time on
///   hover), who acknowledged it or that it escalated, and the actions on the
///   card: acknowledge, resolve with a reason and a note. From
///   `/api/v1/alerts?handling=unresolved`, kept current by the SSE feed
///   (`/api/v1/alerts/stream`), which it opens *before* loading the list so
///   that no change falls between the two (an alert is kept at its latest
///   change). A cleared alert stays, greyed, until a coordinator resolves it,
///   so one that came and went unseen is still seen. Lines are updated in
///   place, so a note being typed survives the feed's changes;
/// - the site plan (`/api/v1/sites`, ``SitePlans``), floor by floor: its
///   picture or its zones, the gateways in their state, every worker at their
///   last location (the locator's fix with its accuracy, else the centre of
///   the beacons' zone, else their gateway) in their state's colour with the
///   fix's age and source; a worker in alarm pulses. A tap on a card centres
///   the plan on that worker, 30 m across;
/// - on a control-room screen (1000 px and wider) the plan and the cards side
///   by side; on a phone the cards first, one column, no horizontal
///   scrolling, touch targets 44 px high;
/// - English and Traditional Chinese, chosen from the browser's languages
///   and switched with a button (kept in local storage): every string of the
///   page, and the alerts' words;
/// - a token asked for once and kept in the browser's local storage: every
///   read and action of the page carries it (the feed as `access_token`,
///   since `EventSource` cannot set headers; a plan's picture is fetched with
///   it and shown from memory); without one, or with one the collector
///   refuses, the page says so and shows nothing;
/// - workers with their state, last location and latest gas readings, from
///   `/api/v1/workers`, reloaded on every alert and every 5 s;
/// - a real incident resolved with its outcome (deaths, injured, hospitalised;
///   the note describes it, the worker's other open alerts go with it), and
///   the occupational-accident reports with the time left to their legal
///   deadline and their delivery (`/api/v1/reports`, docs/egov.md);
/// - a banner whenever what it shows may be out of date: the page cannot
///   reach the collector (the browser reconnects by itself with
///   `Last-Event-ID`, so nothing is missed), the feed has been silent for
///   three keep-alive intervals (a connection broken without closing; the
///   page connects anew from the last change it has), the collector cannot
///   resume from the last change the page has (`event: reload`: its database
///   was restored or moved aside; the page reloads in full), or the collector says
///   it is cut off from the broker or cannot store. Unknown is not safe, so unknown
///   looks alarming, not quiet;
/// - a tone for every alert that opens, turns into an alarm or escalates, and
///   again every 10 s while an open alert is unacknowledged, until muted.
///   Browsers only play sound after a click on the page; until then the button
///   says that sound is off.
///
/// Values from gateways (worker ids, conditions) are set as text, never as
/// markup. `window.canaryDashboard` exposes what the page holds, how many
/// tones it played, how it orders alerts and its plan's frames, for the
/// browser test (DashboardTests). What the page works out without a browser
/// (phrases, times, ordering, the plan's geometry) is page-logic.js, tested
/// with node by the test command (Tests/Page).
enum DashboardPage {
    /// The page's files by the path each is served at, with its media type.
    static let files: [(path: String, contentType: String, bytes: [UInt8])] = [
        ("/", "text/html; charset=utf-8", PackageResources.index_html),
        ("/dashboard.css", "text/css; charset=utf-8", PackageResources.dashboard_css),
        ("/page-logic.js", "text/javascript; charset=utf-8", PackageResources.page_logic_js),
        ("/dashboard.js", "text/javascript; charset=utf-8", PackageResources.dashboard_js),
    ]
}
