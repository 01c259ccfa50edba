// eccentric dashboard: subscribes to the documented topic tree (docs/mqtt.md) over
// MQTT-over-WebSockets and renders one card per athlete. Plain script, no build step;
// the only library is the vendored mqtt.js (vendor/mqtt.min.js, MIT).
"use strict";

(() => {
  // --- tunables (documented in docs/dashboard.md) -----------------------------------
  const WINDOW_S = 30;            // seconds of angle trace shown
  const MAX_REP_ROWS = 12;        // newest reps kept in the table
  const MAX_HOLD_ROWS = 10;       // newest holds kept in the holds table
  const MAX_IDS = 2000;           // de-duplication memory per athlete (reps, holds, sets)
  const FATIGUE_DROP_PCT = 10;    // eccentric time / break angle falling more: fatigue note
  const ASYMMETRY_FLAG_PCT = 15;  // left/right difference flagged above this

  const MINUS = "\u2212";
  const $ = (sel, root = document) => root.querySelector(sel);

  const state = {
    cfg: null,
    client: null,
    connected: false,
    bridge: "unknown",
    athletes: new Map(),
  };

  // --- formatting: every number carries its unit ------------------------------------
  const isNum = (v) => typeof v === "number" && Number.isFinite(v);
  const fmtS = (v) => (isNum(v) ? `${v.toFixed(2)} s` : "—");
  const fmtDeg = (v) => (isNum(v) ? `${v.toFixed(1)}°` : "—");
  const fmtSigned = (v, digits, unit) => {
    if (!isNum(v)) return "—";
    const sign = v > 0 ? "+" : v < 0 ? MINUS : "";
    return `${sign}${Math.abs(v).toFixed(digits)}${unit}`;
  };
  const fmtPct = (v) => fmtSigned(v, 1, " %");
  const words = (s) => (typeof s === "string" && s ? s.replace(/_/g, " ") : "—");

  const MEASURES = [
    // key, label, formatter, unit for differences
    ["eccentric_s", "Eccentric", fmtS, " s", 2],
    ["controlled_eccentric_s", "Controlled eccentric", fmtS, " s", 2],
    ["concentric_s", "Concentric", fmtS, " s", 2],
    ["hold_s", "Hold", fmtS, " s", 2],
    ["break_angle_deg", "Break point", fmtDeg, "°", 1],
    ["rom_deg", "Range", fmtDeg, "°", 1],
    ["duration_s", "Hold duration", fmtS, " s", 2],
    ["sway_deg", "Sway", fmtDeg, "°", 1],
  ];

  // --- configuration: config.json from the server, overridable by ?broker=&base= ----
  async function loadConfig() {
    let cfg = {};
    try {
      const r = await fetch("config.json", { cache: "no-store" });
      if (r.ok) cfg = await r.json();
    } catch (_) {
      // Served by some other web server without config.json: defaults and the query.
    }
    const q = new URLSearchParams(location.search);
    if (q.get("broker")) cfg.broker = q.get("broker");
    if (q.get("base")) cfg.base = q.get("base");
    cfg.base = String(cfg.base || "eccentric").replace(/^\/+|\/+$/g, "");
    cfg.broker = cfg.broker || `ws://${location.hostname || "127.0.0.1"}:9001/mqtt`;
    cfg.stale_after_s = isNum(cfg.stale_after_s) ? cfg.stale_after_s : 65;
    return cfg;
  }

  // --- connection -------------------------------------------------------------------
  function setConnection(kind, text) {
    const el = $("#conn-text");
    el.dataset.state = kind;
    el.textContent = text;
    $("#conn-dot").dataset.state = kind;
    document.body.dataset.connection = kind;
  }

  function setBridge(value) {
    state.bridge = value;
    const el = $("#bridge-text");
    el.dataset.state = value;
    el.textContent = `publisher: ${value}`;
  }

  function connect(cfg) {
    const opts = {
      // Random id: two open tabs must not evict each other (docs/mqtt.md, client ids).
      clientId: `eccentric-dash-${Math.random().toString(16).slice(2, 10)}`,
      protocolVersion: 4,          // 3.1.1: what every broker (amqtt included) speaks
      clean: true,
      keepalive: 30,
      connectTimeout: 5000,
      reconnectPeriod: 1500,
      resubscribe: false,          // we subscribe on every connect ourselves
    };
    if (cfg.username) {
      opts.username = cfg.username;
      if (cfg.password !== undefined) opts.password = cfg.password;
    }
    setConnection("connecting", `Connecting to ${cfg.broker}…`);
    const client = window.mqtt.connect(cfg.broker, opts);
    const b = cfg.base;
    client.on("connect", () => {
      state.connected = true;
      lastError = "";
      setConnection("connected", `Connected to ${cfg.broker}`);
      client.subscribe({
        [`${b}/bridge/state`]: { qos: 1 },
        [`${b}/+/status`]: { qos: 1 },
        [`${b}/+/set`]: { qos: 1 },
        [`${b}/+/rep`]: { qos: 1 },
        [`${b}/+/hold`]: { qos: 1 },
        [`${b}/+/rest`]: { qos: 0 },
        [`${b}/+/recent`]: { qos: 1 },
        [`${b}/+/live`]: { qos: 0 },
        [`${b}/+/alert`]: { qos: 1 },
        [`${b}/+/command/result`]: { qos: 1 },
      });
    });
    let lastError = "";
    const lost = (text) => {
      const was = state.connected;
      state.connected = false;
      if (was) setBridge("unknown");  // retained state is re-sent after the reconnect
      // Keep the reason visible while retrying (e.g. "Not authorized": wrong password).
      setConnection("reconnecting", lastError ? `${text} Last error: ${lastError}` : text);
      refreshAvailability();
    };
    client.on("reconnect", () => lost(`Reconnecting to ${cfg.broker}…`));
    client.on("offline", () => lost(`Broker unreachable (${cfg.broker}); retrying…`));
    client.on("close", () => { if (state.connected) lost("Connection closed; retrying…"); });
    client.on("error", (err) => {
      lastError = err && err.message ? err.message : String(err);
      setConnection("error", `Broker error: ${lastError}`);
    });
    client.on("message", (topic, payload, packet) => {
      try {
        onMessage(topic, payload, Boolean(packet && packet.retain));
      } catch (err) {
        console.warn("eccentric: message on", topic, "not shown:", err);
      }
    });
    return client;
  }

  // --- messages ---------------------------------------------------------------------
  function onMessage(topic, payload, retained) {
    const prefix = `${state.cfg.base}/`;
    if (!topic.startsWith(prefix)) return;
    const rest = topic.slice(prefix.length);
    const text = new TextDecoder().decode(payload);
    if (rest === "bridge/state") {
      setBridge(text.trim() === "online" ? "online" : text.trim() === "offline" ? "offline"
        : "unknown");
      refreshAvailability();
      return;
    }
    const slash = rest.indexOf("/");
    if (slash <= 0) return;
    const name = rest.slice(0, slash);
    const leaf = rest.slice(slash + 1);
    if (!["status", "rep", "hold", "set", "live", "recent", "alert", "rest",
      "command/result"].includes(leaf)) return;
    // The retained recent reps fill the table of a page opened (or reloaded) mid-run;
    // its live copies, one per rep, repeat reps that arrive on rep anyway.
    if (leaf === "recent" && !retained) return;
    let msg;
    try {
      msg = JSON.parse(text);
    } catch (_) {
      return;  // not our payload
    }
    if (!msg || typeof msg !== "object") return;
    const a = athlete(name);
    if (leaf !== "recent") a.lastSeen = performance.now();  // history says nothing of now
    if (leaf === "status") onStatus(a, msg, retained);
    else if (leaf === "rep") onRep(a, msg);
    else if (leaf === "hold") onHold(a, msg);
    else if (leaf === "recent") onRecent(a, msg);
    else if (leaf === "set") onSet(a, msg);
    else if (leaf === "alert") onAlert(a, msg);
    else if (leaf === "command/result") onResult(a, msg);
    else if (leaf === "rest") onRest(a, msg);
    else onLive(a, msg);
    refreshAvailability(a);
  }

  // --- coach: alerts, plan, commands and their results ------------------------------
  function onAlert(a, msg) {
    if (!remember(a, String(msg.id))) return;
    a.el.alert.textContent = `Set ${msg.set}: ${msg.message || words(msg.kind)}`;
    a.el.alert.hidden = false;
    a.alertSet = msg.set;
  }

  function onResult(a, msg) {
    const what = words(msg.command);
    const at = isNum(msg.t_s) ? ` at ${msg.t_s.toFixed(1)} s` : "";
    a.el.reply.textContent = msg.ok ? `${what} applied${at}`
      : `${what} refused: ${(msg.error && msg.error.message) || "error"}`;
    a.el.reply.dataset.ok = msg.ok ? "yes" : "no";
    const detail = msg.ok && msg.detail ? msg.detail : null;
    if (detail && "target_tempo" in detail) {
      a.target = typeof detail.target_tempo === "string" ? detail.target_tempo : null;
      renderMeta(a);
    }
  }

  function onPlan(a, plan) {
    if (!plan || typeof plan !== "object") return;
    const cur = plan.current;
    a.el.plan.textContent = plan.state === "done" || !cur ? "Plan: all blocks done"
      : `Plan block ${plan.block}/${plan.blocks}: ${cur.sets} × ${words(cur.exercise)}`
        + (cur.reps ? `, ${cur.reps} reps` : "")
        + (cur.target_tempo ? ` at ${cur.target_tempo}` : "");
    a.el.plan.hidden = false;
  }

  function sendCommand(a, name) {
    if (!state.client || !state.connected) {
      a.el.reply.textContent = "not connected to the broker";
      return;
    }
    const body = { command: name, request_id: `dash-${Date.now().toString(36)}` };
    if (name === "set_exercise") body.exercise = a.el.pickExercise.value;
    if (name === "set_target_tempo") body.tempo = a.el.pickTempo.value.trim();
    state.client.publish(`${state.cfg.base}/${a.name}/command`, JSON.stringify(body),
      { qos: 1 });
    a.el.reply.textContent = `${words(name)} sent…`;
    delete a.el.reply.dataset.ok;
  }

  function onStatus(a, msg, retained) {
    if (msg.plan) onPlan(a, msg.plan);
    a.status = msg;
    if (retained && typeof msg.time === "string") {
      // A retained status may be old (its publisher died without a Last Will reaching
      // us): count its age from when it was written, not from when we received it.
      const age = Date.now() - Date.parse(msg.time);
      if (isNum(age) && age > 0) a.lastSeen = performance.now() - age;
    }
    // The status carries the session's count too (0 when a new session starts, while
    // the pipeline calibrates and sends no live samples yet).
    if (Number.isInteger(msg.reps)) a.repCount = msg.reps;
    if (typeof msg.exercise === "string") a.exercise = msg.exercise;
    if (typeof msg.target_tempo === "string") a.target = msg.target_tempo;
    renderMeta(a);
  }

  function remember(a, id) {
    if (a.ids.has(id)) return false;
    a.ids.add(id);
    if (a.ids.size > MAX_IDS) a.ids.delete(a.ids.values().next().value);
    return true;
  }

  function addRep(a, msg) {
    // At-least-once delivery: duplicates carry the same id (docs/mqtt.md, Delivery).
    if (typeof msg.id !== "string" || !remember(a, `rep:${msg.id}`)) return false;
    a.reps.push(msg);
    if (a.reps.length > MAX_REP_ROWS) a.reps.shift();
    return true;
  }

  function onRecent(a, msg) {
    // Oldest first. The counter is left to the retained status: the history may end in
    // an earlier session than the one running now.
    if (Array.isArray(msg.holds)) {
      for (const h of msg.holds) if (h && typeof h === "object") addHold(a, h);
      if (a.holds.length) renderHolds(a);
    }
    if (!Array.isArray(msg.reps)) return;
    for (const r of msg.reps) if (r && typeof r === "object") addRep(a, r);
    renderReps(a);
  }

  function addHold(a, msg) {
    if (typeof msg.id !== "string" || !remember(a, `hold:${msg.id}`)) return false;
    a.holds.push(msg);
    if (a.holds.length > MAX_HOLD_ROWS) a.holds.shift();
    return true;
  }

  function onHold(a, msg) {
    if (!addHold(a, msg)) return;
    if (typeof msg.exercise === "string") a.exercise = msg.exercise;
    renderHolds(a);
    renderMeta(a);
  }

  // The running hold timer, in stream seconds from live samples. The hold detector's
  // live phase turns to "hold" only once the pose has been steady for a moment after
  // the hips left the start pose, so the timer counts from the sample where the phase
  // left the start pose ("away"), or where the previous hold ended (docs/dashboard.md).
  const HOLD_PHASE = "hold";
  const AWAY_PHASES = ["away", HOLD_PHASE];

  function holdTimer(a, t, phase, newSession) {
    const was = newSession ? null : a.phase;
    if (AWAY_PHASES.includes(phase) &&
        (!AWAY_PHASES.includes(was) || (was === HOLD_PHASE && phase !== HOLD_PHASE))) {
      a.leftPoseT = t;
    } else if (!AWAY_PHASES.includes(phase)) {
      a.leftPoseT = null;
    }
    const el = a.el.holdTimer;
    if (phase === HOLD_PHASE && isNum(a.leftPoseT)) {
      a.el.holdGauge.hidden = false;
      el.dataset.state = "running";
      el.dataset.seconds = (t - a.leftPoseT).toFixed(3);
      el.textContent = `${(t - a.leftPoseT).toFixed(1)} s`;
    } else if (el.dataset.state === "running") {
      el.dataset.state = "idle";  // the last value stays until the hold event shows it
    }
  }

  function onRep(a, msg) {
    if (!addRep(a, msg)) return;
    // An alert is about its set: a rep of a later set clears the banner.
    if (isNum(a.alertSet) && isNum(msg.set) && msg.set > a.alertSet) {
      a.el.alert.hidden = true;
      a.alertSet = null;
    }
    if (Number.isInteger(msg.rep)) a.repCount = msg.rep;
    if (typeof msg.exercise === "string") a.exercise = msg.exercise;
    renderReps(a);
    renderMeta(a);
  }

  function onSet(a, msg) {
    if (typeof msg.id !== "string" || !remember(a, `set:${msg.id}`)) return;
    a.lastSet = msg;
    if (typeof msg.target_tempo === "string") a.target = msg.target_tempo;
    if (msg.side === "left" || msg.side === "right") a.sides[msg.side] = msg;
    renderSet(a);
    renderSides(a);
    renderMeta(a);
    // The history view (history.js) reloads: the set is in the database by now.
    document.dispatchEvent(new CustomEvent("eccentric:set", { detail: { athlete: a.name } }));
  }

  // The rest timer between sets (--exercise any): rest events come when a rest starts,
  // about once a second while it runs and when the next set starts (docs/mqtt.md).
  function fmtClock(s) {
    const neg = s < 0;
    const t = Math.round(Math.abs(s));
    return `${neg ? "−" : ""}${Math.floor(t / 60)}:${String(t % 60).padStart(2, "0")}`;
  }

  function onRest(a, msg) {
    if (!isNum(msg.elapsed_s) || !isNum(msg.t_s)) return;
    // A tick older than the last shown is a late copy; start and end always count.
    if (msg.state === "running" && a.restT !== null && msg.t_s < a.restT) return;
    a.restT = msg.t_s;
    const el = a.el.restTimer;
    a.el.restGauge.hidden = false;
    const ended = msg.state === "end";
    el.dataset.state = ended ? "ended" : "running";
    el.dataset.seconds = msg.elapsed_s.toFixed(1);
    el.textContent = fmtClock(msg.elapsed_s);
    a.el.restLabel.textContent = ended ? "Last rest" : "Rest";
    const status = typeof msg.status === "string" ? msg.status : "";
    a.el.restGauge.dataset.status = status;
    a.el.restTarget.textContent = isNum(msg.target_s)
      ? `of ${fmtClock(msg.target_s)} · ${status === "over" ? "over" : "under"}`
        + (ended ? "" : ` (${fmtClock(msg.remaining_s)} left)`)
      : "";
  }

  function onLive(a, msg) {
    if (!isNum(msg.t_s)) return;
    const last = a.trace.length ? a.trace[a.trace.length - 1][0] : null;
    const newSession = last !== null && msg.t_s < last - 1;
    if (newSession) a.trace = [];  // stream time restarted: a new session
    if (isNum(msg.angle_deg)) a.trace.push([msg.t_s, msg.angle_deg]);
    if (Number.isInteger(msg.reps)) {
      // Within a session the count only grows; a live sample sent just before a rep
      // may arrive after it and must not take the counter back.
      a.repCount = newSession ? msg.reps : Math.max(a.repCount, msg.reps);
    }
    if (typeof msg.phase === "string") holdTimer(a, msg.t_s, msg.phase, newSession);
    a.phase = typeof msg.phase === "string" ? msg.phase : a.phase;
    a.angle = isNum(msg.angle_deg) ? msg.angle_deg : a.angle;
    a.el.reps.textContent = String(a.repCount);
    a.el.phase.textContent = words(a.phase);
    a.el.phase.dataset.phase = a.phase || "";
    a.el.angle.textContent = fmtDeg(a.angle);
    scheduleDraw(a);
  }

  // --- athletes and their cards -----------------------------------------------------
  function athlete(name) {
    let a = state.athletes.get(name);
    if (a) return a;
    const node = $("#athlete-card").content.firstElementChild.cloneNode(true);
    node.dataset.athlete = name;
    node.setAttribute("aria-label", `Athlete ${name}`);
    $(".name", node).textContent = name;
    const f = (field) => $(`[data-field="${field}"]`, node);
    a = {
      name, status: null, lastSeen: 0,
      repCount: 0, phase: null, angle: null, exercise: null, target: null,
      trace: [], reps: [], holds: [], ids: new Set(), lastSet: null, sides: {},
      leftPoseT: null, restT: null,
      drawPending: false,
      el: {
        root: node, badge: f("availability"), exercise: f("exercise"), sensor: f("sensor"),
        battery: f("battery"), reps: f("reps"), phase: f("phase"), angle: f("angle"),
        target: f("target"), canvas: $("canvas.spark", node),
        repBody: $("table.reps tbody", node), set: f("set"), setLine: f("set-line"),
        setBody: $("table.summary tbody", node), fatigue: f("fatigue"),
        lr: f("lr"), lrTable: $("table.sides", node), lrBody: $("table.sides tbody", node),
        lrNote: f("lr-note"), holdGauge: f("hold-gauge"), holdTimer: f("hold-timer"),
        holds: f("holds"), holdBody: $("table.holds tbody", node),
        targetHold: f("target-hold"),
        alert: f("alert"), plan: f("plan"), reply: f("reply"),
        pickExercise: f("pick-exercise"), pickTempo: f("pick-tempo"),
        targetHold: f("target-hold"), restGauge: f("rest-gauge"), restTimer: f("rest-timer"),
        restLabel: f("rest-label"), restTarget: f("rest-target"),
      },
    };
    for (const btn of node.querySelectorAll("button[data-cmd]")) {
      btn.addEventListener("click", () => sendCommand(a, btn.dataset.cmd));
    }
    f("window").textContent = `${WINDOW_S} s`;
    state.athletes.set(name, a);
    // Keep cards in name order so they do not jump around as messages arrive.
    const main = $("#athletes");
    const after = [...state.athletes.keys()].sort().find((n) => n > name);
    const before = after ? state.athletes.get(after).el.root : null;
    main.insertBefore(node, before && before.parentNode === main ? before : null);
    $("#empty").hidden = true;
    return a;
  }

  function availability(a, now) {
    if (!state.connected) return ["unknown", "no broker connection"];
    const st = a.status;
    if (state.bridge === "offline" || (st && st.online === false)) return ["offline", "offline"];
    if (st && st.stale === true) return ["stale", "stale · catching up"];
    // Silence, not a pause of the live stream: the pipeline sends no live samples while
    // it calibrates at the start of a session, yet the status heartbeat (30 s) goes on.
    if (now - a.lastSeen > state.cfg.stale_after_s * 1000) return ["stale", "stale · no data"];
    if (st && st.sensor_connected === false) return ["stale", "stale · sensor disconnected"];
    return ["online", "online"];
  }

  function refreshAvailability(only) {
    const now = performance.now();
    for (const a of only ? [only] : state.athletes.values()) {
      const [kind, text] = availability(a, now);
      if (a.el.badge.dataset.state !== kind || a.el.badge.textContent !== text) {
        a.el.badge.dataset.state = kind;
        a.el.badge.textContent = text;
      }
    }
  }

  function renderMeta(a) {
    const st = a.status || {};
    a.el.exercise.textContent = words(a.exercise || st.exercise);
    const rate = isNum(st.sample_rate_hz) ? ` · ${Math.round(st.sample_rate_hz)} Hz` : "";
    a.el.sensor.textContent = `${words(st.sensor)}${rate}`;
    a.el.battery.textContent = isNum(st.battery_pct)
      ? `battery ${Math.round(st.battery_pct)} %` : "battery —";
    a.el.reps.textContent = String(a.repCount);
    a.el.target.textContent = a.target ? `target tempo ${a.target}` : "no target tempo";
    // The picker follows the session's exercise unless the coach is choosing one.
    const pick = a.el.pickExercise;
    const now = a.exercise || st.exercise;
    if (pick && now && document.activeElement !== pick
        && [...pick.options].some((o) => o.value === now)) pick.value = now;
  }

  function cell(tr, col, text) {
    const td = document.createElement("td");
    td.dataset.col = col;
    td.textContent = text;
    tr.appendChild(td);
    return td;
  }

  function renderReps(a) {
    const rows = [];
    for (const r of [...a.reps].reverse()) {  // newest first
      const tr = document.createElement("tr");
      tr.dataset.repId = r.id;
      cell(tr, "set", isNum(r.set) ? String(r.set) : "—");
      cell(tr, "rep_in_set", isNum(r.rep_in_set) ? String(r.rep_in_set) : "—");
      cell(tr, "side", typeof r.side === "string" ? r.side : "—");
      cell(tr, "eccentric_s", fmtS(r.eccentric_s));
      cell(tr, "concentric_s", fmtS(r.concentric_s));
      cell(tr, "hold_s", fmtS(r.hold_s));
      cell(tr, "break_angle_deg", fmtDeg(r.break_angle_deg));
      cell(tr, "rom_deg", fmtDeg(r.rom_deg));
      cell(tr, "tempo", typeof r.tempo === "string" ? r.tempo : "—");
      // Not by colour alone: the row is tinted and the cell says so in words.
      const ok = r.within_target_tempo;
      const td = cell(tr, "target", ok === true ? "✓ on" : ok === false ? "✗ off" : "—");
      if (ok === false) {
        tr.classList.add("off-target");
        td.classList.add("off");
      }
      rows.push(tr);
    }
    a.el.repBody.replaceChildren(...rows);
    // Columns that mean nothing for what is in the table stay out of the way: a ball
    // curl has no break point, a Nordic no hold, a two-leg set no side.
    const table = a.el.repBody.parentElement;
    const any = (pred) => a.reps.some(pred);
    table.classList.toggle("hide-side", !any((r) => r.side === "left" || r.side === "right"));
    table.classList.toggle("hide-hold_s", !any((r) => isNum(r.hold_s)));
    table.classList.toggle("hide-break_angle_deg", !any((r) => isNum(r.break_angle_deg)));
  }

  function renderHolds(a) {
    a.el.holds.hidden = false;
    a.el.holdGauge.hidden = false;
    const rows = [];
    for (const h of [...a.holds].reverse()) {  // newest first
      const tr = document.createElement("tr");
      tr.dataset.holdId = h.id;
      cell(tr, "set", isNum(h.set) ? String(h.set) : "—");
      cell(tr, "hold_in_set", isNum(h.hold_in_set) ? String(h.hold_in_set) : "—");
      cell(tr, "side", typeof h.side === "string" ? h.side : "—");
      cell(tr, "duration_s", fmtS(h.duration_s));
      cell(tr, "sway_deg", fmtDeg(h.sway_deg));
      cell(tr, "hip_dips", Number.isInteger(h.hip_dips) ? String(h.hip_dips) : "—");
      const out = h.outside_target;
      const td = cell(tr, "target", out === false ? "✓ on" : out === true ? "✗ off" : "—");
      if (out === true) {
        tr.classList.add("off-target");
        td.classList.add("off");
      }
      rows.push(tr);
    }
    a.el.holdBody.replaceChildren(...rows);
  }

  function renderSet(a) {
    const s = a.lastSet;
    if (!s) return;
    a.el.set.hidden = false;
    const parts = [`Set ${s.set}`,
      Number.isInteger(s.holds) ? `${s.holds} holds` : `${s.reps} reps`, words(s.exercise)];
    if (isNum(s.exercise_confidence)) {
      parts.push(`recognised ${Math.round(100 * s.exercise_confidence)} % sure`);
    }
    if (s.side === "left" || s.side === "right") parts.push(`${s.side} leg`);
    if (typeof s.target_tempo === "string" && Number.isInteger(s.reps_outside_target)) {
      parts.push(`${s.reps_outside_target} of ${s.reps} reps outside ${s.target_tempo}`);
    }
    if (typeof s.target_hold === "string" && Number.isInteger(s.holds_outside_target)) {
      parts.push(`${s.holds_outside_target} of ${s.holds} holds outside ${s.target_hold} s`);
      a.el.targetHold.textContent = `target ${s.target_hold} s`;
    }
    if (s.side_counts && isNum(s.asymmetry_pct)) {
      parts.push(`session L ${s.side_counts.left} / R ${s.side_counts.right} · ` +
        `asymmetry ${s.asymmetry_pct.toFixed(1)} %`);
    }
    // Line breaks only between the parts: never inside "2-3-1-x" or "12 reps".
    a.el.setLine.replaceChildren(...parts.flatMap((part, i) => {
      const span = document.createElement("span");
      span.className = "nobr";
      span.textContent = part;
      return i ? [document.createTextNode(" · "), span] : [span];
    }));
    const trend = s.trend_pct && typeof s.trend_pct === "object" ? s.trend_pct : {};
    const rows = [];
    for (const [key, label, fmt] of MEASURES) {
      const mean = s[`${key}_mean`];
      if (!isNum(mean)) continue;
      const tr = document.createElement("tr");
      tr.dataset.measure = key;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = label;
      tr.appendChild(th);
      const sd = s[`${key}_sd`];
      cell(tr, "mean", isNum(sd) ? `${fmt(mean)} ± ${fmt(sd)}` : fmt(mean));
      const t = trend[key];
      const arrow = isNum(t) ? (t > 0 ? " ↑" : t < 0 ? " ↓" : "") : "";
      cell(tr, "trend", isNum(t) ? `${fmtPct(t)}${arrow}` : "—");
      rows.push(tr);
    }
    a.el.setBody.replaceChildren(...rows);
    const notes = [];
    const ecc = trend.eccentric_s;
    const brk = trend.break_angle_deg;
    if (isNum(ecc) && ecc <= -FATIGUE_DROP_PCT) {
      notes.push(`eccentric time fell ${Math.abs(ecc).toFixed(1)} % from first to last rep`);
    }
    if (isNum(brk) && brk <= -FATIGUE_DROP_PCT) {
      notes.push(`the break point came ${Math.abs(brk).toFixed(1)} % earlier`);
    }
    a.el.fatigue.hidden = false;
    if (notes.length) {
      a.el.fatigue.dataset.state = "fatigue";
      a.el.fatigue.textContent = `Fatigue: ${notes.join("; ")}.`;
    } else if (isNum(ecc)) {
      a.el.fatigue.dataset.state = "steady";
      a.el.fatigue.textContent =
        `No marked fatigue: eccentric time changed ${fmtPct(ecc)} across the set.`;
    } else {
      a.el.fatigue.hidden = true;
    }
  }

  function renderSides(a) {
    const { left, right } = a.sides;
    if (!left && !right) return;
    a.el.lr.hidden = false;
    if (!left || !right) {
      const have = left ? "left" : "right";
      const want = left ? "right" : "left";
      a.el.lrTable.hidden = true;
      a.el.lrNote.textContent =
        `A ${have}-leg set is in; waiting for a ${want}-leg set to compare.`;
      return;
    }
    const rows = [];
    const repsRow = document.createElement("tr");
    repsRow.dataset.measure = "reps";
    const th0 = document.createElement("th");
    th0.scope = "row";
    th0.textContent = "Reps";
    repsRow.appendChild(th0);
    cell(repsRow, "left", `${left.reps} reps`);
    cell(repsRow, "right", `${right.reps} reps`);
    cell(repsRow, "diff", fmtSigned(left.reps - right.reps, 0, " reps"));
    rows.push(repsRow);
    for (const [key, label, fmt, unit, digits] of MEASURES) {
      const l = left[`${key}_mean`];
      const r = right[`${key}_mean`];
      if (!isNum(l) || !isNum(r)) continue;
      const tr = document.createElement("tr");
      tr.dataset.measure = key;
      const th = document.createElement("th");
      th.scope = "row";
      th.textContent = `${label} (mean)`;
      tr.appendChild(th);
      cell(tr, "left", fmt(l));
      cell(tr, "right", fmt(r));
      const big = Math.max(Math.abs(l), Math.abs(r));
      const pct = big > 0 ? (100 * Math.abs(l - r)) / big : 0;
      const td = cell(tr, "diff", `${fmtSigned(l - r, digits, unit)} (${pct.toFixed(1)} %)`);
      if (pct > ASYMMETRY_FLAG_PCT) {
        td.classList.add("off");
        td.textContent += " ⚠";
      }
      rows.push(tr);
    }
    a.el.lrBody.replaceChildren(...rows);
    a.el.lrTable.hidden = false;
    a.el.lrNote.textContent = `Difference is left − right, in % of the larger side; ` +
      `⚠ marks more than ${ASYMMETRY_FLAG_PCT} %.`;
  }

  // --- the angle trace --------------------------------------------------------------
  function scheduleDraw(a) {
    if (a.drawPending) return;
    a.drawPending = true;
    requestAnimationFrame(() => {
      a.drawPending = false;
      drawTrace(a);
    });
  }

  function drawTrace(a) {
    const c = a.el.canvas;
    const tail = a.trace.length ? a.trace[a.trace.length - 1][0] : 0;
    while (a.trace.length && a.trace[0][0] < tail - WINDOW_S) a.trace.shift();
    c.dataset.points = String(a.trace.length);
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth;
    const h = c.clientHeight;
    if (!w || !h) return;
    if (c.width !== Math.round(w * dpr) || c.height !== Math.round(h * dpr)) {
      c.width = Math.round(w * dpr);
      c.height = Math.round(h * dpr);
    }
    const ctx = c.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const css = getComputedStyle(c);
    const pts = a.trace;
    let lo = 0;
    let hi = 30;
    for (const [, v] of pts) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    hi = Math.ceil(hi / 30) * 30;  // steps of 30° keep the scale calm
    lo = Math.floor(lo / 30) * 30;
    const padL = 34;
    const y = (v) => 4 + (h - 8) * (1 - (v - lo) / (hi - lo));
    const x = (t) => padL + (w - padL - 4) * (1 - (tail - t) / WINDOW_S);
    ctx.font = "11px system-ui, sans-serif";
    ctx.fillStyle = css.getPropertyValue("--muted").trim() || "#555";
    ctx.strokeStyle = css.getPropertyValue("--grid").trim() || "#ccc";
    ctx.lineWidth = 1;
    for (const v of [lo, hi]) {
      ctx.beginPath();
      ctx.moveTo(padL, y(v));
      ctx.lineTo(w - 4, y(v));
      ctx.stroke();
      ctx.fillText(`${v}°`, 2, Math.min(h - 2, Math.max(10, y(v) + 4)));
    }
    if (pts.length < 2) return;
    ctx.strokeStyle = css.getPropertyValue("--trace").trim() || "#1f5fbf";
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach(([t, v], i) => (i ? ctx.lineTo(x(t), y(v)) : ctx.moveTo(x(t), y(v))));
    ctx.stroke();
    c.setAttribute("aria-label",
      `Segment angle over the last ${WINDOW_S} s; now ${fmtDeg(a.angle)}`);
  }

  // --- start ------------------------------------------------------------------------
  async function main() {
    const cfg = await loadConfig();
    state.cfg = cfg;
    $("#broker-url").textContent = cfg.broker;
    $("#base-topic").textContent = `${cfg.base}/`;
    $("#empty-topic").textContent = `${cfg.base}/+/…`;
    if (!window.mqtt) {
      setConnection("error", "MQTT client library failed to load (vendor/mqtt.min.js)");
      return;
    }
    state.client = connect(cfg);
    setInterval(() => refreshAvailability(), 1000);
    window.addEventListener("resize", () => state.athletes.forEach(scheduleDraw));
  }

  document.addEventListener("DOMContentLoaded", main);
})();
