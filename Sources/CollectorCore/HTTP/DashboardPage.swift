/// `GET /`: the rescue coordinators' dashboard, one self-contained page (no
/// build step, nothing fetched from elsewhere: the control room may have no
/// internet). It shows what the API says and nothing else:
///
/// - every unresolved alert, open ones first, a worker's together (the worker
///   whose worst is worst first), from
///   `/api/v1/alerts?handling=unresolved`, kept current by the SSE feed
///   (`/api/v1/alerts/stream`), which it opens *before* loading the list so
///   that no change falls between the two (an alert is kept at its latest
///   change); one that cleared stays, greyed, until a coordinator resolves
///   it, so one that came and went unseen is still seen;
/// - a token asked for once and kept in the browser's local storage: every
///   read and action of the page carries it (the feed as `access_token`,
///   since `EventSource` cannot set headers); without one, or with one the
///   collector refuses, the page says so and shows nothing;
/// - acknowledge and resolve (with a reason and a note) on each alert; rows
///   are updated in place, so a note being typed survives the feed's changes;
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
/// tones it played and how it orders alerts, for the browser test
/// (DashboardTests).
enum DashboardPage {
    static let html = #"""
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>Canary: live alerts</title>
        <style>
          body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #f4f4f4; color: #111; }
          header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; background: #222; color: #fff; flex-wrap: wrap; }
          header h1 { font-size: 1.2em; margin: 0; flex: 1; }
          #feed { padding: .2em .6em; border-radius: .3em; background: #2a7; }
          #feed.stale { background: #d70; }
          #banner { display: none; padding: .8em 1em; background: #d70; color: #000; font-weight: bold; font-size: 1.1em; }
          body.stale #banner { display: block; }
          #message:empty { display: none; }
          #message { padding: .5em 1em; background: #fd8; }
          main { padding: 0 1em 2em; }
          table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1.5em; }
          th, td { text-align: left; padding: .35em .6em; border-bottom: 1px solid #ddd; vertical-align: top; }
          tr.alarm, tr.state-alarm { background: #fcc; font-weight: bold; }
          tr.pre-alarm, tr.state-pre-alarm { background: #ffe2b0; }
          tr.escalated td:nth-child(11) { color: #b00; font-weight: bold; }
          tr.cleared { color: #777; }
          tr.more td:nth-child(2), tr.more td:nth-child(3) { color: transparent; }
          tr:not(.more) td { border-top: 2px solid #bbb; }
          tr.state-unknown { background: #ddd; font-style: italic; }
          button, select, input { font: inherit; }
          td.actions { white-space: nowrap; }
        </style>
        </head>
        <body>
        <header>
          <h1>Canary: live alerts</h1>
          <span id="feed" class="stale">connecting…</span>
          <label>Token <input id="token" type="password" size="16" autocomplete="off"></label>
          <button id="sound" type="button">Sound off: click to turn on</button>
        </header>
        <div id="banner"></div>
        <div id="message"></div>
        <main>
          <h2>Alerts</h2>
          <table id="alerts">
            <thead><tr><th>opened</th><th>site</th><th>who</th><th>kind</th><th>condition</th><th>severity</th><th>state</th><th>location</th><th>values</th><th>updated</th><th>handling</th><th>act</th></tr></thead>
            <tbody></tbody>
          </table>
          <h2>Reports to the labour inspection (OSH Act art. 37)</h2>
          <table id="reports">
            <thead><tr><th>alert</th><th>incident</th><th>time left</th><th>delivery</th><th>attempts</th><th>last error</th></tr></thead>
            <tbody></tbody>
          </table>
          <h2>Workers</h2>
          <table id="workers">
            <thead><tr><th>site</th><th>worker</th><th>gateway</th><th>state</th><th>last seen</th><th>location</th><th>gas</th></tr></thead>
            <tbody></tbody>
          </table>
        </main>
        <script>
        "use strict";
        const api = "api/v1/";
        const state = { alerts: new Map(), workers: [], feed: "connecting", collector: null, sounded: 0, soundOn: false, loaded: false,
          heardAt: 0, keepAliveMs: 15000, lastEventId: null };
        window.canaryDashboard = state;

        const severityRank = { critical: 0, alarm: 1, warning: 2, info: 3 };
        const cell = (row, text) => { const td = row.insertCell(); td.textContent = text ?? ""; return td; };
        const time = iso => iso ? new Date(iso).toLocaleTimeString() : "";
        const place = l => l ? `x ${l.x} y ${l.y} floor ${l.floor}` + (l.age_ms > 60000 ? ` (${Math.round(l.age_ms / 60000)} min old)` : "") : "";
        const values = v => v ? Object.entries(v).map(([k, x]) => `${k} ${x}`).join(", ") : "";
        const say = text => { document.getElementById("message").textContent = text; };

        let audio = null;
        function tone() {
          state.sounded += 1;
          if (!state.soundOn || !audio) return;
          const o = audio.createOscillator(), g = audio.createGain();
          o.frequency.value = 880;
          g.gain.setValueAtTime(0.3, audio.currentTime);
          g.gain.exponentialRampToValueAtTime(0.001, audio.currentTime + 0.8);
          o.connect(g).connect(audio.destination);
          o.start();
          o.stop(audio.currentTime + 0.8);
        }
        document.getElementById("sound").addEventListener("click", e => {
          state.soundOn = !state.soundOn;
          if (state.soundOn && !audio) audio = new AudioContext();
          e.target.textContent = state.soundOn ? "Sound on: click to mute" : "Sound off: click to turn on";
        });
        // Until someone acknowledges it, an open alert keeps sounding.
        setInterval(() => {
          if ([...state.alerts.values()].some(a => a.state !== "cleared" && a.handling === "unacknowledged")) tone();
        }, 10000);

        const tokenInput = document.getElementById("token");
        tokenInput.value = localStorage.getItem("canaryToken") ?? "";
        // A new token is a new reader: start afresh with it.
        tokenInput.addEventListener("change", () => { localStorage.setItem("canaryToken", tokenInput.value); location.reload(); });
        const authorized = () => ({ "Authorization": `Bearer ${tokenInput.value}` });
        // What the collector says of a refused token, for the coordinator.
        async function refusal(r) {
          const why = (await r.json().catch(() => ({}))).error ?? `status ${r.status}`;
          return r.status === 401 ? `The collector does not accept this token (${why}). Enter yours (top right).`
            : r.status === 403 ? `This token may not do that: ${why}.` : why;
        }

        // A coordinator's action; the feed brings the alert's new state to every open dashboard.
        async function act(id, action, body) {
          const token = tokenInput.value;
          if (!token) { say("Enter your coordinator token (top right) to acknowledge or resolve."); return; }
          try {
            const r = await fetch(`${api}alerts/${id}/${action}`,
              { method: "POST", headers: { ...authorized(), "Content-Type": "application/json" }, body: JSON.stringify(body ?? {}) });
            if (!r.ok) { say(`Could not ${action} alert ${id}: ${await refusal(r)}`); return; }
            const answer = await r.json();
            say("");
            take(answer, false);
            renderAlerts();
          } catch (e) {
            say(`Could not ${action} alert ${id}: the collector cannot be reached.`);
          }
        }

        // An alert is kept at its latest change, whichever of the list and the feed brought it.
        function take(alert, live) {
          const known = state.alerts.get(alert.id);
          if (known && changedAt(known) > changedAt(alert)) return;
          const alarming = alert.state !== "cleared" && alert.handling !== "resolved"
            && (!known || (alert.state === "alarm" && known.state !== "alarm") || (alert.escalated && !known.escalated));
          state.alerts.set(alert.id, alert);
          if (live && alarming) tone();
        }
        const changedAt = a => [a.updated, a.acknowledged, a.resolved, a.escalated].filter(Boolean).sort().pop();

        const rows = new Map();
        // Rows are made once per alert and updated in place: a reason chosen or a note being typed survives the feed.
        function alertRow(a) {
          let row = rows.get(a.id);
          if (!row) {
            row = document.createElement("tr");
            row.dataset.alert = a.id;
            for (let i = 0; i < 11; i++) row.insertCell();
            const actions = row.insertCell();
            actions.className = "actions";
            const ack = document.createElement("button");
            ack.textContent = "Acknowledge";
            ack.className = "acknowledge";
            ack.addEventListener("click", () => act(a.id, "acknowledge"));
            const reason = document.createElement("select");
            reason.className = "reason";
            for (const [value, label] of [["real-incident", "real incident"], ["false-alarm", "false alarm"], ["test", "test"]]) {
              reason.add(new Option(label, value));
            }
            // A real incident's outcome decides whether the law wants a report: asked for when it is chosen.
            const outcome = document.createElement("span");
            outcome.className = "outcome";
            outcome.hidden = true;
            for (const field of ["deaths", "injured", "hospitalised"]) {
              const input = document.createElement("input");
              input.type = "number"; input.min = "0"; input.value = "0"; input.size = 2; input.className = field; input.title = field;
              outcome.append(` ${field} `, input);
            }
            reason.addEventListener("change", () => { outcome.hidden = reason.value !== "real-incident"; });
            const note = document.createElement("input");
            note.className = "note";
            note.placeholder = "note";
            note.size = 14;
            const resolve = document.createElement("button");
            resolve.textContent = "Resolve";
            resolve.className = "resolve";
            resolve.addEventListener("click", () => {
              const body = { reason: reason.value, note: note.value || undefined };
              if (reason.value === "real-incident") {
                if (!note.value) { say("Describe what happened in the note: it goes into the incident's record."); return; }
                const count = f => Number(outcome.querySelector(`input.${f}`).value || 0);
                // The worker's other unresolved alerts (the immobility after a fall) are the same incident.
                const related = [...state.alerts.values()].filter(x => x.id !== a.id && x.worker && x.worker === a.worker && x.site === a.site
                  && x.handling !== "resolved").map(x => x.id);
                body.outcome = { deaths: count("deaths"), injured: count("injured"), hospitalised: count("hospitalised"), description: note.value,
                  related_alerts: related };
              }
              act(a.id, "resolve", body);
            });
            actions.append(ack, " ", reason, outcome, " ", note, " ", resolve);
            rows.set(a.id, row);
          }
          row.dataset.state = a.state;
          row.dataset.handling = a.handling;
          row.className = a.state + (a.escalated && a.handling === "unacknowledged" ? " escalated" : "");
          row.dataset.who = who(a);
          const texts = [time(a.opened), a.site, a.worker || `gateway ${a.gateway}`, a.kind, a.condition, a.severity, a.state,
            place(a.location), values(a.values), time(a.updated),
            a.handling === "acknowledged" ? `acknowledged by ${a.acknowledged_by} at ${time(a.acknowledged)}`
              : a.escalated ? `ESCALATED at ${time(a.escalated)}: nobody acknowledged` : "unacknowledged"];
          texts.forEach((t, i) => { if (row.cells[i].textContent !== (t ?? "")) row.cells[i].textContent = t ?? ""; });
          row.querySelector("button.acknowledge").hidden = a.handling !== "unacknowledged";
          return row;
        }

        const who = a => a.worker ? `${a.site}/${a.worker}` : `${a.site}/gateway ${a.gateway}`;
        const bySeverity = (a, b) => (severityRank[a.severity] ?? 9) - (severityRank[b.severity] ?? 9) || (b.updated > a.updated ? 1 : -1);
        // Open alerts of one worker (a fall and the immobility after it) stay together, the worker whose worst is worst first.
        function grouped(open) {
          const groups = new Map();
          for (const a of [...open].sort(bySeverity)) groups.set(who(a), [...(groups.get(who(a)) ?? []), a]);
          return [...groups.values()].flat();
        }
        state.grouped = grouped;

        function renderAlerts() {
          const body = document.querySelector("#alerts tbody");
          const shown = [...state.alerts.values()].filter(a => a.handling !== "resolved");
          const list = [...grouped(shown.filter(a => a.state !== "cleared")),
            ...shown.filter(a => a.state === "cleared").sort((a, b) => (b.updated > a.updated ? 1 : -1))];
          const wanted = list.map(alertRow);
          for (const [id, row] of rows) if (!wanted.includes(row)) { row.remove(); rows.delete(id); }
          if (!wanted.length) {
            body.replaceChildren();
            cell(body.insertRow(), "no alerts").colSpan = 12;
            return;
          }
          const current = [...body.rows];
          if (wanted.length !== current.length || wanted.some((row, i) => row !== current[i])) body.replaceChildren(...wanted);
          // A worker's further alerts under their first, not repeated.
          wanted.forEach((row, i) => row.classList.toggle("more", i > 0 && row.dataset.who === wanted[i - 1].dataset.who && !row.classList.contains("cleared")));
        }

        function renderWorkers() {
          const body = document.querySelector("#workers tbody");
          body.replaceChildren();
          for (const w of state.workers) {
            const row = body.insertRow();
            row.className = `state-${w.state}`;
            row.dataset.worker = w.worker;
            cell(row, w.site);
            cell(row, w.worker);
            cell(row, w.gateway);
            cell(row, w.state);
            cell(row, time(w.last_seen));
            cell(row, place(w.location));
            cell(row, values(w.readings && w.readings.gas && w.readings.gas.values));
          }
          if (!state.workers.length) cell(body.insertRow(), "no workers heard yet").colSpan = 7;
        }

        // Out of date is said loudly: the page cannot reach the collector, or the collector cannot vouch for what it shows.
        function renderFeed() {
          const c = state.collector;
          let problem = null;
          if (state.refused) problem = "Not signed in: " + state.refused;
          else if (state.feed === "silent") problem = "The collector has gone silent: the connection may be broken, what you see may be out of date. Reconnecting…";
          else if (state.feed !== "open") problem = "The collector cannot be reached: what you see may be out of date. Reconnecting…";
          else if (!state.loaded) problem = "Loading…";
          else if (c && c.broker !== "connected") problem = "The collector is cut off from the broker: alarms from the worksites are not arriving. Check the workers by radio.";
          else if (c && c.storing !== "ok") problem = "The collector cannot store: new alarms are held by the gateways and not shown. Check the workers by radio.";
          const feed = document.getElementById("feed");
          feed.textContent = problem ? "NOT LIVE" : "live";
          feed.className = problem ? "stale" : "";
          document.getElementById("banner").textContent = problem ?? "";
          document.body.classList.toggle("stale", problem !== null);
        }

        async function loadWorkers() {
          if (!tokenInput.value || state.refused) return;
          try {
            const r = await fetch(api + "workers", { headers: authorized() });
            if (r.ok) { state.workers = (await r.json()).workers; renderWorkers(); }
          } catch (e) { /* the feed's state says the collector is unreachable */ }
        }

        // Reports with the time their deadline leaves: a coordinator must see one running out.
        async function loadReports() {
          if (!tokenInput.value || state.refused) return;
          try {
            const r = await fetch(api + "reports", { headers: authorized() });
            if (!r.ok) return;
            state.reports = (await r.json()).reports;
            const body = document.querySelector("#reports tbody");
            body.replaceChildren();
            for (const rep of state.reports) {
              const row = body.insertRow();
              row.dataset.report = rep.id;
              row.dataset.state = rep.state;
              const left = Date.parse(rep.deadline) - Date.now();
              const kinds = rep.report && rep.report.incident ? rep.report.incident.kinds.join(", ") : "";
              const workers = rep.report ? rep.report.workers.map(w => w.name || w.id).join(", ") : "";
              cell(row, String(rep.alert));
              cell(row, `${kinds}: ${workers}`);
              cell(row, rep.state === "delivered" ? "" : left > 0 ? `${Math.floor(left / 3600000)} h ${Math.floor(left / 60000) % 60} min left` : "OVERDUE");
              cell(row, rep.state === "delivered" ? `delivered ${time(rep.delivered)}` : rep.state === "refused" ? "REFUSED: needs a person"
                : rep.attempts ? "not delivered yet: retrying" : "not sent yet");
              cell(row, String(rep.attempts));
              cell(row, rep.last_error ?? "");
              row.className = rep.state === "delivered" ? "" : left < 3600000 || rep.state === "refused" ? "alarm" : "pre-alarm";
            }
            if (!state.reports.length) cell(body.insertRow(), "no reportable incidents").colSpan = 6;
          } catch (e) { /* the feed's state says the collector is unreachable */ }
        }

        async function loadAlerts() {
          const r = await fetch(api + "alerts?handling=unresolved&limit=10000", { headers: authorized() });
          if (r.status === 401 || r.status === 403) { state.refused = await refusal(r); say(state.refused); renderFeed(); return; }
          if (!r.ok) throw new Error(`alerts: ${r.status}`);
          for (const a of (await r.json()).alerts) take(a, false);
          state.loaded = true;
          renderAlerts();
          renderFeed();
        }

        // Everything the feed sends, keep-alives included, says it is alive; its ids say where to resume.
        function heard(e) {
          state.heardAt = Date.now();
          if (e && e.lastEventId) state.lastEventId = e.lastEventId;
        }

        let feed = null;
        function connect() {
          const token = encodeURIComponent(tokenInput.value);
          feed = new EventSource(api + `alerts/stream?access_token=${token}` + (state.lastEventId === null ? "" : `&last_event_id=${state.lastEventId}`));
          feed.onopen = () => {
            heard();
            state.feed = "open";
            renderFeed();
            if (!state.loaded) loadAlerts().catch(() => setTimeout(() => location.reload(), 5000));
          };
          feed.onerror = () => {
            state.feed = "closed";
            renderFeed();
            // The browser retries a dropped stream by itself; one it gave up on (an error status from a proxy) is reloaded,
            // unless the collector refused the token: then the page waits for another.
            if (feed.readyState === EventSource.CLOSED) {
              fetch(api + "alerts?limit=1", { headers: authorized() }).then(async r => {
                if (r.status === 401 || r.status === 403) { state.refused = await refusal(r); say(state.refused); renderFeed(); }
                else setTimeout(() => location.reload(), 5000);
              }, () => setTimeout(() => location.reload(), 5000));
            }
          };
          // The collector cannot resume from the last change this page has (its database was restored or moved):
          // what the page holds may be missing alarms, so it starts afresh.
          feed.addEventListener("reload", () => { state.reloading = true; location.reload(); });
          feed.addEventListener("alert", e => {
            heard(e);
            take(JSON.parse(e.data), true);
            renderAlerts();
            loadWorkers();
            loadReports();
          });
          feed.addEventListener("collector", e => { heard(e); state.collector = JSON.parse(e.data); renderFeed(); loadWorkers(); });
          feed.addEventListener("keep-alive", e => {
            heard(e);
            state.keepAliveMs = JSON.parse(e.data).every_ms;
            if (state.feed === "silent") { state.feed = "open"; renderFeed(); }
          });
        }
        if (tokenInput.value) connect();
        else { state.refused = "Enter your token (top right): the collector shows nothing without one."; say(state.refused); }
        // A connection can break without closing (a pulled cable): silent for three keep-alives is not live.
        // The page then says so and connects anew from the last change it has.
        setInterval(() => {
          if (state.feed === "open" && Date.now() - state.heardAt > 3 * state.keepAliveMs) {
            state.feed = "silent";
            renderFeed();
            feed.close();
            connect();
          }
        }, 1000);
        setInterval(loadWorkers, 5000);
        setInterval(loadReports, 5000);
        renderAlerts();
        renderWorkers();
        renderFeed();
        loadWorkers();
        loadReports();
        </script>
        </body>
        </html>
        """#
}
