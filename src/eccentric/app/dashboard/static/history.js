// eccentric dashboard, history view: per athlete card, the break angle (Nordic curls;
// else the eccentric time) of every stored session of the card's exercise, with the
// baseline, the latest change and the left/right asymmetry band. Data from the
// dashboard server's /history.json (the athlete history database); refreshed when a
// set closes (app.js sends "eccentric:set") and every REFRESH_S. Plain SVG, no library.
"use strict";

(() => {
  const REFRESH_S = 30;
  const W = 320, H = 120, PAD_L = 34, PAD_R = 8, PAD_T = 8, PAD_B = 18;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const MINUS = "\u2212";
  const BAND_WORD = { green: "balanced", amber: "watch", red: "imbalanced" };
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);

  let doc = null;
  let pending = null;

  function svg(name, attrs, parent) {
    const el = document.createElementNS(SVG_NS, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (parent) parent.appendChild(el);
    return el;
  }

  async function load() {
    try {
      const r = await fetch("history.json", { cache: "no-store" });
      const body = await r.json();
      doc = r.ok ? body : { error: body.error || `HTTP ${r.status}` };
    } catch (err) {
      doc = { error: `history unavailable (${err})` };
    }
    document.querySelectorAll("[data-athlete]").forEach(render);
  }

  function schedule() {
    if (pending) return;
    pending = setTimeout(() => { pending = null; load(); }, 500);  // a set's burst: once
  }

  // The card's exercise ("nordic curl" on the card, nordic_curl in the history), else
  // the athlete's most recent one.
  function pick(card, byExercise) {
    const shown = card.querySelector("[data-field='exercise']");
    const want = shown ? shown.textContent.trim().replace(/ /g, "_") : "";
    if (byExercise[want]) return [want, byExercise[want]];
    let best = null;
    for (const [ex, h] of Object.entries(byExercise)) {
      const last = h.sessions[h.sessions.length - 1];
      if (!best || last.started_utc > best[1].sessions[best[1].sessions.length - 1].started_utc) {
        best = [ex, h];
      }
    }
    return best;
  }

  function render(card) {
    const box = card.querySelector("[data-field='history']");
    if (!box || !doc) return;
    const line = box.querySelector("[data-field='history-line']");
    const chart = box.querySelector("svg.history-chart");
    box.hidden = false;
    if (doc.error) {
      chart.replaceChildren();
      chart.dataset.points = "0";
      line.textContent = doc.error;
      return;
    }
    const byExercise = (doc.athletes || {})[card.dataset.athlete];
    const chosen = byExercise ? pick(card, byExercise) : null;
    if (!chosen) {
      chart.replaceChildren();
      chart.dataset.points = "0";
      line.textContent = "No stored sessions yet.";
      return;
    }
    const [exercise, h] = chosen;
    const useBreak = h.sessions.some((s) => isNum(s.break_angle_deg));
    const key = useBreak ? "break_angle_deg" : "eccentric_s";
    const unit = useBreak ? "°" : " s";
    const label = useBreak ? "Break angle" : "Eccentric time";
    box.querySelector("[data-field='history-what']").textContent =
      `${label} per session · ${exercise.replace(/_/g, " ")}`;
    draw(chart, h.sessions.map((s) => s[key]), h.trend[key], unit, label);
    const t = h.trend[key] || {};
    const last = h.sessions[h.sessions.length - 1];
    const fmt = (v) => (isNum(v) ? `${v.toFixed(useBreak ? 1 : 2)}${unit}` : "—");
    const change = isNum(t.change_pct)
      ? ` (${t.change_pct > 0 ? "+" : t.change_pct < 0 ? MINUS : ""}${Math.abs(t.change_pct).toFixed(1)} %)`
      : "";
    line.replaceChildren(
      `${h.sessions.length} session${h.sessions.length === 1 ? "" : "s"} · baseline ` +
      `${fmt(t.baseline)} · latest ${fmt(t.latest)}${change}`);
    const band = last.asymmetry_band;
    if (band) {
      const badge = document.createElement("span");
      badge.className = "band";
      badge.dataset.band = band;
      badge.textContent = `L/R ${last.asymmetry_pct.toFixed(1)} % ${BAND_WORD[band]}`;
      line.append(" · ", badge);
    }
  }

  function draw(chart, values, trend, unit, label) {
    chart.replaceChildren();
    chart.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const known = values.map((v, i) => [i, v]).filter(([, v]) => isNum(v));
    chart.dataset.points = String(known.length);
    chart.setAttribute("aria-label",
      `${label} in ${known.length} sessions, oldest left`);
    if (!known.length) return;
    let hi = Math.max(...known.map(([, v]) => v)) * 1.15;
    const step = unit === "°" ? 10 : 1;
    hi = Math.max(step, Math.ceil(hi / step) * step);
    const n = Math.max(values.length, 2);
    const x = (i) => PAD_L + (W - PAD_L - PAD_R) * (values.length === 1 ? 0.5 : i / (n - 1));
    const y = (v) => PAD_T + (H - PAD_T - PAD_B) * (1 - v / hi);
    for (const v of [0, hi / 2, hi]) {
      svg("line", { x1: PAD_L, x2: W - PAD_R, y1: y(v), y2: y(v), class: "grid" }, chart);
      svg("text", { x: PAD_L - 4, y: y(v) + 4, "text-anchor": "end", class: "tick" }, chart)
        .textContent = `${+v.toFixed(1)}${unit}`;
    }
    svg("text", { x: PAD_L, y: H - 4, class: "tick" }, chart).textContent = "oldest";
    svg("text", { x: W - PAD_R, y: H - 4, "text-anchor": "end", class: "tick" }, chart)
      .textContent = "latest";
    if (trend && isNum(trend.baseline)) {
      svg("line", { x1: PAD_L, x2: W - PAD_R, y1: y(trend.baseline), y2: y(trend.baseline),
        class: "baseline" }, chart);
    }
    if (known.length > 1) {
      svg("polyline", { class: "hist-line",
        points: known.map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ") }, chart);
    }
    for (const [i, v] of known) {
      const c = svg("circle", { cx: x(i), cy: y(v), r: i === values.length - 1 ? 4.5 : 3,
        class: i === values.length - 1 ? "hist-point latest" : "hist-point" }, chart);
      svg("title", {}, c).textContent = `session ${i + 1}: ${v.toFixed(2)}${unit}`;
    }
  }

  async function main() {
    let cfg = {};
    try {
      const r = await fetch("config.json", { cache: "no-store" });
      if (r.ok) cfg = await r.json();
    } catch (_) {
      return;  // no server: no history view
    }
    if (!cfg.history) return;  // served without a history database
    // Cards appear as athletes show up on MQTT: draw each one's history when it does.
    new MutationObserver((changes) => {
      for (const c of changes) {
        c.addedNodes.forEach((node) => {
          if (node.nodeType === 1 && node.dataset.athlete) render(node);
        });
      }
    }).observe(document.getElementById("athletes"), { childList: true });
    document.addEventListener("eccentric:set", schedule);
    setInterval(load, REFRESH_S * 1000);
    load();
  }

  document.addEventListener("DOMContentLoaded", main);
})();
