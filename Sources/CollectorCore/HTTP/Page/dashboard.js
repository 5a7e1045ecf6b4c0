"use strict";
const api = "api/v1/";
const state = { alerts: new Map(), workers: [], plans: [], gateways: [], reports: [], feed: "connecting", collector: null, sounded: 0,
  soundOn: false, loaded: false, heardAt: 0, keepAliveMs: 15000, lastEventId: null, floor: null, view: null, images: new Map() };
window.canaryDashboard = state;

// Every string of the page, in both languages; the alerts' own words come from the collector (`words`).
const phrases = {
  en: {
    title: "Canary: live alerts", live: "live", notLive: "NOT LIVE", token: "Token", other: "中文",
    soundOff: "Sound off: tap to turn on", soundOn: "Sound on: tap to mute",
    inDanger: "Who needs help", noAlerts: "No one in danger", plan: "Site plan", wholeFloor: "Whole floor", notOnPlan: "Not on the plan: {0}",
    reports: "Reports to the labour inspection (OSH Act art. 37)", noReports: "No reportable incidents", workers: "Workers", noWorkers: "No workers heard yet",
    acknowledge: "Acknowledge", resolve: "Resolve", note: "note", "real-incident": "real incident", "false-alarm": "false alarm", test: "test",
    chooseReason: "why? choose…", needReason: "Choose why it is resolved: a real incident, a false alarm or a test.",
    confirmIncident: "Resolve as a REAL INCIDENT: {0} dead, {1} injured, {2} in hospital. A death or a worker in hospital is reported to the labour inspection. Tap again to confirm.",
    confirm: "Confirm real incident",
    clockOff: "Gateway {0}'s clock is {1} {2}: its alarms' times are corrected by it.", ahead: "ahead", behind: "behind", seconds: "{0} s", minutes: "{0} min {1} s",
    deaths: "deaths", injured: "injured", hospitalised: "hospitalised",
    unacknowledged: "nobody has acknowledged", acknowledgedBy: "acknowledged by {0}, {1}", escalated: "ESCALATED {0}: nobody acknowledged",
    "alarm": "ALARM", "pre-alarm": "PRE-ALARM", cleared: "cleared", ok: "ok", unknown: "unknown",
    since: "opened {0}", justNow: "just now", secondsAgo: "{0} s ago", minutesAgo: "{0} min ago", hoursAgo: "{0} h ago", daysAgo: "{0} d ago",
    gateway: "gateway {0}", online: "online", offline: "OFFLINE",
    locator: "locator", "beacon-zone": "beacon zone", "gateway-source": "nearest gateway", fix: "{0}, {1}",
    lastSeen: "heard {0}", position: "x {0} m, y {1} m", inZone: "in {0}", floor: "floor {0}", nearGateway: "near gateway {0}",
    H2S: "H₂S {0} ppm", CO: "CO {0} ppm", O2: "O₂ {0} %", LEL: "flammable gas {0} % LEL", battery: "battery {0} %",
    timeLeft: "{0} h {1} min left", overdue: "OVERDUE", delivered: "delivered {0}", refused: "REFUSED: needs a person",
    retrying: "not delivered yet: retrying", notSent: "not sent yet", reportOf: "Alert {0}: {1}", attempts: "{0} attempts",
    enterToken: "Enter your token (top right): the collector shows nothing without one.",
    notAccepted: "The collector does not accept this token ({0}). Enter yours (top right).", mayNot: "This token may not do that: {0}.",
    notSignedIn: "Not signed in: {0}",
    silent: "The collector has gone silent: the connection may be broken, what you see may be out of date. Reconnecting…",
    unreachable: "The collector cannot be reached: what you see may be out of date. Reconnecting…", loading: "Loading…",
    brokerCut: "The collector is cut off from the broker: alarms from the worksites are not arriving. Check the workers by radio.",
    cannotStore: "The collector cannot store: new alarms are held by the gateways and not shown. Check the workers by radio.",
    couldNot: "Could not {0} alert {1}: {2}", cannotReach: "the collector cannot be reached.",
    describe: "Describe what happened in the note: it goes into the incident's record.",
    needToken: "Enter your coordinator token (top right) to acknowledge or resolve.",
  },
  "zh-TW": {
    title: "Canary：即時警報", live: "連線中", notLive: "未連線", token: "權杖", other: "English",
    soundOff: "聲音關閉：點此開啟", soundOn: "聲音開啟：點此靜音",
    inDanger: "需要救援的人員", noAlerts: "目前無人處於危險", plan: "場區平面圖", wholeFloor: "整層", notOnPlan: "不在平面圖上：{0}",
    reports: "職業災害通報（職業安全衛生法第 37 條）", noReports: "無須通報的事故", workers: "工作人員", noWorkers: "尚未收到任何工作人員的訊號",
    acknowledge: "確認收到", resolve: "結案", note: "備註", "real-incident": "真實事故", "false-alarm": "誤報", test: "測試",
    chooseReason: "原因？請選擇…", needReason: "請選擇結案原因：真實事故、誤報或測試。",
    confirmIncident: "以「真實事故」結案：死亡 {0} 人、受傷 {1} 人、住院 {2} 人。有人死亡或住院須通報勞動檢查機構。再按一次以確認。",
    confirm: "確認為真實事故",
    clockOff: "閘道器 {0} 的時鐘{2} {1}：其警報時間已依此校正。", ahead: "快了", behind: "慢了", seconds: "{0} 秒", minutes: "{0} 分 {1} 秒",
    deaths: "死亡", injured: "受傷", hospitalised: "住院",
    unacknowledged: "尚無人確認", acknowledgedBy: "{0} 已確認，{1}", escalated: "已升級 {0}：無人確認",
    "alarm": "警報", "pre-alarm": "預警", cleared: "已解除", ok: "正常", unknown: "狀態不明",
    since: "{0}發生", justNow: "剛剛", secondsAgo: "{0} 秒前", minutesAgo: "{0} 分鐘前", hoursAgo: "{0} 小時前", daysAgo: "{0} 天前",
    gateway: "閘道器 {0}", online: "上線", offline: "離線",
    locator: "定位器", "beacon-zone": "信標區域", "gateway-source": "最近的閘道器", fix: "{0}，{1}",
    lastSeen: "{0}收到訊號", position: "x {0} m、y {1} m", inZone: "{0} 內", floor: "{0} 樓", nearGateway: "閘道器 {0} 附近",
    H2S: "硫化氫 {0} ppm", CO: "一氧化碳 {0} ppm", O2: "氧氣 {0} %", LEL: "可燃性氣體 {0} % LEL", battery: "電量 {0} %",
    timeLeft: "剩 {0} 小時 {1} 分鐘", overdue: "已逾期", delivered: "已送達 {0}", refused: "遭拒：需人工處理",
    retrying: "尚未送達：重試中", notSent: "尚未送出", reportOf: "警報 {0}：{1}", attempts: "{0} 次嘗試",
    enterToken: "請在右上角輸入您的權杖：沒有權杖，收集器不顯示任何資料。",
    notAccepted: "收集器不接受此權杖（{0}）。請在右上角輸入您的權杖。", mayNot: "此權杖無權執行：{0}。",
    notSignedIn: "尚未登入：{0}",
    silent: "收集器沒有回應：連線可能中斷，畫面可能不是最新的。重新連線中…",
    unreachable: "無法連上收集器：畫面可能不是最新的。重新連線中…", loading: "載入中…",
    brokerCut: "收集器與訊息中介斷線：工地的警報送不進來。請以無線電確認工作人員。",
    cannotStore: "收集器無法儲存：新警報留在閘道器上，未顯示。請以無線電確認工作人員。",
    couldNot: "無法{0}警報 {1}：{2}", cannotReach: "無法連上收集器。",
    describe: "請在備註中描述事發經過：它會寫入事故紀錄。",
    needToken: "請在右上角輸入協調員權杖，才能確認或結案。",
  },
};
state.language = localStorage.getItem("canaryLanguage")
  ?? ((navigator.languages ?? [navigator.language]).some(l => /^zh/i.test(l)) ? "zh-TW" : "en");
const { number, changedAt, who, grouped } = CanaryPage;
const t = (key, ...args) => CanaryPage.fill(phrases[state.language][key] ?? phrases.en[key] ?? key, args);
const say = text => { document.getElementById("message").textContent = text; };

// Times as a coordinator reads them: how long ago, the exact time on hover.
const ago = ms => t(...CanaryPage.agoPhrase(ms, Date.now()));
const exact = ms => new Date(ms).toLocaleString(state.language);
const words = a => (a.words && (a.words[state.language] ?? a.words.en)) ?? { what: a.kind, where: "" };
const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; };

function translatePage() {
  document.documentElement.lang = state.language;
  document.title = t("title");
  for (const e of document.querySelectorAll("[data-t]")) e.textContent = t(e.dataset.t);
  document.getElementById("lang").textContent = t("other");
  document.getElementById("sound").textContent = t(state.soundOn ? "soundOn" : "soundOff");
}
document.getElementById("lang").addEventListener("click", () => {
  state.language = state.language === "en" ? "zh-TW" : "en";
  localStorage.setItem("canaryLanguage", state.language);
  if (!tokenInput.value) state.refused = t("enterToken");
  renderAll();
});

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
document.getElementById("sound").addEventListener("click", () => {
  state.soundOn = !state.soundOn;
  if (state.soundOn && !audio) audio = new AudioContext();
  translatePage();
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
  return r.status === 401 ? t("notAccepted", why) : r.status === 403 ? t("mayNot", why) : why;
}

// A coordinator's action; the feed brings the alert's new state to every open dashboard.
async function act(id, action, body) {
  if (!tokenInput.value) { say(t("needToken")); return; }
  const verb = t(action).toLowerCase();
  try {
    const r = await fetch(`${api}alerts/${id}/${action}`,
      { method: "POST", headers: { ...authorized(), "Content-Type": "application/json" }, body: JSON.stringify(body ?? {}) });
    if (!r.ok) { say(t("couldNot", verb, id, await refusal(r))); return; }
    say("");
    take(await r.json(), false);
    renderAlerts();
  } catch (e) {
    say(t("couldNot", verb, id, t("cannotReach")));
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

state.grouped = list => grouped(list).flat();

// Lines are made once per alert and updated in place: a reason chosen or a note being typed survives the feed.
const lines = new Map(), cards = new Map();
function alertLine(a) {
  let line = lines.get(a.id);
  if (!line) {
    line = el("div", "alert");
    line.dataset.alert = a.id;
    const top = el("div");
    top.append(el("span", "badge"), el("span", "what"));
    const meta = el("div", "meta");
    meta.append(el("span", "since"), " · ", el("span", "handling"));
    const actions = el("div", "actions");
    const ack = el("button", "acknowledge primary");
    ack.type = "button";
    ack.addEventListener("click", e => { e.stopPropagation(); act(a.id, "acknowledge"); });
    // No reason is chosen for the coordinator: one careless tap must not resolve a false alarm as a real incident.
    const reason = el("select", "reason");
    const choose = new Option("", "", true, true);
    choose.disabled = true;
    reason.add(choose);
    for (const value of ["real-incident", "false-alarm", "test"]) reason.add(new Option(value, value));
    // A real incident's outcome decides whether the law wants a report: asked for when it is chosen.
    const outcome = el("span", "outcome");
    outcome.hidden = true;
    for (const field of ["deaths", "injured", "hospitalised"]) {
      const label = el("label");
      const input = el("input", field);
      input.type = "number"; input.min = "0"; input.value = "0";
      label.append(el("span", "field-name"), input);
      label.dataset.field = field;
      outcome.append(label);
    }
    const note = el("input", "note");
    const resolve = el("button", "resolve");
    resolve.type = "button";
    // A real incident is confirmed with its outcome before it is sent: what it says may start a report to the authority.
    const confirm = el("span", "confirm");
    const unconfirm = () => { confirm.textContent = ""; resolve.classList.remove("confirming"); resolve.textContent = t("resolve"); };
    reason.addEventListener("change", () => { outcome.hidden = reason.value !== "real-incident"; unconfirm(); });
    outcome.addEventListener("input", unconfirm);
    resolve.addEventListener("click", e => {
      e.stopPropagation();
      if (!reason.value) { say(t("needReason")); return; }
      const body = { reason: reason.value, note: note.value || undefined };
      if (reason.value === "real-incident") {
        if (!note.value) { say(t("describe")); return; }
        const count = f => Number(outcome.querySelector(`input.${f}`).value || 0);
        if (!resolve.classList.contains("confirming")) {
          confirm.textContent = t("confirmIncident", count("deaths"), count("injured"), count("hospitalised"));
          resolve.classList.add("confirming");
          resolve.textContent = t("confirm");
          return;
        }
        // The worker's other unresolved alerts (the immobility after a fall) are the same incident.
        const related = [...state.alerts.values()].filter(x => x.id !== a.id && x.worker && x.worker === a.worker && x.site === a.site
          && x.handling !== "resolved").map(x => x.id);
        body.outcome = { deaths: count("deaths"), injured: count("injured"), hospitalised: count("hospitalised"), description: note.value,
          related_alerts: related };
      }
      act(a.id, "resolve", body);
    });
    for (const c of [reason, note, outcome]) c.addEventListener("click", e => e.stopPropagation());
    actions.append(ack, reason, outcome, note, resolve, confirm);
    line.append(top, meta, actions);
    lines.set(a.id, line);
  }
  line.dataset.state = a.state;
  line.dataset.handling = a.handling;
  line.className = `alert ${a.state}` + (a.escalated && a.handling === "unacknowledged" ? " escalated" : "");
  const set = (selector, text) => { const e = line.querySelector(selector); if (e.textContent !== text) e.textContent = text; };
  const badge = line.querySelector(".badge");
  badge.className = `badge ${a.state}`;
  set(".badge", t(a.state));
  set(".what", words(a).what);
  const since = line.querySelector(".since");
  since.textContent = t("since", ago(Date.parse(a.opened)));
  since.title = exact(Date.parse(a.opened));
  set(".handling", a.handling === "acknowledged" ? t("acknowledgedBy", a.acknowledged_by, ago(Date.parse(a.acknowledged)))
    : a.escalated ? t("escalated", ago(Date.parse(a.escalated))) : t("unacknowledged"));
  const ack = line.querySelector("button.acknowledge");
  ack.hidden = a.handling !== "unacknowledged";
  set("button.acknowledge", t("acknowledge"));
  set("button.resolve", t(line.querySelector("button.resolve").classList.contains("confirming") ? "confirm" : "resolve"));
  for (const o of line.querySelector("select.reason").options) o.textContent = t(o.value || "chooseReason");
  for (const l of line.querySelectorAll(".outcome label")) l.querySelector(".field-name").textContent = t(l.dataset.field) + " ";
  line.querySelector("input.note").placeholder = t("note");
  return line;
}

function renderAlerts() {
  const box = document.getElementById("alerts");
  const shown = [...state.alerts.values()].filter(a => a.handling !== "resolved");
  const groups = grouped(shown);
  const wanted = [];
  for (const group of groups) {
    const key = who(group[0]);
    let card = cards.get(key);
    if (!card) {
      card = el("article", "card");
      card.dataset.who = key;
      const head = el("div", "head");
      head.append(el("h3", "who"), el("span", "site"), el("span", "where"));
      head.addEventListener("click", () => focusOn(key));
      card.append(head, el("div", "lines"));
      cards.set(key, card);
    }
    const worst = group[0], site = state.plans.find(s => s.id === worst.site);
    card.className = `card ${worst.state}`;
    card.querySelector(".who").textContent = worst.worker || t("gateway", worst.gateway);
    card.querySelector(".site").textContent = site ? site.name : worst.site;
    // Where: the latest location any of the worker's alerts carries, else where the worker was last heard.
    const placed = [...group].sort((a, b) => (b.updated > a.updated ? 1 : -1)).find(a => a.location);
    const worker = state.workers.find(w => w.site === worst.site && w.worker === worst.worker);
    card.querySelector(".where").textContent = placed ? words(placed).where : worker ? whereText(worker) : words(worst).where;
    const wantedLines = group.map(alertLine), holder = card.querySelector(".lines");
    if (wantedLines.some((l, i) => holder.children[i] !== l) || holder.children.length !== wantedLines.length) holder.replaceChildren(...wantedLines);
    wanted.push(card);
  }
  for (const [key, card] of cards) if (!wanted.includes(card)) cards.delete(key);
  for (const [id] of lines) if (!shown.some(a => a.id === id)) lines.delete(id);
  if (!wanted.length) box.replaceChildren(el("p", "empty", t("noAlerts")));
  else if (wanted.some((c, i) => box.children[i] !== c) || box.children.length !== wanted.length) box.replaceChildren(...wanted);
  // Who is in alarm pulses on the plan.
  renderPlan();
}

// The plan: each floor of each site, drawn on its picture or from its zones. One frame maps metres
// (x east, y north of the site's origin) to the picture: px = origin + x·scale, py = origin − y·scale.
function floors() {
  const out = [];
  for (const s of state.plans) for (const f of s.floors) out.push({ key: `${s.id}|${f.level}`, site: s.id, siteName: s.name, ...f,
    gateways: s.gateways.filter(g => g.floor === f.level) });
  for (const w of state.workers) {
    const p = position(w);
    if (p && !out.some(f => f.site === w.site && f.level === p.level)) {
      out.push({ key: `${w.site}|${p.level}`, site: w.site, siteName: w.site, level: p.level, name: null, image: null, zones: [], gateways: [] });
    }
  }
  return out.sort((a, b) => a.site.localeCompare(b.site) || a.level - b.level);
}
const frame = f => CanaryPage.frameOf(f, state.workers.map(position).filter(p => p && `${p.site}|${p.level}` === f.key).map(p => [p.x, p.y]));
state.frame = key => { const f = floors().find(f => f.key === key); return f ? frame(f) : null; };
const position = w => CanaryPage.positionOf(w, state.plans);
const svg = (tag, attributes, text) => {
  const e = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attributes)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
};
// A plan's picture is read with the token and shown from memory: an <image> cannot send one.
async function picture(url) {
  if (!state.images.has(url)) {
    state.images.set(url, null);
    try {
      const r = await fetch(url, { headers: authorized() });
      if (r.ok) { state.images.set(url, URL.createObjectURL(await r.blob())); renderPlan(); } else state.images.delete(url);
    } catch (e) { state.images.delete(url); }
  }
  return state.images.get(url);
}

function renderPlan() {
  const all = floors(), tabs = document.getElementById("floors"), plan = document.getElementById("plan");
  if (!all.some(f => f.key === state.floor)) state.floor = all.length ? all[0].key : null;
  tabs.replaceChildren(...all.map(f => {
    const b = el("button", f.key === state.floor ? "selected" : "", `${f.siteName} · ${f.name ?? t("floor", f.level)}`);
    b.type = "button";
    b.dataset.floor = f.key;
    b.addEventListener("click", () => { state.floor = f.key; state.view = null; renderPlan(); });
    return b;
  }));
  const whole = el("button", "", t("wholeFloor"));
  whole.type = "button";
  whole.id = "whole-floor";
  whole.hidden = !state.view;
  whole.addEventListener("click", () => { state.view = null; renderPlan(); });
  tabs.append(whole);
  const f = all.find(f => f.key === state.floor);
  if (!f) { plan.replaceChildren(); plan.removeAttribute("viewBox"); return; }
  const fr = frame(f), at = (x, y) => [fr.ox + x * fr.s, fr.oy - y * fr.s], size = Math.max(12, fr.w / 70);
  const box = state.view ? [state.view.x - state.view.w / 2, state.view.y - state.view.h / 2, state.view.w, state.view.h] : [0, 0, fr.w, fr.h];
  plan.setAttribute("viewBox", box.join(" "));
  plan.style.aspectRatio = `${box[2]} / ${box[3]}`;
  const parts = [];
  if (f.image) {
    const href = state.images.get(f.image.url);
    if (href) parts.push(svg("image", { href, x: 0, y: 0, width: fr.w, height: fr.h }));
    else picture(f.image.url);
  }
  for (const z of f.zones) {
    parts.push(svg("polygon", { class: "zone", points: z.outline.map(p => at(...p).join(",")).join(" ") }));
    // The name in the zone's top-left corner, clear of whoever stands in its middle.
    const [x, y] = at(Math.min(...z.outline.map(p => p[0])), Math.max(...z.outline.map(p => p[1])));
    parts.push(svg("text", { class: "zone-name", x: x + size / 3, y: y + size * 1.1, "font-size": size }, z.name));
  }
  for (const g of f.gateways) {
    const [x, y] = at(g.x, g.y), known = state.gateways.find(k => k.site === f.site && k.gateway === g.id);
    const mark = svg("g", { class: `gateway ${known ? known.state : ""}`, "data-gateway": g.id });
    mark.append(svg("rect", { x: x - size / 2, y: y - size / 2, width: size, height: size }),
      svg("text", { x: x + size, y: y - size * 0.2, "font-size": size * 0.8 }, `${g.id}${known && known.state === "offline" ? " " + t("offline") : ""}`));
    parts.push(mark);
  }
  const danger = new Set([...state.alerts.values()].filter(a => a.handling !== "resolved" && a.state === "alarm").map(who));
  const unplaced = [], besideGateway = new Map();
  for (const w of state.workers) {
    const p = position(w);
    if (!p) { unplaced.push(w.worker); continue; }
    if (`${w.site}|${p.level}` !== f.key) continue;
    let [x, y] = at(p.x, p.y);
    const key = `${w.site}/${w.worker}`;
    // Those heard only through a gateway stand beside it in a row, not on it and on each other.
    if (p.source === "gateway-source") {
      const n = besideGateway.get(`${x},${y}`) ?? 0;
      besideGateway.set(`${x},${y}`, n + 1);
      [x, y] = [x + size * 1.5 * (n + 1), y + size * 1.5];
    }
    const mark = svg("g", { class: `worker ${w.state}`, "data-worker": key });
    if (p.accuracy) mark.append(svg("circle", { class: "accuracy", cx: x, cy: y, r: p.accuracy * fr.s }));
    if (danger.has(key)) mark.append(svg("circle", { class: "ring", cx: x, cy: y, r: size * 0.7 }));
    mark.append(svg("circle", { class: "dot", cx: x, cy: y, r: size * 0.7, "stroke-width": size / 6 }));
    const label = svg("text", { x: x + size, y: y - size / 2, "font-size": size }, w.worker);
    const age = svg("text", { x: x + size, y: y + size * 0.6, "font-size": size * 0.75 }, t("fix", ago(p.timeMs), t(p.source)));
    mark.append(label, age, svg("title", {}, `${w.worker}: ${t(w.state)}, ${t("fix", exact(p.timeMs), t(p.source))}`));
    mark.addEventListener("click", () => focusOn(key));
    parts.push(mark);
  }
  plan.replaceChildren(...parts);
  document.getElementById("unplaced").textContent = unplaced.length ? t("notOnPlan", unplaced.join(", ")) : "";
  // A gateway whose clock is off by more than the collector corrects silently: its site should set it right.
  document.getElementById("clocks").textContent = state.gateways.filter(g => Math.abs(g.clock_offset_ms ?? 0) > 2000)
    .map(g => t("clockOff", g.gateway, duration(Math.abs(g.clock_offset_ms)), t(g.clock_offset_ms > 0 ? "ahead" : "behind"))).join(" ");
}
const duration = ms => { const s = Math.round(ms / 1000); return s < 60 ? t("seconds", s) : t("minutes", Math.floor(s / 60), s % 60); };

// An alarm's card centres the plan on its worker (or gateway): that floor, 30 m across.
function focusOn(key) {
  const w = state.workers.find(w => `${w.site}/${w.worker}` === key);
  let p = w && position(w);
  if (!p) {
    const a = [...state.alerts.values()].find(a => who(a) === key && !a.worker), site = a && state.plans.find(s => s.id === a.site);
    const g = site && site.gateways.find(g => g.id === a.gateway);
    if (g) p = { site: a.site, x: g.x, y: g.y, level: g.floor };
  }
  if (!p) return;
  state.floor = `${p.site}|${p.level}`;
  const fr = state.frame(state.floor), [x, y] = [fr.ox + p.x * fr.s, fr.oy - p.y * fr.s], w30 = Math.min(fr.w, 30 * fr.s);
  state.view = { x, y, w: w30, h: w30 * fr.h / fr.w };
  renderPlan();
  document.getElementById("plan").scrollIntoView({ block: "nearest" });
}

function whereText(w) {
  const l = w.location;
  if (!l) return t("nearGateway", w.gateway);
  if (l.source === "locator" && l.x !== undefined) return `${t("position", number(l.x), number(l.y))}, ${t("floor", l.floor ?? 0)}`;
  if (l.source === "beacon-zone") return t("inZone", l.zone);
  return t("nearGateway", l.zone);
}

function renderWorkers() {
  const list = document.getElementById("workers");
  list.replaceChildren(...state.workers.map(w => {
    const li = el("li", `state-${w.state}`);
    li.dataset.worker = w.worker;
    const heard = el("span", "", t("lastSeen", ago(Date.parse(w.last_seen))));
    heard.title = exact(Date.parse(w.last_seen));
    // The gas detector's readings by name and unit; what is not a gas level (its motion) is left out.
    const gas = Object.entries((w.readings && w.readings.gas && w.readings.gas.values) ?? {})
      .map(([k, v]) => [{ h2s: "H2S", co: "CO", o2: "O2", lel: "LEL", battery: "battery" }[k], v]).filter(([k]) => k)
      .map(([k, v]) => t(k, number(v)));
    li.append(el("strong", "", w.worker), ` · ${t(w.state)} · `, heard, ` · ${whereText(w)}`, gas.length ? ` · ${gas.join(", ")}` : "");
    return li;
  }));
  if (!state.workers.length) list.replaceChildren(el("li", "", t("noWorkers")));
}

// Reports with the time their deadline leaves: a coordinator must see one running out.
function renderReports() {
  const list = document.getElementById("reports");
  list.replaceChildren(...state.reports.map(rep => {
    const li = el("li");
    li.dataset.report = rep.id;
    li.dataset.state = rep.state;
    const left = Date.parse(rep.deadline) - Date.now();
    const kinds = rep.report && rep.report.incident ? rep.report.incident.kinds.join(", ") : "";
    const workers = rep.report ? rep.report.workers.map(w => w.name || w.id).join(", ") : "";
    const status = rep.state === "delivered" ? t("delivered", exact(Date.parse(rep.delivered))) : rep.state === "refused" ? t("refused")
      : rep.attempts ? t("retrying") : t("notSent");
    const deadline = rep.state === "delivered" ? "" : left > 0 ? t("timeLeft", Math.floor(left / 3600000), Math.floor(left / 60000) % 60) : t("overdue");
    li.append(el("strong", "", t("reportOf", rep.alert, `${kinds}: ${workers}`)), ` · ${deadline} · ${status} · ${t("attempts", rep.attempts)}`,
      rep.last_error ? ` · ${rep.last_error}` : "");
    li.className = rep.state === "delivered" ? "" : left < 3600000 || rep.state === "refused" ? "alarm" : "pre-alarm";
    return li;
  }));
  if (!state.reports.length) list.replaceChildren(el("li", "", t("noReports")));
}

// Out of date is said loudly: the page cannot reach the collector, or the collector cannot vouch for what it shows.
function renderFeed() {
  const c = state.collector;
  let problem = null;
  if (state.refused) problem = t("notSignedIn", state.refused);
  else if (state.feed === "silent") problem = t("silent");
  else if (state.feed !== "open") problem = t("unreachable");
  else if (!state.loaded) problem = t("loading");
  else if (c && c.broker !== "connected") problem = t("brokerCut");
  else if (c && c.storing !== "ok") problem = t("cannotStore");
  const feed = document.getElementById("feed");
  feed.textContent = problem ? t("notLive") : t("live");
  feed.className = problem ? "stale" : "";
  document.getElementById("banner").textContent = problem ?? "";
  document.body.classList.toggle("stale", problem !== null);
}

function renderAll() {
  translatePage();
  renderAlerts();
  renderWorkers();
  renderReports();
  renderFeed();
}

async function load(path) {
  if (!tokenInput.value || state.refused) return null;
  try {
    const r = await fetch(api + path, { headers: authorized() });
    return r.ok ? await r.json() : null;
  } catch (e) { return null; /* the feed's state says the collector is unreachable */ }
}
async function loadWorkers() {
  const [workers, gateways] = await Promise.all([load("workers"), load("gateways")]);
  if (workers) state.workers = workers.workers;
  if (gateways) state.gateways = gateways.gateways;
  renderWorkers();
  renderAlerts();
}
async function loadReports() {
  const answer = await load("reports");
  if (answer) { state.reports = answer.reports; renderReports(); }
}
async function loadPlans() {
  const answer = await load("sites");
  if (answer) { state.plans = answer.sites; renderAlerts(); }
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
else { state.refused = t("enterToken"); say(state.refused); }
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
// "2 min ago" stays true.
setInterval(() => { renderAlerts(); renderWorkers(); renderReports(); }, 10000);
renderAll();
loadPlans();
loadWorkers();
loadReports();
