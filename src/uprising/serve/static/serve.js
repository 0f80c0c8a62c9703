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
  let fallText = "", waiting = false, places = null, image = null, chartsDue = 0, chartTimer = null, selected = 0;
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
    send({ cmd: "frame", since: lastStep, log: logCount, generation: generation, map: mapVersion, now: BENCH });
  }
  function next() {
    if (BENCH || (state && state.playing)) requestAnimationFrame(pull);
  }
  function command(obj) { send({ log: logCount, ...obj }); }

  // ---------------------------------------------------------------- messages
  function init(msg) {
    meta = msg; state = msg.state; generation = state.generation; rows = msg.rows.slice();
    lastStep = rows.length ? rows[rows.length - 1].step : -1;
    logCount = 0; $("log").innerHTML = ""; fallText = ""; selected = state.place;
    $("name").textContent = state.scenario + (state.kind === "episode" ? " (episode)" : "") + " · seed " + state.seed;
    $("mapbox").hidden = state.kind !== "episode";
    $("actorbox").hidden = state.kind !== "episode";
    buildSpeeds(); buildLevers(); buildCharts();
    mapSpec = null;
    if (state.kind === "episode") { buildActors(); setupMap(); drawMap(); }
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
    if (msg.map_labels) { mapLabels(msg.map_labels); mapVersion = msg.map_version; }
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
    $("fallen").title = row.fallen ? fallText : "";
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
      const own = e.what === "model" || e.what === "fall";  // the model's own: it acted at that step
      li.textContent = `step ${e.step}: ${e.text}` + (!own && e.takes_effect && e.takes_effect !== e.step + 1 ? ` (acts at step ${e.takes_effect})` : "");
      if (e.what === "fall") fallText = e.text;
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
  // Laid out in Python as the report's map (serve/map.py: report.episode_map.views for the panels,
  // report.maps for the projection, the circles' scale and the labels, placed by report.map_labels):
  // the page only draws, in the map's own units (meta.map.width x height), scaled to the canvas.
  // Each place is a ring whose area is its people and a disk whose area is its actives (one scale),
  // roads turn dark red while blocked, paths are dashed, marches are blue dots, badges count the killed.
  let mapSpec = null, mapVersion = -1;
  const FONT = "'DejaVu Sans', 'Verdana', system-ui, sans-serif";  // map_labels measures DejaVu Sans
  function setupMap() {
    mapSpec = meta.map; mapVersion = mapSpec.version; stats.map = mapSpec;  // read by tests
    const c = $("map");
    sizeMap();
    c.setAttribute("aria-label", "map: " + mapSpec.views.map((v) => v.title).join(", "));
    buildLegend();
  }
  function sizeMap() {
    if (!mapSpec) return;
    const c = $("map"), dpr = window.devicePixelRatio || 1;
    const w = Math.round(mapSpec.width * dpr), h = Math.round(mapSpec.height * dpr);
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
  }
  function buildLegend() {
    const ul = $("maplegend"), C = mapSpec.colours; ul.innerHTML = "";
    const marks = {
      ring: `<span class="ring" style="border-color:${C.population}"></span>`,
      disk: `<span class="disk" style="background:${C.active}"></span>`,
      road: `<span class="bar" style="background:${C.road}"></span>`,
      blocked: `<span class="bar thick" style="background:${C.blocked}"></span>`,
      path: `<span class="bar dashed" style="border-color:${C.path}"></span>`,
      march: `<span class="disk small" style="background:${C.march}"></span>`,
      badge: `<span class="badge" style="background:${C.dead}">n</span>`,
    };
    for (const [mark, text] of mapSpec.legend) {
      const li = document.createElement("li"); li.dataset.mark = mark;
      li.innerHTML = marks[mark] || ""; li.appendChild(document.createTextNode(text)); ul.appendChild(li);
    }
    const key = mapSpec.size_key;
    if (key) {  // circles of round numbers of people, at the scale of the map as shown
      const li = document.createElement("li"); li.className = "size-key"; li.dataset.mark = "size";
      li.innerHTML = `<svg class="map-size-key" role="img" aria-label="size key"></svg>`;
      li.appendChild(document.createTextNode(`people (ring area${mapSpec.views.length > 1 ? ", " + mapSpec.views[key.view].title + " panel" : ""})`));
      ul.appendChild(li); drawSizeKey();
    }
  }
  function drawSizeKey() {
    const key = mapSpec && mapSpec.size_key, svg = document.querySelector(".map-size-key");
    if (!key || !svg) return;
    const px = ($("map").getBoundingClientRect().width || mapSpec.width) / mapSpec.width;
    const radii = key.values.map((v) => Math.max(1, key.k * Math.sqrt(v) * px));
    const big = radii[0] || 1, gap = 6;
    let x = 1, parts = [];
    radii.forEach((r, i) => {
      const cx = x + Math.max(2 * r, 36) / 2;
      parts.push(`<circle cx="${cx}" cy="${2 * big + 1 - r}" r="${r}" fill="none" stroke="${mapSpec.colours.population}"/>`);
      parts.push(`<text x="${cx}" y="${2 * big + 13}" text-anchor="middle" class="size-key-label">${key.labels[i]}</text>`);
      x += Math.max(2 * r, 36) + gap;
    });
    svg.setAttribute("width", x); svg.setAttribute("height", 2 * big + 16);
    svg.innerHTML = parts.join("");
  }
  window.addEventListener("resize", () => { drawSizeKey(); });
  function badgeRadius(d) { return Math.max(7, Math.min(16, 5 + 2.2 * Math.sqrt(d))); }
  function ringRadius(v, p) { return Math.max(2.5, v.k * Math.sqrt(mapSpec.population[p])); }
  function drawMap() {
    if (!meta || !mapSpec) return;
    const c = $("map"), ctx = c.getContext("2d");
    sizeMap();
    ctx.setTransform(c.width / mapSpec.width, 0, 0, c.height / mapSpec.height, 0, 0);
    ctx.clearRect(0, 0, mapSpec.width, mapSpec.height);
    const t0 = performance.now();
    mapSpec.views.forEach((v) => drawPanel(ctx, v));
    stats.mapDrawn = (stats.mapDrawn || 0) + 1; stats.mapMs = (stats.mapMs || 0) + performance.now() - t0;
  }
  function drawPanel(ctx, v) {
    const C = mapSpec.colours, [bx, by, bw, bh] = v.box;
    ctx.save();
    ctx.fillStyle = "#fbfaf7"; ctx.fillRect(bx, by, bw, bh);
    ctx.strokeStyle = "#d9d4c7"; ctx.lineWidth = 1; ctx.strokeRect(bx + 0.5, by + 0.5, bw - 1, bh - 1);
    ctx.beginPath(); ctx.rect(bx, by, bw, bh); ctx.clip();
    if (v.outline) {
      const path = v.path || (v.path = new Path2D(v.outline));  // parsed once per build
      ctx.fillStyle = C.land; ctx.fill(path); ctx.strokeStyle = C.outline; ctx.lineWidth = 1.2; ctx.stroke(path);
    }
    if (v.inset) {
      ctx.strokeStyle = "#6b6b70"; ctx.setLineDash([3, 3]); ctx.lineWidth = 1;
      ctx.strokeRect(v.inset[0], v.inset[1], v.inset[2], v.inset[3]); ctx.setLineDash([]);
    }
    ctx.font = `600 13px ${FONT}`; ctx.fillStyle = "#6b6b70"; ctx.textAlign = "left";
    ctx.fillText(v.title.toUpperCase(), bx + 10, by + 20);
    const blocked = new Set(places ? places.blocked : []);
    ctx.lineCap = "round";
    mapSpec.links.forEach(([a, b, kind], e) => {
      const pa = v.pos[a], pb = v.pos[b];
      if (!pa || !pb) return;
      ctx.beginPath(); ctx.moveTo(pa[0], pa[1]); ctx.lineTo(pb[0], pb[1]);
      if (blocked.has(e)) { ctx.strokeStyle = C.blocked; ctx.lineWidth = 4.5; ctx.setLineDash([]); }
      else if (kind === "path") { ctx.strokeStyle = C.path; ctx.lineWidth = 1.1; ctx.setLineDash([2, 4]); }
      else { ctx.strokeStyle = C.road; ctx.lineWidth = 1.6; ctx.setLineDash([]); }
      ctx.stroke();
    });
    ctx.setLineDash([]);
    const P = mapSpec.population.length;
    for (let p = 0; p < P; p++) {  // rings and disks
      const at = v.pos[p]; if (!at) continue;
      const rp = ringRadius(v, p), ra = places ? v.k * Math.sqrt(Math.max(0, places.active[p])) : 0;
      ctx.beginPath(); ctx.arc(at[0], at[1], rp, 0, 2 * Math.PI);
      ctx.fillStyle = "rgba(255,255,255,0.55)"; ctx.fill();
      ctx.lineWidth = p === selected ? 2.5 : 1; ctx.strokeStyle = p === selected ? "#1d1d1f" : C.population; ctx.stroke();
      if (ra > 0.2) {
        ctx.beginPath(); ctx.arc(at[0], at[1], ra, 0, 2 * Math.PI);
        ctx.globalAlpha = 0.72; ctx.fillStyle = C.active; ctx.fill(); ctx.globalAlpha = 1;
      }
      ctx.beginPath(); ctx.arc(at[0], at[1], 2, 0, 2 * Math.PI); ctx.fillStyle = "#1d1d1f"; ctx.fill();
    }
    if (places && v.badges !== false) {  // the killed, cumulative
      ctx.font = `700 10px ${FONT}`; ctx.textAlign = "center"; ctx.textBaseline = "middle";
      for (let p = 0; p < P; p++) {
        const at = v.pos[p], d = places.deaths[p]; if (!at || !(d >= 0.5)) continue;
        const rp = ringRadius(v, p), x = at[0] + rp * 0.72, y = at[1] - rp * 0.72;
        ctx.beginPath(); ctx.arc(x, y, badgeRadius(d), 0, 2 * Math.PI); ctx.fillStyle = C.dead; ctx.fill();
        ctx.fillStyle = "#fff"; ctx.fillText(Math.round(d).toLocaleString("en-US"), x, y + 0.5);
      }
      ctx.textBaseline = "alphabetic";
    }
    ctx.font = `11.5px ${FONT}`; ctx.lineJoin = "round";  // labels, placed in Python
    for (let p = 0; p < P; p++) {
      const lab = v.lab && v.lab[p]; if (!lab) continue;
      const [x, y, anchor, lead] = lab;
      if (lead) { ctx.beginPath(); ctx.moveTo(lead[0], lead[1]); ctx.lineTo(lead[2], lead[3]); ctx.strokeStyle = "#6b6b70"; ctx.lineWidth = 0.8; ctx.stroke(); }
      ctx.textAlign = anchor === "middle" ? "center" : anchor === "end" ? "right" : "left";
      ctx.strokeStyle = "#fbfaf7"; ctx.lineWidth = 3; ctx.strokeText(meta.places[p].name, x, y);
      ctx.fillStyle = "#1d1d1f"; ctx.fillText(meta.places[p].name, x, y);
    }
    if (places) for (const m of places.marches) {  // marches under way, between the two places as drawn
      const a = v.pos[m.at], b = v.pos[m.next]; if (!a || !b) continue;
      const x = a[0] + (b[0] - a[0]) * m.frac, y = a[1] + (b[1] - a[1]) * m.frac;
      ctx.beginPath(); ctx.arc(x, y, Math.max(4, v.k * Math.sqrt(m.people) * 1.4), 0, 2 * Math.PI);
      ctx.fillStyle = C.march; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 1.5; ctx.stroke();
    }
    if (v.clock) {  // the date, and the fall
      const row = rows[rows.length - 1] || {};
      ctx.textAlign = "right"; ctx.font = `600 20px ${FONT}`; ctx.fillStyle = "#1d1d1f";
      ctx.fillText(row.date || "", bx + bw - 10, by + 22 + 4);
      if (row.fallen) { ctx.font = `600 13px ${FONT}`; ctx.fillStyle = "#9e0b19"; ctx.fillText("the government has fallen", bx + bw - 10, by + 44); }
    }
    ctx.restore();
  }
  function mapLabels(msg) {  // labels placed again (a place had its first death): per panel
    msg.forEach((v, i) => { mapSpec.views[i].lab = v.lab; mapSpec.views[i].label_box = v.label_box; });
  }
  $("map").addEventListener("click", (ev) => {
    if (!meta || !mapSpec) return;
    const c = $("map"), rect = c.getBoundingClientRect();
    const mx = (ev.clientX - rect.left) * mapSpec.width / rect.width, my = (ev.clientY - rect.top) * mapSpec.height / rect.height;
    const v = mapSpec.views.find((q) => mx >= q.box[0] && mx < q.box[0] + q.box[2] && my >= q.box[1] && my < q.box[1] + q.box[3]);
    if (!v) return;
    let best = -1, bestD = Infinity;
    v.pos.forEach((at, i) => { if (!at) return; const d = Math.hypot(at[0] - mx, at[1] - my) - ringRadius(v, i); if (d < bestD) { bestD = d; best = i; } });
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
