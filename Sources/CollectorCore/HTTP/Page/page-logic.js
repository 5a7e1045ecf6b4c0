"use strict";
// What the dashboard works out without a browser or a collector: the phrases' placeholders, how long
// ago, a reading as it is read, which alert is worse, the cards' grouping, and the site plan's geometry.
// Loaded before dashboard.js; tested by itself with node (Tests/Page/page-logic.test.js).
const CanaryPage = (() => {
  // "{0} min ago" with its arguments put in; a missing one reads as nothing.
  const fill = (template, args) => template.replace(/\{(\d)\}/g, (_, i) => args[i] ?? "");

  // How long ago `ms` was at `nowMs`, as a phrase's key and its number: under 5 s "just now", then
  // seconds, minutes, hours and days, each counted down (59 s is not "1 min ago").
  function agoPhrase(ms, nowMs) {
    const s = Math.max(0, Math.round((nowMs - ms) / 1000));
    return s < 5 ? ["justNow"] : s < 60 ? ["secondsAgo", s] : s < 3600 ? ["minutesAgo", Math.floor(s / 60)]
      : s < 86400 ? ["hoursAgo", Math.floor(s / 3600)] : ["daysAgo", Math.floor(s / 86400)];
  }

  // A reading as a coordinator reads it: whole within 0.05 of a whole number, else one decimal.
  const number = v => Math.abs(v - Math.round(v)) < 0.05 ? String(Math.round(v)) : v.toFixed(1);

  // An alert's latest change, whichever kind it was (ISO 8601 times in UTC sort as text).
  const changedAt = a => [a.updated, a.acknowledged, a.resolved, a.escalated].filter(Boolean).sort().pop();

  // Whose card an alert goes on: a worker's, or a gateway's (its own alerts).
  const who = a => a.worker ? `${a.site}/${a.worker}` : `${a.site}/gateway ${a.gateway}`;

  // Worse first: an alarm before a pre-alarm before a cleared one, then by severity, then the newest.
  const severityRank = { critical: 0, alarm: 1, warning: 2, info: 3 };
  const stateRank = { alarm: 0, "pre-alarm": 1, cleared: 2 };
  const worse = (a, b) => (stateRank[a.state] ?? 9) - (stateRank[b.state] ?? 9) || (severityRank[a.severity] ?? 9) - (severityRank[b.severity] ?? 9)
    || (b.updated > a.updated ? 1 : -1);

  // One card per worker (or gateway) in danger: their alerts worst first, the worker whose worst is worst first.
  function grouped(list) {
    const groups = new Map();
    for (const a of [...list].sort(worse)) groups.set(who(a), [...(groups.get(who(a)) ?? []), a]);
    return [...groups.values()];
  }

  const centroid = points => [points.reduce((s, p) => s + p[0], 0) / points.length, points.reduce((s, p) => s + p[1], 0) / points.length];

  // A floor's frame maps metres (x east, y north of the site's origin) to the picture: px = ox + x·s,
  // py = oy − y·s. On the floor's picture, as the site's config places it; without one, drawn from its
  // zones, its gateways and the workers on it (`points`, in metres): 20 px a metre, 3 m around.
  function frameOf(floor, points) {
    const i = floor.image;
    if (i) return { ox: i.origin_px[0], oy: i.origin_px[1], s: i.px_per_m, w: i.width_px, h: i.height_px };
    const all = [...floor.zones.flatMap(z => z.outline), ...floor.gateways.map(g => [g.x, g.y]), ...points];
    if (!all.length) all.push([0, 0], [10, 10]);
    const xs = all.map(p => p[0]), ys = all.map(p => p[1]), s = 20;
    const minX = Math.min(...xs) - 3, maxX = Math.max(...xs) + 3, minY = Math.min(...ys) - 3, maxY = Math.max(...ys) + 3;
    return { ox: -minX * s, oy: maxY * s, s, w: (maxX - minX) * s, h: (maxY - minY) * s };
  }

  // Where a worker is on the plans, in metres: the locator's fix, else the centre of the beacons' zone,
  // else the gateway that hears them best (the one the worker was last heard through, when no location
  // came at all); null when none of these is on a plan.
  function positionOf(w, plans) {
    const l = w.location ?? { source: "gateway", zone: w.gateway, time_ms: Date.parse(w.last_seen) };
    const site = plans.find(s => s.id === w.site);
    if (l.source === "locator" && l.x !== undefined && l.y !== undefined) {
      return { site: w.site, x: l.x, y: l.y, level: l.floor ?? 0, accuracy: l.accuracy ?? 0, source: l.source, timeMs: l.time_ms };
    }
    if (l.source === "beacon-zone" && site) {
      for (const f of site.floors) {
        const z = f.zones.find(z => z.name === l.zone);
        if (z) { const [x, y] = centroid(z.outline); return { site: w.site, x, y, level: f.level, accuracy: 0, source: l.source, timeMs: l.time_ms }; }
      }
    }
    const g = site && site.gateways.find(g => g.id === (l.zone ?? w.gateway));
    return g ? { site: w.site, x: g.x, y: g.y, level: g.floor, accuracy: 0, source: "gateway-source", timeMs: l.time_ms } : null;
  }

  return { fill, agoPhrase, number, changedAt, who, worse, grouped, centroid, frameOf, positionOf };
})();
if (typeof module === "object") module.exports = CanaryPage;
