// neuronet playground: the page. Plain JavaScript and canvas, no dependencies, no build step.
// The server trains (neuronet's own fit) and streams frames over a WebSocket; this file only
// draws them and sends the user's changes. See neuronet/playground/server.py for the protocol.
"use strict";

const $ = (id) => document.getElementById(id);
const POS = [245, 147, 34], NEG = [8, 119, 189];            // orange +, blue −
const CLASS_COLOURS = [[8, 119, 189], [245, 147, 34], [46, 160, 67], [207, 34, 46],
  [130, 80, 223], [191, 135, 0], [27, 124, 131], [219, 97, 162]];
const NUMBER_FIELDS = ["classes", "n_samples", "noise", "test_fraction", "seed", "lr",
  "batch_size", "l2", "dropout", "speed"];
const SELECT_FIELDS = ["dataset", "optimizer", "output", "loss"];

const state = {
  options: null, settings: null, sessionId: null, ws: null, playing: false,
  frame: null, points: null, probe: null, probeX: null, probePending: false,
  selected: null, hovered: null, cards: {}, nodeRects: [], dirty: true,
  stats: { frames: 0, drawMs: 0, received: 0, started: performance.now() },
};
window.playground = state; // for the end-to-end test and the curious

// ---------------------------------------------------------------- decoding

function bytes(b64) {
  const s = atob(b64), out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}
const floats = (b64) => new Float32Array(bytes(b64).buffer);

// ---------------------------------------------------------------- messages on the page

function say(text, kind = "note") {
  const box = $("messages");
  const div = document.createElement("div");
  div.className = kind;
  div.textContent = text;
  box.prepend(div);
  while (box.children.length > 4) box.lastChild.remove();
}

// ---------------------------------------------------------------- settings <-> URL

function settingsToHash(s) {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(s)) p.set(k, Array.isArray(v) ? v.join(",") : String(v));
  return "#" + p.toString();
}

function hashToSettings() {
  const p = new URLSearchParams(location.hash.slice(1));
  const out = {};
  for (const [k, v] of p.entries()) {
    if (k === "hidden") out[k] = v === "" ? [] : v.split(",").map(Number);
    else if (k === "activations") out[k] = v === "" ? [] : v.split(",");
    else if (NUMBER_FIELDS.includes(k)) out[k] = Number(v);
    else out[k] = v;
  }
  return out;
}

// ---------------------------------------------------------------- server

async function api(path, options = {}) {
  const r = await fetch(path, options);
  const body = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error(body.error || `${r.status} ${r.statusText}`);
  return body;
}

function send(msg) {
  if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send(JSON.stringify(msg));
  else say("not connected to the server: reload the page.", "error");
}

async function start() {
  state.options = await api("/api/options");
  fillSelects();
  let session;
  const wanted = hashToSettings();
  try {
    session = await api("/api/sessions", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(wanted) });
  } catch (err) {
    say(`The link's settings were refused (${err.message}); starting from the defaults.`, "error");
    session = await api("/api/sessions", { method: "POST", body: "{}" });
  }
  state.sessionId = session.id;
  showSettings(session.settings);
  connect();
  requestAnimationFrame(loop);
}

function connect() {
  const proto = location.protocol === "https:" ? "wss" : "ws";
  const ws = new WebSocket(`${proto}://${location.host}/api/sessions/${state.sessionId}/ws`);
  state.ws = ws;
  ws.onmessage = (event) => receive(JSON.parse(event.data));
  ws.onclose = () => { setPlaying(false); say("The connection to the server closed: reload the page to go on.", "error"); };
}

function receive(msg) {
  switch (msg.type) {
    case "frame":
      state.frame = msg; state.stats.received++; state.dirty = true; state.ackDue = true;
      showMetrics(msg);
      if (state.selected) refreshInspector();
      break;
    case "points":
      state.points = decodePoints(msg); state.dirty = true; break;
    case "settings":
      showSettings(msg.settings); break;
    case "status":
      setPlaying(msg.playing); break;
    case "probe":
      state.probe = msg; state.probePending = false; refreshInspector(); break;
    case "error":
      say(msg.message, "error");
      state.probePending = false;
      if (state.settings) showSettings(state.settings, true); // put the refused value back
      break;
    case "pong": break;
    default: say(`unexpected message ${msg.type}`, "error");
  }
}

function decodePoints(msg) {
  const part = (p) => ({ x: floats(p.x), y: floats(p.y) });
  return { nIn: msg.n_inputs, train: part(msg.train), test: part(msg.test) };
}

// ---------------------------------------------------------------- controls

function option(select, value, text) {
  const o = document.createElement("option");
  o.value = value; o.textContent = text || value;
  select.append(o);
}

function fillSelects() {
  const o = state.options;
  for (const d of o.datasets) option($("dataset"), d, d === "file" ? `file: ${o.file}` : d);
  for (const n of o.optimizers) option($("optimizer"), n);
  option($("output"), "auto");
  for (const n of o.activations) option($("output"), n);
  option($("loss"), "auto");
  for (const n of o.losses) option($("loss"), n);
}

function showSettings(s, force = false) {
  state.settings = s;
  for (const k of NUMBER_FIELDS) if (force || document.activeElement !== $(k)) $(k).value = s[k];
  for (const k of SELECT_FIELDS) {
    const sel = $(k);
    if (![...sel.options].some((o) => o.value === s[k])) option(sel, s[k]);
    sel.value = s[k];
  }
  $("classes").disabled = !state.options.multiclass.includes(s.dataset);
  buildLayerControls(s);
  history.replaceState(null, "", settingsToHash(s));
}

function buildLayerControls(s) {
  const box = $("layers");
  const focused = box.contains(document.activeElement) ? document.activeElement.id : null;
  box.textContent = "";
  s.hidden.forEach((width, i) => {
    const div = document.createElement("div");
    div.className = "layer-ctl";
    const row = document.createElement("div");
    row.className = "row";
    const minus = document.createElement("button");
    minus.id = `fewer-${i + 1}`;
    minus.textContent = "−"; minus.title = `fewer neurons in layer ${i + 1}`;
    minus.setAttribute("aria-label", minus.title);
    minus.onclick = () => changeWidth(i, -1);
    const plus = document.createElement("button");
    plus.id = `more-${i + 1}`;
    plus.textContent = "+"; plus.title = `more neurons in layer ${i + 1}`;
    plus.setAttribute("aria-label", plus.title);
    plus.onclick = () => changeWidth(i, +1);
    const count = document.createElement("span");
    count.textContent = width;
    row.append(minus, count, plus);
    const sel = document.createElement("select");
    sel.id = `activation-${i + 1}`;
    sel.setAttribute("aria-label", `activation of layer ${i + 1}`);
    for (const n of state.options.activations) option(sel, n);
    sel.value = s.activations[i];
    sel.onchange = () => {
      const acts = [...state.settings.activations];
      acts[i] = sel.value;
      change({ activations: acts });
    };
    div.append(row, sel);
    box.append(div);
  });
  if (focused && $(focused)) $(focused).focus();  // keyboard users stay where they were
  const out = state.frame ? state.frame.sizes : null;
  $("shape").textContent = out ? out.join(" → ") : "";
}

function changeWidth(i, delta) {
  const hidden = [...state.settings.hidden];
  hidden[i] = Math.max(1, Math.min(state.options.limits.neurons, hidden[i] + delta));
  change({ hidden });
}

function change(values) { send({ type: "settings", settings: values }); }

function setPlaying(p) {
  state.playing = p;
  const b = $("play");
  b.textContent = p ? "‖ Pause" : "▶ Play";
  b.setAttribute("aria-pressed", String(p));
}

function download(path) {
  const a = document.createElement("a");
  a.href = path; a.download = "";
  document.body.append(a); a.click(); a.remove();
}

function bindControls() {
  $("play").onclick = () => send({ type: state.playing ? "pause" : "play" });
  $("step").onclick = () => send({ type: "step" });
  $("reset").onclick = () => send({ type: "reset" });
  $("regenerate").onclick = () => send({ type: "regenerate" });
  $("export-model").onclick = () => download(`/api/sessions/${state.sessionId}/model`);
  $("export-code").onclick = () => download(`/api/sessions/${state.sessionId}/code`);
  $("share").onclick = async () => {
    try { await navigator.clipboard.writeText(location.href); say("The link to these settings is copied."); }
    catch { say(`The link to these settings: ${location.href}`); }
  };
  for (const k of NUMBER_FIELDS) {
    $(k).onchange = () => {
      const v = Number($(k).value);
      if ($(k).value.trim() === "" || !Number.isFinite(v)) { say(`${k}: “${$(k).value}” is not a number.`, "error"); showSettings(state.settings, true); return; }
      change({ [k]: v });
    };
  }
  for (const k of SELECT_FIELDS) $(k).onchange = () => change({ [k]: $(k).value });
  $("add-layer").onclick = () => {
    const s = state.settings;
    if (s.hidden.length >= state.options.limits.layers) { say(`At most ${state.options.limits.layers} hidden layers.`, "error"); return; }
    change({ hidden: [...s.hidden, s.hidden.at(-1) || 4], activations: [...s.activations, s.activations.at(-1) || "tanh"] });
  };
  $("remove-layer").onclick = () => {
    const s = state.settings;
    if (s.hidden.length) change({ hidden: s.hidden.slice(0, -1), activations: s.activations.slice(0, -1) });
  };
  $("upload").onchange = async () => {
    const file = $("upload").files[0];
    if (!file) return;
    if (file.size > state.options.limits.upload_bytes) { say(`${file.name} is over 5 MB.`, "error"); return; }
    try {
      const r = await api(`/api/sessions/${state.sessionId}/data?name=${encodeURIComponent(file.name)}`, { method: "POST", headers: { "Content-Type": "text/csv" }, body: await file.text() });
      say(`${file.name}: ${r.rows} rows, classes ${r.classes.join(", ")}.`);
      await refreshAfterUpload();
    } catch (err) { say(err.message, "error"); }
  };
  document.addEventListener("keydown", (e) => {
    const t = e.target;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    const keys = { " ": "play", s: "step", r: "reset", g: "regenerate", m: "export-model", c: "export-code", l: "share" };
    const id = keys[e.key.toLowerCase()];
    if (id && !(e.key === " " && t instanceof HTMLButtonElement)) { e.preventDefault(); $(id).click(); }
  });
  window.addEventListener("hashchange", () => {
    // A link pasted into this tab: its settings replace the current ones.
    if (state.settings && location.hash !== settingsToHash(state.settings)) change(hashToSettings());
  });
  const net = $("network");
  net.addEventListener("mousemove", (e) => {
    const hit = nodeAt(e);
    if ((hit && (!state.hovered || hit.l !== state.hovered.l || hit.j !== state.hovered.j)) || (!hit && state.hovered)) {
      state.hovered = hit; state.selected = hit || state.selected; refreshInspector(); state.dirty = true;
    }
  });
  net.addEventListener("keydown", (e) => {
    const f = state.frame;
    if (!f) return;
    let sel = state.selected || { l: 1, j: 0 };
    const last = f.sizes.length - 1;
    if (e.key === "ArrowRight") sel = { l: Math.min(last, sel.l + 1), j: 0 };
    else if (e.key === "ArrowLeft") sel = { l: Math.max(1, sel.l - 1), j: 0 };
    else if (e.key === "ArrowDown") sel = { l: sel.l, j: Math.min(f.sizes[sel.l] - 1, sel.j + 1) };
    else if (e.key === "ArrowUp") sel = { l: sel.l, j: Math.max(0, sel.j - 1) };
    else return;
    e.preventDefault();
    state.selected = sel; state.hovered = null; state.dirty = true; refreshInspector();
  });
  const bd = $("boundary");
  bd.addEventListener("keydown", (e) => {
    // Arrow keys move the probed point (the hover card's x) by a twentieth of the plane.
    const f = state.frame, moves = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, 1], ArrowDown: [0, -1] };
    if (!f || !moves[e.key]) return;
    e.preventDefault();
    const [lo, hi] = f.bounds;
    const x = (state.probeX || lo.map((v, i) => (v + hi[i]) / 2)).slice(0, f.sizes[0]);
    x.forEach((v, i) => { x[i] = Math.min(hi[i], Math.max(lo[i], v + moves[e.key][i] * (hi[i] - lo[i]) / 20)); });
    state.probeX = x; state.dirty = true;
    if (!state.probePending) { state.probePending = true; send({ type: "probe", x }); }
  });
  bd.addEventListener("mousemove", (e) => {
    const f = state.frame;
    if (!f) return;
    const r = bd.getBoundingClientRect();
    const u = (e.clientX - r.left) / r.width, v = (e.clientY - r.top) / r.height;
    const [lo, hi] = f.bounds;
    const x = f.sizes[0] === 1 ? [lo[0] + u * (hi[0] - lo[0])] : [lo[0] + u * (hi[0] - lo[0]), hi[1] - v * (hi[1] - lo[1])];
    state.probeX = x; state.dirty = true;
    if (!state.probePending) { state.probePending = true; send({ type: "probe", x }); }
  });
}

async function refreshAfterUpload() {
  const pts = await api(`/api/sessions/${state.sessionId}/points`);
  state.points = decodePoints(pts);
  const s = await api(`/api/sessions/${state.sessionId}`);
  showSettings(s.settings);
  receive(await api(`/api/sessions/${state.sessionId}/frame`));
}

// ---------------------------------------------------------------- numbers shown

function fmt(v, digits = 4) { return v === null || v === undefined ? "–" : Number(v).toPrecision(digits); }
function pct(v) { return v === null || v === undefined ? "–" : `${(100 * v).toFixed(1)} %`; }

function showMetrics(f) {
  $("epoch").textContent = f.epoch;
  const m = f.metrics;
  $("train-loss").textContent = fmt(m.loss);
  $("test-loss").textContent = fmt(m.val_loss);
  $("train-acc").textContent = pct(m.accuracy);
  $("test-acc").textContent = pct(m.val_accuracy);
  $("test-acc").dataset.value = m.val_accuracy === null ? "" : String(m.val_accuracy);
  $("shape").textContent = f.sizes.join(" → ");
  const d = $("diagnosis");
  d.textContent = "";
  const parts = [];
  f.diagnosis.layers.forEach((l) => {
    const bits = [];
    if (l.dead) bits.push(`${Math.round(100 * l.dead)} % dead`);
    if (l.saturated) bits.push(`${Math.round(100 * l.saturated)} % saturated`);
    if (l.prelu_slope !== null && l.prelu_slope !== undefined) bits.push(`PReLU slope ${fmt(l.prelu_slope, 3)}`);
    if (bits.length) parts.push(`layer ${l.layer}: ${bits.join(", ")}`);
  });
  if (parts.length) { const p = document.createElement("div"); p.textContent = parts.join(" · "); d.append(p); }
  for (const w of f.diagnosis.warnings.slice(0, 3)) {
    const p = document.createElement("div"); p.className = "warn"; p.textContent = "⚠ " + w; d.append(p);
  }
  const key = f.notes.join("|");
  if (key && key !== state.lastNotes) f.notes.forEach((n) => say(n, f.diverged ? "error" : "note"));
  state.lastNotes = key;
}

// ---------------------------------------------------------------- the inspector (hover card)

async function card(name) {
  if (!state.cards[name]) state.cards[name] = await api(`/api/activations/${encodeURIComponent(name)}`);
  return state.cards[name];
}

async function refreshInspector() {
  const f = state.frame, sel = state.hovered || state.selected, box = $("inspector");
  if (!f || !sel || sel.l < 1) return;
  const layer = f.layers[sel.l - 1];
  if (!layer || sel.j >= f.sizes[sel.l]) { box.textContent = ""; return; }
  const nIn = f.sizes[sel.l - 1], nOut = f.sizes[sel.l];
  const w = floats(layer.weights);
  const weights = [];
  for (let i = 0; i < nIn; i++) weights.push(w[i * nOut + sel.j]);
  if (!state.probeX) { const [lo, hi] = f.bounds; state.probeX = lo.map((v, i) => (v + hi[i]) / 2); }
  if (!state.probe && !state.probePending) { state.probePending = true; send({ type: "probe", x: state.probeX }); }
  const p = state.probe && state.probe.layers[sel.l - 1];
  const z = p ? p.z[sel.j] : null, a = p ? p.a[sel.j] : null;
  // A card may still be on its way when a later refresh starts: only the latest one writes.
  const turn = state.inspectorTurn = (state.inspectorTurn || 0) + 1;
  const c = await card(layer.activation);
  if (turn !== state.inspectorTurn) return;
  const flag = layer.flags[sel.j];
  const slope = layer.prelu ? ` · PReLU slope ${layer.prelu.map((v) => fmt(v, 3)).join(", ")}` : "";
  const where = state.probe ? state.probe.x.map((v) => fmt(v, 3)).join(", ") : "–";
  box.innerHTML = "";
  const head = document.createElement("div");
  head.innerHTML = `<b>layer ${sel.l}, neuron ${sel.j + 1}</b> · ${c.name}${slope}` +
    (flag ? ` · <span class="bad">${flag}</span>` : "");
  const eq = document.createElement("div");
  eq.innerHTML = `<code>w = [${weights.map((v) => fmt(v, 3)).join(", ")}]</code> <code>b = ${fmt(layer.bias[sel.j], 3)}</code><br>` +
    `at x = (${where}): <code>z = ${fmt(z, 4)}</code>, <code>a = f(z) = ${fmt(a, 4)}</code>`;
  const cardDiv = document.createElement("div");
  cardDiv.className = "card";
  const text = document.createElement("div");
  const issues = c.issues.map((i) => `<li><b>${esc(i.name)}</b>: ${esc(i.description)} <i>Remedy:</i> ${esc(i.remedy)}</li>`).join("");
  text.innerHTML = `<div>${esc(c.description)}</div><div><code>${esc(c.formula)}</code><br><code>${esc(c.derivative_formula)}</code></div>` +
    `<div>range [${c.range.join(", ")}], init ${esc(String(c.recommended_init))}</div>` + (issues ? `<ul>${issues}</ul>` : "");
  const fig = document.createElement("div");
  fig.innerHTML = c.svg;
  cardDiv.append(text, fig);
  box.append(head, eq, cardDiv);
}

function esc(s) { return String(s).replace(/[&<>"]/g, (ch) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[ch]); }

// ---------------------------------------------------------------- drawing

function mix(t) {
  // t in [-1, 1]: blue (−) through white to orange (+)
  const c = t < 0 ? NEG : POS, k = Math.min(1, Math.abs(t));
  return [255 + (c[0] - 255) * k, 255 + (c[1] - 255) * k, 255 + (c[2] - 255) * k];
}

const tiles = new Map();  // reusable small canvases for the heatmaps
function tile(key, w, h) {
  let c = tiles.get(key);
  if (!c || c.width !== w || c.height !== h) { c = document.createElement("canvas"); c.width = w; c.height = h; tiles.set(key, c); }
  return c;
}

let frameVersion = 0;
const MAX_EDGES = 400;
function decoded(f) {
  // A frame's arrays, decoded once (not at every redraw).
  if (!f._decoded) {
    f._decoded = {
      version: ++frameVersion,
      weights: f.layers.map((layer) => floats(layer.weights)),
      heat: f.layers.map((layer) => bytes(layer.heat)),
    };
    // Between two wide layers only the MAX_EDGES strongest weights are drawn: thousands of
    // faint lines say nothing and cost a software rasteriser most of a frame.
    f._decoded.maxW = f._decoded.weights.map((w) => w.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-9));
    f._decoded.cut = f._decoded.weights.map((w, l) => {
      if (w.length <= MAX_EDGES) return 0;
      const mags = Float32Array.from(w, Math.abs).sort();
      return mags[mags.length - MAX_EDGES] / f._decoded.maxW[l];
    });
  }
  return f._decoded;
}

function heatTile(key, q, n, version) {
  // q: uint8 over an n×n grid (0 → −scale, 255 → +scale); drawn again only for a new frame
  const cached = tiles.get(key);
  if (cached && cached.version === version && cached.width === n) return cached;
  const c = tile(key, n, n), ctx = c.getContext("2d"), img = ctx.createImageData(n, n);
  c.version = version;
  for (let i = 0; i < n * n; i++) {
    const [r, g, b] = mix(q[i] / 127.5 - 1);
    img.data[4 * i] = r; img.data[4 * i + 1] = g; img.data[4 * i + 2] = b; img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  return c;
}

function drawCurve1d(ctx, q, x, y, w, h) {
  ctx.fillStyle = "#fff"; ctx.fillRect(x, y, w, h);
  ctx.strokeStyle = "#bbb"; ctx.beginPath(); ctx.moveTo(x, y + h / 2); ctx.lineTo(x + w, y + h / 2); ctx.stroke();
  ctx.strokeStyle = "#333"; ctx.beginPath();
  for (let i = 0; i < q.length; i++) {
    const px = x + (i / (q.length - 1)) * w, py = y + h - (q[i] / 255) * h;
    if (i) ctx.lineTo(px, py); else ctx.moveTo(px, py);
  }
  ctx.stroke();
}

function drawNetwork() {
  const f = state.frame, cv = $("network"), ctx = cv.getContext("2d");
  const W = cv.width, H = cv.height;
  ctx.clearRect(0, 0, W, H);
  if (!f) return;
  const sizes = f.sizes, L = sizes.length;

  const maxN = Math.max(...sizes);
  const room = H - 18;  // the bottom line holds each layer's activation
  const box = Math.max(6, Math.min(40, Math.floor(room / maxN) - 4));
  const gap = Math.min(box + 8, room / maxN);
  const margin = box / 2 + 8, colW = (W - 2 * margin) / (L - 1 || 1);
  const rects = [];
  for (let l = 0; l < L; l++) {
    const n = sizes[l], x = margin + l * colW - box / 2, top = 4 + (room - 4 - n * gap) / 2;
    rects.push(Array.from({ length: n }, (_, j) => ({ x, y: top + j * gap + (gap - box) / 2, l, j })));
  }
  state.nodeRects = rects;
  state.nodeBox = box;
  placeLayerControls(cv, margin, colW);
  // edges: colour by sign, width by size; batched into a few paths (fast for 10 × 64)
  const dec = decoded(f), BUCKETS = 6;
  for (let l = 1; l < L; l++) {
    const w = dec.weights[l - 1], nIn = sizes[l - 1], nOut = sizes[l];
    const maxW = dec.maxW[l - 1], cut = dec.cut[l - 1];
    const paths = [[], []].map(() => Array.from({ length: BUCKETS }, () => new Path2D()));
    for (let i = 0; i < nIn; i++) {
      const a = rects[l - 1][i];
      for (let j = 0; j < nOut; j++) {
        const v = w[i * nOut + j], b = rects[l][j], k = Math.abs(v) / maxW;
        if (k < cut) continue;
        const path = paths[v < 0 ? 0 : 1][Math.min(BUCKETS - 1, Math.floor(k * BUCKETS))];
        path.moveTo(a.x + box, a.y + box / 2); path.lineTo(b.x, b.y + box / 2);
      }
    }
    paths.forEach((bySize, sign) => bySize.forEach((path, bucket) => {
      const c = sign ? POS : NEG, k = (bucket + 0.5) / BUCKETS;
      ctx.strokeStyle = `rgba(${c[0]},${c[1]},${c[2]},${0.15 + 0.7 * k})`;
      ctx.lineWidth = 0.4 + 3 * k;
      ctx.stroke(path);
    }));
  }
  // the inputs: x1 and x2 as their own heatmaps
  const oneD = sizes[0] === 1;
  for (let j = 0; j < sizes[0]; j++) {
    const r = rects[0][j];
    ctx.fillStyle = "#f6f8fa"; ctx.fillRect(r.x, r.y, box, box);
    ctx.fillStyle = "#333"; ctx.font = "11px system-ui"; ctx.fillText(`x${j + 1}`, r.x + 2, r.y + box / 2 + 4);
  }
  // each neuron's output on its node
  const n = f.grid.n, step = f.grid.step;
  const m = oneD ? 0 : Math.ceil(n / step);
  for (let l = 1; l < L; l++) {
    const layer = f.layers[l - 1], heat = dec.heat[l - 1], pixels = heat.length / sizes[l];
    for (let j = 0; j < sizes[l]; j++) {
      const r = rects[l][j], q = heat.subarray(j * pixels, (j + 1) * pixels);
      if (oneD) drawCurve1d(ctx, q, r.x, r.y, box, box);
      else {
        ctx.imageSmoothingEnabled = box > m;
        ctx.drawImage(heatTile(`${l}:${j}`, q, m, dec.version), r.x, r.y, box, box);
      }
      const flag = layer.flags[j];
      ctx.lineWidth = flag ? 3 : 1;
      ctx.strokeStyle = flag === "dead" ? "#cf222e" : flag === "saturated" ? "#bf8700" : "#888";
      ctx.strokeRect(r.x, r.y, box, box);
      if (flag && box >= 14) { ctx.fillStyle = ctx.strokeStyle; ctx.font = "bold 10px system-ui"; ctx.fillText(flag === "dead" ? "✕" : "≈", r.x + box - 9, r.y + 10); }
      const sel = state.selected;
      if (sel && sel.l === l && sel.j === j) { ctx.lineWidth = 3; ctx.strokeStyle = "#8250df"; ctx.strokeRect(r.x - 3, r.y - 3, box + 6, box + 6); }
    }
    // the layer's activation (and PReLU slope) under its column
    const r0 = rects[l][sizes[l] - 1];
    ctx.fillStyle = "#444"; ctx.font = "10px system-ui";
    const label = layer.activation + (layer.prelu ? ` a=${fmt(layer.prelu.reduce((s, v) => s + v, 0) / layer.prelu.length, 2)}` : "");
    const tw = ctx.measureText(label).width;
    ctx.fillText(label, Math.min(W - tw - 1, Math.max(1, r0.x + box / 2 - tw / 2)), Math.min(H - 3, r0.y + box + 13));
  }
}

function placeLayerControls(cv, margin, colW) {
  // Each layer's controls sit above its column of neurons.
  const scale = cv.clientWidth / cv.width, ctls = $("layers").children;
  const width = Math.max(44, Math.min(86, colW * scale - 4));
  for (let i = 0; i < ctls.length; i++) {
    const left = `${Math.round((margin + (i + 1) * colW) * scale - width / 2)}px`;
    if (ctls[i].style.left !== left) { ctls[i].style.left = left; ctls[i].style.width = `${width}px`; }
  }
}

function nodeAt(e) {
  const cv = $("network"), r = cv.getBoundingClientRect();
  const x = (e.clientX - r.left) * cv.width / r.width, y = (e.clientY - r.top) * cv.height / r.height;
  const box = state.nodeBox || 0;
  for (const col of state.nodeRects.slice(1)) for (const n of col) {
    if (x >= n.x && x <= n.x + box && y >= n.y && y <= n.y + box) return { l: n.l, j: n.j };
  }
  return null;
}

function paintBoundary(f, c, n, version) {
  // The class of each grid point, paler where the network is less sure.
  const cls = bytes(f.grid.cls), conf = bytes(f.grid.conf);
  const tctx = c.getContext("2d"), img = tctx.createImageData(n, n);
  const k = Math.max(2, f.classes.length);
  for (let i = 0; i < n * n; i++) {
    const col = CLASS_COLOURS[cls[i] % CLASS_COLOURS.length];
    const t = Math.max(0, (conf[i] / 255 - 1 / k) / (1 - 1 / k)) * 0.75;
    img.data[4 * i] = 255 + (col[0] - 255) * t; img.data[4 * i + 1] = 255 + (col[1] - 255) * t;
    img.data[4 * i + 2] = 255 + (col[2] - 255) * t; img.data[4 * i + 3] = 255;
  }
  tctx.putImageData(img, 0, 0);
  c.version = version;
}

function drawBoundary() {
  const f = state.frame, cv = $("boundary"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  if (!f) return;
  const [lo, hi] = f.bounds;
  const sx = (v) => ((v - lo[0]) / (hi[0] - lo[0])) * W;
  if (f.grid.kind === "classes") {
    const n = f.grid.n, version = decoded(f).version;
    const c = tile("boundary", n, n);
    if (c.version !== version) paintBoundary(f, c, n, version);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(c, 0, 0, W, H);
    const sy = (v) => ((hi[1] - v) / (hi[1] - lo[1])) * H;
    if (state.points && state.points.nIn === 2) {
      for (const [set, test] of [[state.points.train, false], [state.points.test, true]]) {
        for (let i = 0; i < set.y.length; i++) {
          const col = CLASS_COLOURS[set.y[i] % CLASS_COLOURS.length];
          ctx.beginPath(); ctx.arc(sx(set.x[2 * i]), sy(set.x[2 * i + 1]), 3, 0, 2 * Math.PI);
          if (test) { ctx.strokeStyle = `rgb(${col})`; ctx.lineWidth = 1.5; ctx.fillStyle = "#fff"; ctx.fill(); ctx.stroke(); }
          else { ctx.fillStyle = `rgb(${col})`; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 0.8; ctx.stroke(); }
        }
      }
    }
    if (state.probeX && state.probeX.length === 2) {
      ctx.strokeStyle = "#8250df"; ctx.lineWidth = 1.5;
      ctx.beginPath(); ctx.arc(sx(state.probeX[0]), sy(state.probeX[1]), 6, 0, 2 * Math.PI); ctx.stroke();
    }
  } else {
    const yPred = floats(f.grid.y);
    let yLo = Infinity, yHi = -Infinity;
    const pts = state.points && state.points.nIn === 1 ? state.points : null;
    for (const v of yPred) { yLo = Math.min(yLo, v); yHi = Math.max(yHi, v); }
    if (pts) for (const s of [pts.train, pts.test]) for (const v of s.y) { yLo = Math.min(yLo, v); yHi = Math.max(yHi, v); }
    const pad = 0.1 * (yHi - yLo || 1); yLo -= pad; yHi += pad;
    const sy = (v) => ((yHi - v) / (yHi - yLo)) * H;
    if (pts) for (const [s, test] of [[pts.train, false], [pts.test, true]]) {
      for (let i = 0; i < s.y.length; i++) {
        ctx.beginPath(); ctx.arc(sx(s.x[i]), sy(s.y[i]), 2.5, 0, 2 * Math.PI);
        if (test) { ctx.strokeStyle = "#f59322"; ctx.stroke(); } else { ctx.fillStyle = "#0877bd"; ctx.fill(); }
      }
    }
    ctx.strokeStyle = "#1f2328"; ctx.lineWidth = 2; ctx.beginPath();
    yPred.forEach((v, i) => { const px = (i / (yPred.length - 1)) * W; if (i) ctx.lineTo(px, sy(v)); else ctx.moveTo(px, sy(v)); });
    ctx.stroke();
  }
}

function drawCurves() {
  const f = state.frame, cv = $("curves"), ctx = cv.getContext("2d"), W = cv.width, H = cv.height;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, W, H);
  if (!f) return;
  const tr = f.curves.loss, te = f.curves.val_loss;
  let max = 1e-9;
  for (const v of [...tr, ...te]) if (v !== null) max = Math.max(max, v);
  const plot = (vals, colour) => {
    ctx.strokeStyle = colour; ctx.lineWidth = 1.5; ctx.beginPath();
    vals.forEach((v, i) => { if (v === null) return; const x = (i / Math.max(1, vals.length - 1)) * (W - 4) + 2, y = H - 12 - (v / max) * (H - 20); if (i) ctx.lineTo(x, y); else ctx.moveTo(x, y); });
    ctx.stroke();
  };
  for (const mk of f.marks) {
    const x = (mk.epoch / Math.max(1, f.epoch)) * (W - 4) + 2;
    ctx.strokeStyle = "#8250df"; ctx.setLineDash([3, 3]); ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, H - 12); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillStyle = "#8250df"; ctx.font = "10px system-ui"; ctx.fillText(mk.label, Math.min(x + 2, W - 60), 10);
  }
  plot(tr, "#1f2328"); plot(te, "#f59322");
  ctx.fillStyle = "#555"; ctx.font = "10px system-ui";
  ctx.fillText(`train — test (orange)   max ${fmt(max, 3)}   epoch ${f.epoch}`, 2, H - 1);
}

function loop() {
  // Redraw every animation frame while training (what the FPS figure measures), else on change.
  if (state.dirty || state.playing) {
    const t0 = performance.now();
    drawNetwork(); drawBoundary(); drawCurves();
    state.stats.drawMs += performance.now() - t0;
    state.stats.frames++;
    state.dirty = false;
  }
  if (state.ackDue) {  // drawn: the server may send the next frame
    state.ackDue = false;
    if (state.ws && state.ws.readyState === WebSocket.OPEN) state.ws.send('{"type":"ack"}');
  }
  requestAnimationFrame(loop);
}

bindControls();
start().catch((err) => say(`The playground could not start: ${err.message}`, "error"));
