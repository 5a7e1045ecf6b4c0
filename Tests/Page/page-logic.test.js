"use strict";
// The dashboard's own logic, without a browser or a collector (node --test; scripts/test.sh runs it).
// What needs the page's DOM and a collector is DashboardTests, in Chromium.
const test = require("node:test");
const assert = require("node:assert/strict");
const page = require("../../Sources/CollectorCore/HTTP/Page/page-logic.js");

test("a phrase's placeholders take its arguments, and a missing one reads as nothing", () => {
  assert.equal(page.fill("{0} min {1} s", [3, 5]), "3 min 5 s");
  assert.equal(page.fill("閘道器 {0} 的時鐘{2} {1}", ["gw-1", "3 min", "快了"]), "閘道器 gw-1 的時鐘快了 3 min");
  assert.equal(page.fill("heard {0}", []), "heard ");
});

test("how long ago is counted down, and a time ahead of this clock is just now", () => {
  const now = Date.parse("2026-12-08T03:00:00Z");
  const ago = s => page.agoPhrase(now - s * 1000, now);
  assert.deepEqual(ago(4.4), ["justNow"]);
  assert.deepEqual(ago(59), ["secondsAgo", 59]);
  assert.deepEqual(ago(60), ["minutesAgo", 1]);
  assert.deepEqual(ago(3599), ["minutesAgo", 59]);
  assert.deepEqual(ago(7200), ["hoursAgo", 2]);
  assert.deepEqual(ago(86400 * 3 + 5), ["daysAgo", 3]);
  assert.deepEqual(ago(-30), ["justNow"], "a gateway's time a little ahead is not 'in 30 s'");
});

test("a reading is whole when it is within 0.05 of a whole number, else one decimal", () => {
  assert.equal(page.number(20.96), "21");
  assert.equal(page.number(17), "17");
  assert.equal(page.number(17.2), "17.2");
  assert.equal(page.number(0.04), "0");
});

test("an alert's latest change is the latest of its kinds of change", () => {
  assert.equal(page.changedAt({ updated: "2026-12-08T01:00:00Z", acknowledged: "2026-12-08T01:02:00Z" }), "2026-12-08T01:02:00Z");
  assert.equal(page.changedAt({ updated: "2026-12-08T01:05:00Z", acknowledged: "2026-12-08T01:02:00Z" }), "2026-12-08T01:05:00Z");
});

test("cards: the worker whose worst alert is worst first, each card's alerts worst first, a gateway's own card", () => {
  const alert = (id, worker, state, severity, updated, gateway) => ({ id, site: "tank-7", worker, gateway, state, severity, updated });
  const alerts = [
    alert("a1", "lin", "cleared", "alarm", "2026-12-08T01:00:00Z"),
    alert("a2", "chen", "pre-alarm", "warning", "2026-12-08T01:01:00Z"),
    alert("a3", "lin", "alarm", "warning", "2026-12-08T01:02:00Z"),
    alert("a4", null, "alarm", "critical", "2026-12-08T01:03:00Z", "gw-1"),
    alert("a5", "chen", "alarm", "critical", "2026-12-08T00:59:00Z"),
  ];
  const cards = page.grouped(alerts).map(g => g.map(a => a.id));
  assert.deepEqual(cards, [["a4"], ["a5", "a2"], ["a3", "a1"]]);
  assert.equal(page.who(alerts[3]), "tank-7/gateway gw-1");
  // Of two alike, the newer first.
  assert.deepEqual(page.grouped([alert("old", "wu", "alarm", "alarm", "2026-12-08T01:00:00Z"),
    alert("new", "wu", "alarm", "alarm", "2026-12-08T01:09:00Z")])[0].map(a => a.id), ["new", "old"]);
});

test("a floor's picture places metres as its config says: origin, pixels a metre, y up", () => {
  const floor = { image: { origin_px: [40, 500], px_per_m: 25, width_px: 800, height_px: 600 }, zones: [], gateways: [] };
  const f = page.frameOf(floor, [[100, 100]]);
  assert.deepEqual(f, { ox: 40, oy: 500, s: 25, w: 800, h: 600 }, "the picture's frame, whoever stands where");
  assert.deepEqual([f.ox + 2 * f.s, f.oy - 4 * f.s], [90, 400], "2 m east, 4 m north");
});

test("a floor without a picture is drawn around its zones, gateways and workers, 3 m around, 20 px a metre", () => {
  const floor = { zones: [{ name: "tank", outline: [[0, 0], [10, 0], [10, 5], [0, 5]] }], gateways: [{ id: "gw-1", x: 12, y: 1 }] };
  assert.deepEqual(page.frameOf(floor, []), { ox: 60, oy: 160, s: 20, w: 360, h: 220 });
  // A worker outside the zones widens the frame to keep them on it.
  assert.deepEqual(page.frameOf(floor, [[-5, 9]]), { ox: 160, oy: 240, s: 20, w: 460, h: 300 });
  assert.deepEqual(page.frameOf({ zones: [], gateways: [] }, []), { ox: 60, oy: 260, s: 20, w: 320, h: 320 }, "nothing to draw: 10 m square and 3 m around");
});

test("where a worker is: the locator's fix, else the centre of the beacons' zone, else the gateway that hears them", () => {
  const plans = [{ id: "tank-7", floors: [{ level: -1, zones: [{ name: "sump", outline: [[0, 0], [4, 0], [4, 2], [0, 2]] }] }],
    gateways: [{ id: "gw-1", x: 12, y: 1, floor: 0 }] }];
  const fix = { source: "locator", x: 3.5, y: 2, floor: -1, accuracy: 1.5, time_ms: 1000 };
  assert.deepEqual(page.positionOf({ site: "tank-7", location: fix }, plans),
    { site: "tank-7", x: 3.5, y: 2, level: -1, accuracy: 1.5, source: "locator", timeMs: 1000 });
  const zone = { source: "beacon-zone", zone: "sump", time_ms: 2000 };
  assert.deepEqual(page.positionOf({ site: "tank-7", location: zone }, plans),
    { site: "tank-7", x: 2, y: 1, level: -1, accuracy: 0, source: "beacon-zone", timeMs: 2000 });
  const heard = { site: "tank-7", gateway: "gw-1", last_seen: "2026-12-08T01:00:00Z" };
  assert.deepEqual(page.positionOf(heard, plans),
    { site: "tank-7", x: 12, y: 1, level: 0, accuracy: 0, source: "gateway-source", timeMs: Date.parse("2026-12-08T01:00:00Z") });
  assert.equal(page.positionOf({ ...heard, site: "elsewhere" }, plans), null, "a site without a plan: not on the plan");
  assert.equal(page.positionOf({ ...heard, gateway: "gw-9" }, plans), null, "a gateway the plan does not place");
});
