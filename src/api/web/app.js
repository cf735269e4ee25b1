// Trading-desk view: live from the server-sent event stream, no build step, no framework.
"use strict";
const $ = (sel) => document.querySelector(sel);
const fmtPct = (x, d = 1) => (x == null ? "–" : (x * 100).toFixed(d));
const fmtOdds = (a) => (a > 0 ? "+" + a : String(a));
const fmtLine = (l) => (l == null ? "" : (l > 0 ? "+" : "") + l);
const COLORS = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#ffffff"];
let selectedKey = null;
let edgesByKey = new Map();
let quoteCount = 0;
let stream = null;
let locked = false;
const TOKEN_COOKIE = "nflreadpy_token";

// As the dashboard reads a selection: the team for home/away (from "AWAY@HOME"), the side for
// totals, with the line (HOU -2.5, Over 47.5, KC Over 24.5, GB PK).
function selectionLabel(event, sel, line) {
  const [away, home] = (event || "").includes("@") ? event.split("@").map((p) => p.trim()) : ["away", "home"];
  const names = { home, away, tie: "Tie", over: "Over", under: "Under", home_over: home + " Over",
    home_under: home + " Under", away_over: away + " Over", away_under: away + " Under" };
  const side = names[sel] || sel;
  if (line == null) return side;
  if (sel === "home" || sel === "away") return side + " " + (line === 0 ? "PK" : fmtLine(line));
  return side + " " + line;
}

function text(el, t) { el.textContent = t; return el; }
function cell(row, value, cls) { const td = row.insertCell(); td.textContent = value; if (cls) td.className = cls; return td; }

function renderHealth(snap) {
  const h = $("#health");
  if (snap.health && snap.health.ok) { h.className = "tag ok"; text(h, "✔ healthy"); h.title = ""; }
  else { h.className = "tag bad"; text(h, "✖ " + ((snap.health && snap.health.problems.length) || 0) + " problem(s)"); h.title = (snap.health?.problems || []).join("\n"); }
  text($("#clock"), new Date(snap.taken_ms).toLocaleTimeString());
}

function renderEdges(edges) {
  const body = $("#edges tbody");
  body.replaceChildren();
  edgesByKey = new Map(edges.map((e) => [e.key, e]));
  text($("#edge-count"), "(" + edges.length + " shown)");
  if (!edges.length) { const r = body.insertRow(); const c = cell(r, "no opportunities above the threshold right now", "muted"); c.colSpan = 10; return; }
  for (const e of edges) {
    const r = body.insertRow();
    if (e.key === selectedKey) r.className = "selected";
    cell(r, e.event); cell(r, e.market); cell(r, e.scope);
    cell(r, selectionLabel(e.event, e.selection, e.line));
    cell(r, e.book); cell(r, fmtOdds(e.american), "num"); cell(r, fmtPct(e.fair_prob), "num");
    cell(r, (e.ev >= 0 ? "▲ " : "▼ ") + fmtPct(e.ev, 2), "num " + (e.ev >= 0.03 ? "ok" : "info"));
    cell(r, e.stake.toFixed(1), "num");
    cell(r, e.movement_points == null ? "–" : fmtLine(e.movement_points), "num");
    r.addEventListener("click", () => { selectedKey = e.key; loadHistory(e); renderEdges([...edgesByKey.values()]); });
  }
}

function renderFreshness(rows, snap) {
  const body = $("#freshness tbody");
  body.replaceChildren();
  const stalled = snap.stalled_after_seconds || 30;
  for (const f of rows) {
    const r = body.insertRow();
    cell(r, f.book); cell(r, f.market_group); cell(r, f.age_seconds.toFixed(0) + "s", "num");
    const state = f.age_seconds > stalled ? ["✖ stalled", "bad"] : f.age_seconds > 15 ? ["▲ aging", "warn"] : ["✔ fresh", "ok"];
    cell(r, state[0], state[1]);
  }
}

function renderAlerts(alerts) {
  const ul = $("#alerts");
  ul.replaceChildren();
  if (!alerts.length) { const li = document.createElement("li"); li.className = "muted"; li.textContent = "no alerts"; ul.append(li); return; }
  for (const a of alerts) {
    const li = document.createElement("li");
    const glyph = a.state === "firing" ? "✖" : a.state === "acked" ? "◆" : "✔";
    li.className = a.state === "firing" ? (a.severity === "critical" ? "bad" : "warn") : "muted";
    li.textContent = `${glyph} ${a.state.toUpperCase()} · ${a.severity} · ${a.rule}: ${a.message}`;
    ul.append(li);
  }
}

function addQuotes(quotes) {
  quoteCount += quotes.length;
  text($("#quote-count"), "(" + quoteCount + " changes seen)");
  const ul = $("#ticker");
  for (const q of quotes.slice(-12)) {
    const li = document.createElement("li");
    li.className = "flash";
    li.textContent = `${q.event_id} ${q.book} ${q.market}/${q.scope} ${selectionLabel("", q.selection, q.line)} ${fmtOdds(q.american)}`;
    ul.prepend(li);
  }
  while (ul.children.length > 40) ul.lastChild.remove();
}

async function loadHistory(e) {
  text($("#chart-title"), `${e.event} ${e.market} ${e.scope} ${selectionLabel(e.event, e.selection, e.line)}`);
  const params = new URLSearchParams({ event: e.event_id, market: e.market, scope: e.scope, selection: e.selection, limit: "1000" });
  const res = await fetch("/api/v1/line-history?" + params);
  if (!res.ok) { text($("#chart-title"), "history unavailable"); return; }
  drawChart((await res.json()).items);
}

function drawChart(points) {
  const cv = $("#chart"), ctx = cv.getContext("2d");
  ctx.clearRect(0, 0, cv.width, cv.height);
  const legend = $("#chart-legend"); legend.replaceChildren();
  if (!points.length) return;
  const books = [...new Set(points.map((p) => p.book))];
  const t0 = Math.min(...points.map((p) => p.observed_ms)), t1 = Math.max(...points.map((p) => p.observed_ms)) || t0 + 1;
  const ys = points.map((p) => p.implied_prob);
  const y0 = Math.min(...ys) - 0.01, y1 = Math.max(...ys) + 0.01;
  const X = (t) => 40 + ((t - t0) / Math.max(1, t1 - t0)) * (cv.width - 50);
  const Y = (y) => cv.height - 20 - ((y - y0) / Math.max(1e-6, y1 - y0)) * (cv.height - 30);
  ctx.strokeStyle = "#2a323a"; ctx.fillStyle = "#9aa4ae"; ctx.font = "11px sans-serif";
  for (let k = 0; k <= 4; k++) { const y = y0 + (k / 4) * (y1 - y0); ctx.beginPath(); ctx.moveTo(40, Y(y)); ctx.lineTo(cv.width, Y(y)); ctx.stroke(); ctx.fillText((y * 100).toFixed(1) + "%", 2, Y(y) + 4); }
  books.forEach((b, i) => {
    const pts = points.filter((p) => p.book === b);
    ctx.strokeStyle = COLORS[i % COLORS.length]; ctx.lineWidth = 2; ctx.setLineDash(i % 2 ? [6, 3] : []);
    ctx.beginPath();
    pts.forEach((p, j) => { const x = X(p.observed_ms), y = Y(p.implied_prob); if (j) { ctx.lineTo(x, Y(pts[j - 1].implied_prob)); ctx.lineTo(x, y); } else ctx.moveTo(x, y); });
    ctx.stroke();
    const s = document.createElement("span"); s.style.color = COLORS[i % COLORS.length]; s.textContent = (i % 2 ? "╌ " : "— ") + b; legend.append(s);
  });
  ctx.setLineDash([]);
}

function connect() {
  const es = new EventSource("/api/v1/markets/stream");
  stream = es;
  es.addEventListener("open", () => { $("#live").className = "ok"; text($("#live"), "● live"); });
  es.addEventListener("error", () => {
    $("#live").className = "bad"; text($("#live"), "○ reconnecting");
    // The browser retries by itself unless the server refused (e.g. a 401 after a token change).
    if (es.readyState === EventSource.CLOSED) setTimeout(() => { if (!locked) start(); }, 2000);
  });
  es.addEventListener("snapshot", (ev) => {
    const snap = JSON.parse(ev.data);
    renderHealth(snap);
    renderEdges(snap.edges || []);
    renderFreshness(snap.freshness || [], snap);
    renderAlerts(snap.alerts || []);
    document.body.dataset.version = snap.version;
  });
  es.addEventListener("quotes", (ev) => addQuotes(JSON.parse(ev.data)));
}

// A server with api.token set answers 401 until the page has the token; EventSource cannot send
// a header, so the token travels as a same-site cookie that the API also accepts.
function askForToken(message) {
  locked = true;
  if (stream) { stream.close(); stream = null; }
  text($("#auth-msg"), message);
  $("#auth").hidden = false;
  $("#live").className = "bad"; text($("#live"), "○ locked");
  const h = $("#health"); h.className = "tag warn"; text(h, "▲ token needed");
  $("#token").focus();
}

$("#auth").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const token = $("#token").value.trim();
  if (!token) return;
  const secure = location.protocol === "https:" ? "; Secure" : "";
  document.cookie = `${TOKEN_COOKIE}=${encodeURIComponent(token)}; path=/; SameSite=Strict${secure}`;
  $("#token").value = "";
  $("#auth").hidden = true;
  locked = false;
  start();
});

async function start() {
  if (stream) { stream.close(); stream = null; }
  // The stream opens at once; the status request tells whether the server wants a token (a
  // refused EventSource only reports "error", not why).
  connect();
  let res;
  try { res = await fetch("/api/v1/status"); } catch { return; }
  if (res.status === 401) {
    const had = document.cookie.split("; ").some((c) => c.startsWith(TOKEN_COOKIE + "="));
    askForToken(had ? "That token was refused. API token:" : "This server needs its API token:");
    return;
  }
  if (res.ok) { const s = await res.json(); text($("#env"), s.meta.environment + " · " + s.meta.mode); }
}

start();
