// uprising serve: the page. One websocket; the page pulls a frame when it has drawn the last one.
// Board frames are binary: uint32 step, place, height, width, then height*width int8 cells
// (0 empty, 1 quiet, 2 active, 3 jailed, 4 cop), coloured through a lookup table into ImageData.
"use strict";
(function () {
  const $ = (id) => document.getElementById(id);
  const BENCH = new URLSearchParams(location.search).has("bench");
  const COLOURS = ["#f3f0e8", "#3f7fb8", "#d55e00", "#6a3d9a", "#1b1b1f", "#999999", "#999999", "#999999"];
  const LUT = new Uint32Array(256);
  COLOURS.forEach((hex, i) => {
    const v = parseInt(hex.slice(1), 16);
    LUT[i] = (255 << 24) | ((v & 255) << 16) | (((v >> 8) & 255) << 8) | (v >> 16); // ABGR, little-endian
  });
  const SERIES_GRID = [["quiet", "quiet", "#3f7fb8"], ["active", "active", "#d55e00"], ["jailed", "jailed", "#6a3d9a"],
    ["dead", "dead", "#5a5a5a"], ["cops", "cops on duty", "#1b1b1f"]];
  const SERIES_EPISODE = [["quiet", "quiet (people)", "#3f7fb8"], ["active", "active (people)", "#d55e00"],
    ["jailed", "jailed (people)", "#6a3d9a"], ["dead", "dead (people)", "#5a5a5a"],
    ["roads_blocked", "roads blocked", "#c0392b"], ["elite_support", "elite support", "#0072b2"]];

  let ws = null, meta = null, state = null, rows = [], lastStep = -1, logCount = 0, generation = -1;
  let waiting = false, places = null, image = null, chartsDue = 0, chartTimer = null, selected = 0;
  const stats = { framesDrawn: 0, bytes: 0, drawMs: 0, lastStep: -1, ticks: 0, times: [] };  // read by benchmarks/serve_fps.py
  window.uprisingStats = stats;

  // ---------------------------------------------------------------- the channel
  function connect() {
    ws = new WebSocket(`ws://${location.host}/ws`);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (ev) => {
      if (typeof ev.data !== "string") { drawFrame(ev.data); waiting = false; next(); return; }
      const msg = JSON.parse(ev.data);
      if (msg.type === "init") init(msg);
      else if (msg.type === "tick") tick(msg);
      else if (msg.type === "reply") reply(msg);
    };
    ws.onclose = () => { showError("the server has stopped; reload the page once it runs again"); };
  }
  function send(obj) { if (ws && ws.readyState === 1) ws.send(JSON.stringify(obj)); }
  function pull() {
    if (waiting) return;
    waiting = true;
    send({ cmd: "frame", since: lastStep, log: logCount, generation: generation, now: BENCH });
  }
  function next() {
    if (BENCH || (state && state.playing)) requestAnimationFrame(pull);
  }
  function command(obj) { send({ log: logCount, ...obj }); }

  // ---------------------------------------------------------------- messages
  function init(msg) {
    meta = msg; state = msg.state; panels = null; generation = state.generation; rows = msg.rows.slice();
    lastStep = rows.length ? rows[rows.length - 1].step : -1;
    logCount = 0; $("log").innerHTML = ""; selected = state.place;
    $("name").textContent = state.scenario + (state.kind === "episode" ? " (episode)" : "") + " · seed " + state.seed;
    $("mapbox").hidden = state.kind !== "episode";
    $("actorbox").hidden = state.kind !== "episode";
    buildSpeeds(); buildLevers(); buildCharts();
    if (state.kind === "episode") buildActors();
    appendLog(state.log);
    showState();
    waiting = false;
    pull();
  }
  function tick(msg) {
    stats.ticks++;
    if (msg.generation !== generation) { send({ cmd: "meta" }); return; }
    for (const r of msg.rows) if (r.step > lastStep) { rows.push(r); lastStep = r.step; }
    if (msg.places) places = msg.places;
    appendLog(msg.log);
    state.playing = msg.playing; state.step = msg.step; state.exact = msg.exact;
    if (msg.rows.length) state.row = msg.rows[msg.rows.length - 1];
    stats.lastStep = msg.step;
    showState();
    if (state.kind === "episode") drawMap();
    chartsSoon(!msg.playing);
  }
  // Charts are redrawn at most every 120 ms while playing, and always once more after the last
  // tick (a run that ends, or a pause, inside those 120 ms would otherwise leave them stale).
  function chartsSoon(now) {
    const t = performance.now();
    if (now || t >= chartsDue) {
      if (chartTimer) { clearTimeout(chartTimer); chartTimer = null; }
      drawCharts(); chartsDue = t + 120;
    } else if (!chartTimer) {
      chartTimer = setTimeout(() => { chartTimer = null; drawCharts(); chartsDue = performance.now() + 120; }, chartsDue - t);
    }
  }
  function reply(msg) {
    if (!msg.ok) showError(msg.error); else hideError();
    if (msg.rebuilt) { send({ cmd: "meta" }); return; }
    state = { ...state, ...msg.state };
    appendLog(msg.state.log);
    for (const lv of meta.levers) if (lv.name in state.levers) setLeverValue(lv, state.levers[lv.name]);
    showState();
    pull();
  }

  // ---------------------------------------------------------------- header and controls
  function showState() {
    $("step").textContent = `step ${state.step} / ${state.total}`;
    const row = rows[rows.length - 1] || {};
    $("date").textContent = row.date ? row.date : "";
    $("fallen").textContent = row.fallen ? "· the government has fallen" : "";
    $("play").classList.toggle("playing", !!state.playing);
    const ex = $("exact");
    ex.textContent = state.exact ? "replays exactly" : "not exact: a live lever moved mid-run";
    ex.classList.toggle("no", !state.exact);
    for (const lv of (meta ? meta.levers : [])) {
      const input = document.querySelector(`[data-lever="${lv.name}"]`);
      if (input) input.disabled = lv.when === "setup" && state.step > 0;
    }
  }
  function buildSpeeds() {
    const sel = $("speed"); sel.innerHTML = "";
    for (const s of meta.speeds) {
      const o = document.createElement("option"); o.value = s; o.textContent = s === 0 ? "max" : `${s} / s`;
      if (s === state.speed) o.selected = true; sel.appendChild(o);
    }
  }
  $("play").onclick = () => { state.playing = true; command({ cmd: "play" }); };
  $("pause").onclick = () => { state.playing = false; command({ cmd: "pause" }); };
  $("one").onclick = () => { state.playing = false; command({ cmd: "step" }); };
  $("reset").onclick = () => { state.playing = false; command({ cmd: "reset" }); };
  $("speed").onchange = (e) => command({ cmd: "speed", value: Number(e.target.value) });
  $("save").onclick = async () => {
    const res = await fetch("/save");
    const text = await res.text();
    const a = document.createElement("a");
    a.href = URL.createObjectURL(new Blob([text], { type: "application/toml" }));
    a.download = `${state.scenario}-play.toml`;
    document.body.appendChild(a); a.click(); a.remove();
  };
  document.addEventListener("keydown", (e) => {
    if (e.target.tagName === "INPUT" || e.target.tagName === "SELECT") return;
    if (e.key === " ") { e.preventDefault(); (state.playing ? $("pause") : $("play")).click(); }
    if (e.key === "ArrowRight") $("one").click();
  });
  function showError(text) { const el = $("error"); el.textContent = text; el.hidden = false; }
  function hideError() { $("error").hidden = true; }

  // ---------------------------------------------------------------- levers
  function fmt(v, step) { return step >= 1 ? String(Math.round(v)) : step >= 0.1 ? v.toFixed(1) : step >= 0.01 ? v.toFixed(2) : v.toFixed(3); }
  function buildLevers() {
    const box = $("levers"); box.innerHTML = "";
    for (const lv of meta.levers) {
      const div = document.createElement("div"); div.className = "lever";
      const id = "lever-" + lv.name.replace(/[^a-z0-9]/gi, "_");
      const label = document.createElement("label"); label.htmlFor = id;
      label.innerHTML = `${lv.label}<span class="tag">${lv.when === "dated" ? "dated" : lv.when}</span>`;
      const out = document.createElement("output"); out.id = id + "-out";
      let input;
      if (lv.kind === "bool") {
        input = document.createElement("input"); input.type = "checkbox"; input.checked = lv.value > 0;
        input.onchange = () => command({ cmd: "lever", name: lv.name, value: input.checked ? 1 : 0 });
        out.textContent = "";
      } else {
        input = document.createElement("input"); input.type = "range";
        input.min = lv.lo; input.max = lv.hi; input.step = lv.step; input.value = lv.value;
        out.textContent = fmt(lv.value, lv.step);
        input.oninput = () => { out.textContent = fmt(Number(input.value), lv.step); };
        input.onchange = () => command({ cmd: "lever", name: lv.name, value: Number(input.value) });
      }
      input.id = id; input.dataset.lever = lv.name;
      div.append(label, out, input); box.appendChild(div);
    }
  }
  function setLeverValue(lv, v) {
    const input = document.querySelector(`[data-lever="${lv.name}"]`);
    if (!input || document.activeElement === input) return;
    if (lv.kind === "bool") input.checked = v > 0;
    else { input.value = v; const out = $(input.id + "-out"); if (out) out.textContent = fmt(v, lv.step); }
  }

  // ---------------------------------------------------------------- actors
  const FIELDS = {
    concession: ["places", "size", "withdraws"], deploy: ["places", "soldiers", "police", "mission", "days"],
    state_of_siege: ["places", "force", "days"], curfew: ["places", "days"], convoys: ["force", "target", "days"],
    call: ["places", "days"], march: ["places", "target"],
  };
  function buildActors() {
    const sel = $("actor"); sel.innerHTML = "";
    meta.actors.forEach((a, i) => { const o = document.createElement("option"); o.value = a.name; o.textContent = a.name + (i ? "" : " (government)"); sel.appendChild(o); });
    sel.onchange = buildKinds; buildKinds();
  }
  function actor() { return meta.actors.find((a) => a.name === $("actor").value) || meta.actors[0]; }
  function buildKinds() {
    const sel = $("kind"); sel.innerHTML = "";
    for (const k of actor().kinds) { const o = document.createElement("option"); o.value = k; o.textContent = k.replace(/_/g, " "); sel.appendChild(o); }
    sel.onchange = buildFields; buildFields();
  }
  function placeOptions(select, names, chosen) {
    for (const n of names) { const o = document.createElement("option"); o.value = n; o.textContent = n; o.selected = chosen.includes(n); select.appendChild(o); }
  }
  function buildFields() {
    const box = $("fields"); box.innerHTML = "";
    const kind = $("kind").value, a = actor();
    const names = meta.places.map((p) => p.name);
    for (const f of FIELDS[kind] || []) {
      const label = document.createElement("label"); let input;
      if (f === "places") {
        label.textContent = a.role === "organisation" ? "places (none: its own)" : "places (none: everywhere)";
        input = document.createElement("select"); input.multiple = true; placeOptions(input, names, []);
      } else if (f === "target") {
        label.textContent = "target (none: the capital)";
        input = document.createElement("select"); placeOptions(input, [""].concat(names), [""]);
      } else if (f === "force") {
        label.textContent = "force"; input = document.createElement("select"); placeOptions(input, ["arrest", "teargas", "live_fire"], ["teargas"]);
      } else if (f === "mission") {
        label.textContent = "mission"; input = document.createElement("select"); placeOptions(input, ["garrison", "clear"], ["garrison"]);
      } else if (f === "withdraws") {
        label.textContent = "withdraws the hardship (repeal) "; input = document.createElement("input"); input.type = "checkbox";
      } else {
        const dflt = { size: 0.05, soldiers: 500, police: 0, days: 3 }[f];
        label.textContent = { size: "size", soldiers: "soldiers (people)", police: "police (people)", days: "days in force" }[f] + " ";
        input = document.createElement("input"); input.type = "number"; input.value = dflt;
        input.step = f === "size" ? "0.01" : "1"; input.min = f === "size" ? "-1" : "0";
      }
      input.dataset.field = f; label.appendChild(input); box.appendChild(label);
    }
  }
  $("decide").onclick = () => {
    const form = { actor: $("actor").value, kind: $("kind").value };
    for (const el of document.querySelectorAll("#fields [data-field]")) {
      const f = el.dataset.field;
      if (el.multiple) form[f] = Array.from(el.selectedOptions).map((o) => o.value);
      else if (el.type === "checkbox") form[f] = el.checked;
      else if (el.type === "number") form[f] = Number(el.value);
      else form[f] = el.value;
    }
    command({ cmd: "decide", form });
  };

  // ---------------------------------------------------------------- log
  function appendLog(entries) {
    const ol = $("log");
    for (const e of entries || []) {
      if (e.i < logCount) continue;
      const li = document.createElement("li");
      li.className = e.what + (e.exact ? "" : " notexact");
      li.textContent = `step ${e.step}: ${e.text}` + (e.takes_effect && e.takes_effect !== e.step + 1 ? ` (acts at step ${e.takes_effect})` : "");
      ol.appendChild(li); logCount = e.i + 1;
    }
    ol.scrollTop = ol.scrollHeight;
  }

  // ---------------------------------------------------------------- the board
  function drawFrame(buf) {
    const t0 = performance.now();
    const head = new Uint32Array(buf, 0, 4);
    const [step, place, h, w] = head;
    const cells = new Uint8Array(buf, 16, h * w);
    const canvas = $("board");
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; image = null; }
    const ctx = canvas.getContext("2d");
    if (!image) image = ctx.createImageData(w, h);
    const px = new Uint32Array(image.data.buffer);
    for (let i = 0; i < cells.length; i++) px[i] = LUT[cells[i]];
    ctx.putImageData(image, 0, 0);
    stats.framesDrawn++; stats.bytes += buf.byteLength; stats.times.push(performance.now());
    if (stats.times.length > 20000) stats.times.splice(0, 10000);
    stats.drawMs += performance.now() - t0; if (step !== stats.lastFrameStep) stats.newFrames = (stats.newFrames || 0) + 1;
    stats.lastFrameStep = step;
    const name = meta && meta.places ? meta.places[place].name : "the grid";
    $("boardcap").textContent = `${name}: ${w} × ${h} cells, step ${step}` + (meta && meta.places ? " (click a place on the map to see its grid)" : "");
  }
  let fpsFrames = 0, fpsT = performance.now();
  setInterval(() => {
    const now = performance.now(), n = stats.framesDrawn - fpsFrames;
    $("fps").textContent = `${(n * 1000 / (now - fpsT)).toFixed(1)} frames/s`;
    fpsFrames = stats.framesDrawn; fpsT = now;
  }, 1000);

  // ---------------------------------------------------------------- the map of an episode
  // Two panels: the whole country, and a zoom (the record's [report] box, else around the capital).
  let panels = null;
  function boxOf(pts) {
    let x0 = Infinity, x1 = -Infinity, y0 = Infinity, y1 = -Infinity;
    for (const [x, y] of pts) { x0 = Math.min(x0, x); x1 = Math.max(x1, x); y0 = Math.min(y0, y); y1 = Math.max(y1, y); }
    return [x0, y0, x1, y1];
  }
  function projection(box, panel, pad) {
    const [x0, y0, x1, y1] = box, [px0, py0, pw, ph] = panel;
    const kx = Math.cos(((y0 + y1) / 2) * Math.PI / 180);
    const s = Math.min((pw - 2 * pad) / ((x1 - x0) * kx || 1), (ph - 2 * pad) / ((y1 - y0) || 1));
    const ox = px0 + (pw - (x1 - x0) * kx * s) / 2, oy = py0 + (ph - (y1 - y0) * s) / 2;
    return (lon, lat) => [ox + (lon - x0) * kx * s, oy + (y1 - lat) * s];
  }
  function makePanels() {
    const c = $("map");
    const pts = meta.outline.length ? meta.outline.flat() : meta.places.map((p) => [p.lon, p.lat]);
    const country = [0, 0, meta.zoom ? 250 : c.width, c.height];
    const out = [{ panel: country, proj: projection(boxOf(pts), country, 14), scale: 1, labels: meta.zoom ? 4 : 10 }];
    if (meta.zoom) {
      const zoom = [256, 0, c.width - 256, c.height];
      out.push({ panel: zoom, proj: projection(meta.zoom, zoom, 10), scale: 1.5, labels: 99, box: meta.zoom });
    }
    return out;
  }
  function inBox(p, b) { return p.lon >= b[0] && p.lon <= b[2] && p.lat >= b[1] && p.lat <= b[3]; }
  function radius(p, scale) {
    const big = Math.max(...meta.places.map((q) => q.population));
    return (3 + 14 * Math.sqrt(p.population / big)) * scale;
  }
  function mix(a, b, t) {
    const pa = [1, 3, 5].map((i) => parseInt(a.slice(i, i + 2), 16)), pb = [1, 3, 5].map((i) => parseInt(b.slice(i, i + 2), 16));
    return `rgb(${pa.map((v, i) => Math.round(v + (pb[i] - v) * t)).join(",")})`;
  }
  function drawMap() {
    if (!meta || !meta.places) return;
    const c = $("map"), ctx = c.getContext("2d");
    if (!panels) panels = makePanels();
    ctx.clearRect(0, 0, c.width, c.height);
    for (const pn of panels) drawPanel(ctx, pn);
  }
  function drawPanel(ctx, pn) {
    const [px, py, pw, ph] = pn.panel, proj = pn.proj;
    ctx.save(); ctx.beginPath(); ctx.rect(px, py, pw, ph); ctx.clip();
    ctx.fillStyle = "#fff"; ctx.fillRect(px, py, pw, ph);
    ctx.fillStyle = "#f3f0e8"; ctx.strokeStyle = "#b9b2a3"; ctx.lineWidth = 1;
    for (const ring of meta.outline) {
      ctx.beginPath(); ring.forEach(([x, y], i) => { const [qx, qy] = proj(x, y); i ? ctx.lineTo(qx, qy) : ctx.moveTo(qx, qy); });
      ctx.closePath(); ctx.fill(); ctx.stroke();
    }
    if (pn === panels[0] && panels.length > 1) {  // where the zoom is
      const [a0, b0] = proj(panels[1].box[0], panels[1].box[3]), [a1, b1] = proj(panels[1].box[2], panels[1].box[1]);
      ctx.strokeStyle = "#6b6b70"; ctx.setLineDash([4, 3]); ctx.strokeRect(a0, b0, a1 - a0, b1 - b0); ctx.setLineDash([]);
    }
    const blocked = new Set(places ? places.blocked : []);
    meta.roads.forEach((r, e) => {
      const a = meta.places[r.a], b = meta.places[r.b];
      const [ax, ay] = proj(a.lon, a.lat), [bx, by] = proj(b.lon, b.lat);
      ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by);
      ctx.setLineDash(r.path ? [3, 3] : []);
      ctx.strokeStyle = blocked.has(e) ? "#c0392b" : "#a7a08f"; ctx.lineWidth = (blocked.has(e) ? 3.2 : 1.1) * (pn.scale > 1 ? 1.2 : 1);
      ctx.stroke();
    });
    ctx.setLineDash([]);
    if (places) for (const m of places.marches) {
      const a = meta.places[m.at], b = meta.places[m.next];
      const [ax, ay] = proj(a.lon, a.lat), [bx, by] = proj(b.lon, b.lat);
      ctx.fillStyle = "#d55e00"; ctx.strokeStyle = "#1d1d1f"; ctx.lineWidth = 1; ctx.beginPath();
      ctx.arc(ax + (bx - ax) * m.frac, ay + (by - ay) * m.frac, (2.5 + Math.min(5, Math.sqrt(m.people) / 25)) * pn.scale, 0, 2 * Math.PI);
      ctx.fill(); ctx.stroke();
    }
    const order = meta.places.map((p, i) => i).sort((i, j) => meta.places[j].population - meta.places[i].population);
    const labels = [];
    order.forEach((i, rank) => {
      const p = meta.places[i], [x, y] = proj(p.lon, p.lat), r = radius(p, pn.scale);
      const share = places ? places.active[i] / Math.max(places.people[i], 1) : 0;
      ctx.beginPath(); ctx.arc(x, y, r, 0, 2 * Math.PI);
      ctx.fillStyle = mix("#dfe7ef", "#d55e00", Math.min(1, share * 3)); ctx.fill();
      ctx.lineWidth = i === selected ? 3 : 1; ctx.strokeStyle = i === selected ? "#1d1d1f" : "#6b6b70"; ctx.stroke();
      const dead = places ? places.deaths[i] : 0;
      const zoomed = pn === panels[0] && panels.length > 1 && inBox(p, panels[1].box);
      if (!zoomed && (rank < pn.labels || i === selected || dead >= 1)) labels.push({ i, x, y, r, text: p.name + (dead >= 1 ? ` † ${Math.round(dead)}` : "") });
    });
    // labels, biggest places first: right of the circle, else left, else below; skipped if all overlap
    ctx.font = "11px system-ui, sans-serif"; ctx.fillStyle = "#1d1d1f";
    const taken = [];
    const free = (b) => b[0] >= px + 2 && b[2] <= px + pw - 2 && taken.every((t) => b[0] > t[2] || b[2] < t[0] || b[1] > t[3] || b[3] < t[1]);
    for (const l of labels) {
      const w = ctx.measureText(l.text).width;
      const spots = [[l.x + l.r + 3, l.y + 4], [l.x - l.r - 3 - w, l.y + 4], [l.x - w / 2, l.y + l.r + 12], [l.x - w / 2, l.y - l.r - 4]];
      const spot = spots.find(([sx, sy]) => free([sx, sy - 10, sx + w, sy + 2]));
      if (!spot) continue;
      taken.push([spot[0], spot[1] - 10, spot[0] + w, spot[1] + 2]);
      ctx.fillText(l.text, spot[0], spot[1]);
    }
    ctx.restore();
  }
  $("map").addEventListener("click", (ev) => {
    if (!meta || !meta.places || !panels) return;
    const c = $("map"), rect = c.getBoundingClientRect();
    const mx = (ev.clientX - rect.left) * c.width / rect.width, my = (ev.clientY - rect.top) * c.height / rect.height;
    const pn = panels.find((q) => mx >= q.panel[0] && mx < q.panel[0] + q.panel[2]) || panels[0];
    let best = -1, bestD = Infinity;
    meta.places.forEach((p, i) => { const [x, y] = pn.proj(p.lon, p.lat); const d = Math.hypot(x - mx, y - my) - radius(p, pn.scale); if (d < bestD) { bestD = d; best = i; } });
    if (best >= 0 && bestD < 12) { selected = best; command({ cmd: "select", place: best }); drawMap(); }
  });

  // ---------------------------------------------------------------- charts (own canvas, no library)
  let charts = [];
  function buildCharts() {
    const box = $("charts"); box.innerHTML = "";
    const series = state.kind === "episode" ? SERIES_EPISODE : SERIES_GRID;
    charts = series.map(([key, label, colour]) => {
      const c = document.createElement("canvas"); c.width = 400; c.height = 140; c.dataset.series = key;
      c.setAttribute("aria-label", label); box.appendChild(c);
      return { key, label, colour, canvas: c };
    });
    drawCharts();
  }
  function niceMax(v) { if (v <= 0) return 1; const e = Math.pow(10, Math.floor(Math.log10(v))); for (const m of [1, 2, 2.5, 5, 10]) if (v <= m * e) return m * e; return 10 * e; }
  function short(v) { return v >= 1e6 ? (v / 1e6).toFixed(1) + "M" : v >= 1e4 ? Math.round(v / 1e3) + "k" : v >= 100 ? String(Math.round(v)) : String(+v.toFixed(2)); }
  function drawCharts() {
    const total = Math.max(state.total, 1);
    for (const ch of charts) {
      const c = ch.canvas, ctx = c.getContext("2d"), W = c.width, H = c.height, L = 44, R = 8, T = 20, B = 18;
      ctx.clearRect(0, 0, W, H);
      let top = 0; for (const r of rows) top = Math.max(top, r[ch.key] || 0);
      top = niceMax(top);
      ctx.fillStyle = "#1d1d1f"; ctx.font = "12px system-ui, sans-serif";
      const last = rows.length ? rows[rows.length - 1][ch.key] : 0;
      ctx.fillText(`${ch.label}: ${short(Number(last) || 0)}`, L, 13);
      ctx.fillStyle = "#6b6b70"; ctx.font = "10px system-ui, sans-serif";
      ctx.fillText(short(top), 4, T + 4); ctx.fillText("0", 4, H - B);
      ctx.fillText(`step ${total}`, W - R - 50, H - 4);
      ctx.strokeStyle = "#d9d4c7"; ctx.lineWidth = 1; ctx.beginPath(); ctx.moveTo(L, T); ctx.lineTo(L, H - B); ctx.lineTo(W - R, H - B); ctx.stroke();
      ctx.strokeStyle = ch.colour; ctx.lineWidth = 1.6; ctx.beginPath();
      const every = Math.max(1, Math.floor(rows.length / (W - L - R)));
      for (let i = 0; i < rows.length; i = (i + every < rows.length || i === rows.length - 1) ? i + every : rows.length - 1) {
        const r = rows[i], x = L + (W - L - R) * r.step / total, y = H - B - (H - B - T) * (Number(r[ch.key]) || 0) / top;
        i ? ctx.lineTo(x, y) : ctx.moveTo(x, y);
      }
      ctx.stroke();
      // what was drawn last, for tests and benchmarks: the line ends at this step with this value
      const end = rows[rows.length - 1];
      c.dataset.lastStep = end ? end.step : -1;
      c.dataset.lastValue = end ? Number(end[ch.key]) || 0 : 0;
    }
  }

  connect();
})();
