/* uprising report runtime: draws plotly figures and plays grid animations.
   Data comes from the page's JSON blocks (type application/json: parsed, never evaluated). */
(function () {
  "use strict";

  function readData(id) {
    var el = document.getElementById(id);
    return JSON.parse(el.textContent);
  }

  function hexToRgb(hex) {
    var h = String(hex).replace("#", "");
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var n = parseInt(h, 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }

  function decodeBase64(b64) {
    var bin = atob(b64);
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  /* base64 of zlib ("deflate") data -> Promise of its bytes, by the browser's DecompressionStream */
  function inflate(b64) {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Error("this browser cannot inflate the page's data (no DecompressionStream)"));
    }
    var stream = new Blob([decodeBase64(b64)]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).arrayBuffer().then(function (buf) { return new Uint8Array(buf); });
  }

  /* plotly.js is stored deflated in the octet-stream block #plotly-js:
     inflate it and run it as a script (a blob: URL, nothing fetched from elsewhere). */
  var plotlyReady = null;
  function loadPlotly() {
    if (plotlyReady) return plotlyReady;
    var block = document.getElementById("plotly-js");
    if (typeof Plotly !== "undefined" || !block) { plotlyReady = Promise.resolve(); return plotlyReady; }
    plotlyReady = inflate(block.textContent.trim()).then(function (bytes) {
      return new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = URL.createObjectURL(new Blob([bytes], { type: "text/javascript" }));
        script.onload = function () { resolve(); };
        script.onerror = function () { reject(new Error("plotly.js did not run")); };
        document.head.appendChild(script);
      });
    });
    return plotlyReady;
  }

  var animations = {};   // name -> player API
  var followers = {};    // name -> [callback(step)]

  function follow(name, fn) {
    (followers[name] = followers[name] || []).push(fn);
    if (animations[name]) fn(animations[name].currentStep(), animations[name].currentX());
  }

  function notify(name, step, x) {
    (followers[name] || []).forEach(function (fn) { fn(step, x); });
  }

  /* ---- grid animation ------------------------------------------------------------------ */
  function setupGrid(root) {
    var spec = readData(root.getAttribute("data-grid"));
    var name = root.getAttribute("data-name") || "grid";
    var frames = spec.codec === "deflate" ? inflate(spec.frames) : Promise.resolve(decodeBase64(spec.frames));
    return frames.then(function (bytes) { startGrid(root, spec, name, bytes); });
  }

  function startGrid(root, spec, name, frames) {
    var W = spec.width, H = spec.height, N = W * H;
    var steps = spec.steps, F = steps.length;
    var canvas = root.querySelector("canvas");
    var ctx = canvas.getContext("2d");
    var image = ctx.createImageData(W, H);
    var px = image.data;
    var palette = [];
    for (var c = 0; c < 256; c++) palette.push([176, 176, 176]);  // unknown codes: grey
    Object.keys(spec.colours).forEach(function (code) {
      palette[+code] = hexToRgb(spec.colours[code]);
    });
    var counters = {};
    root.querySelectorAll(".count[data-code]").forEach(function (el) {
      counters[+el.getAttribute("data-code")] = el;
    });
    var button = root.querySelector("button.play");
    var scrub = root.querySelector("input.scrub");
    var label = root.querySelector(".step-label");
    var frame = Math.min(Math.max(spec.start | 0, 0), Math.max(F - 1, 0));
    var playing = false, last = 0, timer = null;
    var interval = 1000 / Math.max(1, spec.fps || 8);

    function draw(f) {
      frame = f;
      if (F === 0) { label.textContent = "no frames"; return; }
      var base = f * N, tally = {};
      for (var i = 0; i < N; i++) {
        var code = frames[base + i], rgb = palette[code], j = i * 4;
        px[j] = rgb[0]; px[j + 1] = rgb[1]; px[j + 2] = rgb[2]; px[j + 3] = 255;
        tally[code] = (tally[code] || 0) + 1;
      }
      ctx.putImageData(image, 0, 0);
      scrub.value = String(f);
      label.textContent = "step " + steps[f].toLocaleString("en-US") + " / " +
        steps[F - 1].toLocaleString("en-US");
      root.setAttribute("data-step", String(steps[f]));
      Object.keys(counters).forEach(function (code) {
        var off = spec.off_grid && spec.off_grid[code];
        var n = off ? off[f] : (tally[code] || 0);
        counters[code].textContent = n.toLocaleString("en-US");
      });
      notify(name, steps[f], steps[f]);
    }

    function tick(now) {
      if (!playing) return;
      if (now - last >= interval) {
        last = now;
        draw(frame + 1 >= F ? 0 : frame + 1);
      }
      timer = requestAnimationFrame(tick);
    }

    function setPlaying(on) {
      playing = on && F > 1;
      button.textContent = playing ? "Pause" : "Play";
      button.setAttribute("aria-label", playing ? "pause" : "play");
      button.classList.toggle("is-playing", playing);
      if (playing) { last = 0; timer = requestAnimationFrame(tick); }
      else if (timer !== null) { cancelAnimationFrame(timer); timer = null; }
    }

    button.addEventListener("click", function () { setPlaying(!playing); });
    scrub.addEventListener("input", function () { setPlaying(false); draw(+scrub.value); });
    root.addEventListener("keydown", function (e) {
      if (e.key === " " && e.target !== button) { e.preventDefault(); setPlaying(!playing); }
      else if (e.key === "ArrowRight" && e.target !== scrub) { setPlaying(false); draw(Math.min(F - 1, frame + 1)); }
      else if (e.key === "ArrowLeft" && e.target !== scrub) { setPlaying(false); draw(Math.max(0, frame - 1)); }
    });

    function seekStep(step) {
      if (F === 0) return;
      var lo = 0, hi = F - 1;  // nearest frame at or before step
      while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (steps[mid] <= step) lo = mid; else hi = mid - 1; }
      setPlaying(false);
      draw(lo);
    }

    animations[name] = {
      seekStep: seekStep,
      seekX: function (x) { seekStep(+x); },
      currentStep: function () { return F ? steps[frame] : 0; },
      currentX: function () { return F ? steps[frame] : 0; },
      play: function () { setPlaying(true); },
      pause: function () { setPlaying(false); }
    };
    draw(frame);
  }

  /* ---- plotly figures ------------------------------------------------------------------ */
  /* A plot in a narrow box (a phone): the legend goes above the plot instead of beside it, the
     margins shrink to what the tick labels need (automargin), a heatmap's names and colour bar get
     smaller; the plot grows by the legend's rows so its drawing area keeps its height. */
  var NARROW = 480;  // px: a plot box narrower than this is on a phone (or a narrow column)
  function narrowLayout(el, spec) {
    var w = el.getBoundingClientRect().width;
    if (!w || w >= NARROW) return false;
    var layout = spec.layout, m = layout.margin || {};
    var twoAxes = !!layout.yaxis2;
    layout.margin = Object.assign({}, m, { l: Math.min(m.l == null ? 56 : m.l, 36), r: twoAxes ? Math.min(m.r == null ? 16 : m.r, 48) : 8 });
    layout.font = Object.assign({}, layout.font || {}, { size: 12 });
    var legend = layout.legend || {};
    var shown = (spec.data || []).filter(function (t) { return t.showlegend !== false && t.type !== "heatmap"; }).length;
    if (legend.orientation === "v" || (legend.x || 0) > 1) {
      layout.legend = Object.assign({}, legend, { orientation: "h", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom" });
      var extra = 22 * Math.ceil(shown / 2);
      layout.height = (layout.height || el.clientHeight) + extra;
      el.style.height = layout.height + "px";
    }
    (spec.data || []).forEach(function (t) {
      if (t.type === "heatmap") {
        /* the colour bar under the plot, across it (also after the menu switches the measure); the
           names shortened (hover gives them whole) */
        var under = { orientation: "h", x: 0, xanchor: "left", y: -0.1, yanchor: "top", len: 1, thickness: 8,
                      tickfont: { size: 10 }, title: { text: "", side: "top" } };
        t.colorbar = Object.assign({}, t.colorbar || {}, under);
        (layout.updatemenus || []).forEach(function (menu) {
          (menu.buttons || []).forEach(function (button) {
            var change = button.args && button.args[0];
            if (change && change.colorbar) {
              change.colorbar = change.colorbar.map(function (cb) { return Object.assign({}, cb || {}, under); });
            }
          });
        });
        t.xgap = 0;
        var names = (t.y || []).map(String);
        layout.yaxis = Object.assign({}, layout.yaxis || {}, {
          tickfont: { size: 10 }, tickmode: "array", tickvals: names,
          ticktext: names.map(function (n) { return n.length > 14 ? n.slice(0, 13) + "\u2026" : n; })
        });
        layout.xaxis = Object.assign({}, layout.xaxis || {}, { nticks: 5 });
        layout.margin.l = 8;
        layout.margin.b = Math.max(layout.margin.b || 0, 90);
      }
    });
    if (layout.updatemenus) {
      layout.updatemenus = layout.updatemenus.map(function (u) { return Object.assign({}, u, { font: { size: 11 } }); });
    }
    el.setAttribute("data-narrow", "1");
    return true;
  }

  function setupPlot(el) {
    var spec = readData(el.getAttribute("data-plot"));
    if (typeof Plotly === "undefined") {
      el.textContent = "plotly.js is missing from this page";
      return;
    }
    var layout = spec.layout || {};
    var follows = spec.follows;
    var cursor = spec.cursor || { line: { color: "rgba(90,90,90,0.45)", width: 3, dash: "solid" }, label: follows };
    if (follows) {
      /* the animation's moment: a pale solid line labelled at its foot (the dated marks are dotted or dashed) */
      layout.shapes = (layout.shapes || []).slice();
      layout.shapes.push({
        type: "line", xref: "x", yref: "paper", x0: 0, x1: 0, y0: 0, y1: 1,
        line: cursor.line, layer: "above", name: "cursor"
      });
      layout.annotations = (layout.annotations || []).slice();
      layout.annotations.push({
        x: 0, y: 0, xref: "x", yref: "paper", text: cursor.label || follows, showarrow: false,
        xanchor: "left", yanchor: "bottom", xshift: 3, yshift: 2, name: "cursor",
        font: cursor.font || { size: 10, color: "#4a4a4a" }, bgcolor: "rgba(255,255,255,0.85)"
      });
    }
    narrowLayout(el, spec);
    Plotly.newPlot(el, spec.data, layout, spec.config || {}).then(function () {
      if (!follows) return;
      var line = layout.shapes.length - 1, note = layout.annotations.length - 1, pending = null, busy = false;
      function flush() {
        if (pending === null) { busy = false; return; }
        var s = pending; pending = null; busy = true;
        var update = {};
        update["shapes[" + line + "].x0"] = s;
        update["shapes[" + line + "].x1"] = s;
        update["annotations[" + note + "].x"] = s;
        Plotly.relayout(el, update).then(function () { setTimeout(flush, 60); });
      }
      follow(follows, function (step, x) { pending = x; if (!busy) flush(); });
      el.on("plotly_click", function (ev) {
        if (ev && ev.points && ev.points.length && animations[follows]) {
          animations[follows].seekX(ev.points[0].x);
        }
      });
    });
  }

  /* ---- map animation (uprising.report.maps.MapAnimation) ------------------------------ */
  var SVG = "http://www.w3.org/2000/svg";

  function el(tag, attrs, parent) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (parent) parent.appendChild(node);
    return node;
  }

  function fmt(n) { return Math.round(n).toLocaleString("en-US"); }

  function parseX(x) {  // "2001-02-03 06:00" (as plotly gives dates back), ISO, or a date alone -> ms (UTC)
    var m = String(x).match(/^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?/);
    if (!m) return NaN;
    return Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0), +(m[6] || 0));
  }

  function setupMap(root) {
    var spec = readData(root.getAttribute("data-map"));
    var name = root.getAttribute("data-name") || "map";
    var C = spec.colours, F = spec.steps.length, P = spec.names.length;
    var svg = root.querySelector("svg.map-svg");
    var tip = root.querySelector(".map-tip");
    var note = root.querySelector(".map-note");
    var button = root.querySelector("button.play");
    var scrub = root.querySelector("input.scrub");
    var label = root.querySelector(".step-label");
    var xms = spec.x.map(parseX);
    var blockedNow = {};
    var views = spec.views.map(function (v, vi) {
      var g = el("g", { "class": "map-view", "data-view": vi }, svg);
      var clipId = root.id + "-clip-" + vi;
      var defs = el("defs", {}, g);
      var clip = el("clipPath", { id: clipId }, defs);
      el("rect", { x: v.box[0], y: v.box[1], width: v.box[2], height: v.box[3] }, clip);
      el("rect", { x: v.box[0], y: v.box[1], width: v.box[2], height: v.box[3], "class": "map-frame" }, g);
      var inner = el("g", { "clip-path": "url(#" + clipId + ")" }, g);
      if (v.outline) el("path", { d: v.outline, fill: C.land, stroke: C.outline, "stroke-width": 1.2 }, inner);
      if (v.inset) el("rect", { x: v.inset[0], y: v.inset[1], width: v.inset[2], height: v.inset[3], "class": "map-inset" }, inner);
      var title = el("text", { x: v.box[0] + 10, y: v.box[1] + 20, "class": "map-view-title" }, g);
      title.textContent = v.title;
      var roads = spec.links.map(function (l, li) {
        var a = v.pos[l[0]], b = v.pos[l[1]];
        if (!a || !b) return null;
        var attrs = { x1: a[0], y1: a[1], x2: b[0], y2: b[1], "class": "map-link " + l[2], "data-link": li };
        return el("line", attrs, inner);
      });
      var places = [], labels = [];
      var layer = el("g", {}, inner);
      var top = el("g", {}, inner);
      var labelLayer = el("g", { "class": "map-labels" }, inner);  // above the badges
      for (var p = 0; p < P; p++) {
        var at = v.pos[p];
        if (!at) { places.push(null); continue; }
        var grp = el("g", { "class": "map-place", "data-place": p, transform: "translate(" + at[0] + "," + at[1] + ")" }, layer);
        var rp = Math.max(2.5, v.k * Math.sqrt(spec.population[p]));
        el("circle", { r: rp, "class": "pop", stroke: C.population }, grp);
        var disk = el("circle", { r: 0, "class": "act", fill: C.active }, grp);
        el("circle", { r: 2, "class": "dot" }, grp);
        var badge = el("g", { "class": "dead", transform: "translate(" + (rp * 0.72) + "," + (-rp * 0.72) + ")" }, top);
        badge.setAttribute("transform", "translate(" + (at[0] + rp * 0.72) + "," + (at[1] - rp * 0.72) + ")");
        var bc = el("circle", { r: 0, fill: C.dead }, badge);
        var bt = el("text", { "class": "dead-count", "text-anchor": "middle", dy: "0.35em" }, badge);
        var tx = null;
        if (v.label[p] && v.lab && v.lab[p]) {  // placed in Python (map_labels): x, baseline y, anchor, leader
          var lead = v.lab[p][3];
          if (lead) el("line", { x1: lead[0], y1: lead[1], x2: lead[2], y2: lead[3], "class": "map-leader" }, labelLayer);
          tx = el("text", { x: v.lab[p][0], y: v.lab[p][1], "class": "map-label", "text-anchor": v.lab[p][2],
                            "data-place": p }, labelLayer);
          tx.textContent = spec.names[p];
        }
        places.push({ disk: disk, badge: badge, bc: bc, bt: bt, grp: grp });
        (function (pi, node) {
          node.addEventListener("mouseenter", function (e) { showTip(pi, e); });
          node.addEventListener("mousemove", function (e) { moveTip(e); });
          node.addEventListener("mouseleave", function () { tip.hidden = true; tipPlace = -1; });
        })(p, grp);
      }
      var movers = el("g", {}, inner);
      var date = el("text", { x: v.box[0] + v.box[2] - 10, y: v.box[1] + 22, "class": "map-date", "text-anchor": "end" }, g);
      var flag = el("text", { x: v.box[0] + v.box[2] - 10, y: v.box[1] + 42, "class": "map-flag", "text-anchor": "end" }, g);
      return { v: v, roads: roads, places: places, movers: movers, date: date, flag: flag };
    });
    var frame = Math.min(Math.max(spec.start | 0, 0), Math.max(F - 1, 0));
    var playing = false, last = 0, timer = null, tipPlace = -1, tipEvent = null;
    var fps = Math.max(1, spec.fps || 6), speed = 1;
    var interval = 1000 / fps;
    var speedMenu = root.querySelector("select.speed");
    function setSpeed(times) {
      speed = +times > 0 ? +times : 1;
      interval = 1000 / (fps * speed);
      root.setAttribute("data-speed", String(speed));
      if (speedMenu && +speedMenu.value !== speed) speedMenu.value = String(speed);
    }
    if (speedMenu) speedMenu.addEventListener("change", function () { setSpeed(speedMenu.value); });
    setSpeed(1);

    function tipHtml(p) {
      var lines = [spec.names[p], "active: " + fmt(spec.active[frame][p]) + " of " + fmt(spec.population[p]),
                   "killed so far: " + fmt(spec.deaths[frame][p])];
      Object.keys(spec.tips).forEach(function (k) {
        var val = spec.tips[k][frame][p];
        if (val !== null && val !== undefined) lines.push(k + ": " + (Math.round(val * 100) + "%"));
      });
      return lines;
    }
    function showTip(p, e) {
      tipPlace = p;
      tip.textContent = "";
      tipHtml(p).forEach(function (t, i) {
        var d = document.createElement(i === 0 ? "strong" : "div");
        d.textContent = t;  // user strings as text
        tip.appendChild(d);
      });
      tip.hidden = false;
      moveTip(e);
    }
    function moveTip(e) {
      var box = root.querySelector(".map-wrap").getBoundingClientRect();
      tip.style.left = (e.clientX - box.left + 14) + "px";
      tip.style.top = (e.clientY - box.top + 10) + "px";
    }

    function draw(f) {
      frame = f;
      if (F === 0) { label.textContent = "no frames"; return; }
      var act = spec.active[f], dead = spec.deaths[f];
      var blocked = {};
      spec.blocked[f].forEach(function (e) { blocked[e] = true; });
      views.forEach(function (view) {
        var k = view.v.k;
        view.roads.forEach(function (line, li) {
          if (line) line.classList.toggle("blocked", !!blocked[li]);
        });
        view.places.forEach(function (pl, p) {
          if (!pl) return;
          pl.disk.setAttribute("r", (k * Math.sqrt(Math.max(0, act[p]))).toFixed(2));
          var d = dead[p];
          if (d >= 0.5 && view.v.badges !== false) {
            var r = Math.max(7, Math.min(16, 5 + 2.2 * Math.sqrt(d)));
            pl.bc.setAttribute("r", r.toFixed(1));
            pl.bt.textContent = fmt(d);
            pl.badge.style.display = "";
          } else {
            pl.badge.style.display = "none";
          }
        });
        while (view.movers.firstChild) view.movers.removeChild(view.movers.firstChild);
        (spec.movers[f] || []).forEach(function (m, mi) {
          var pos = m.pos[views.indexOf(view)];
          if (!pos) return;
          var g = el("g", { "class": "map-mover", transform: "translate(" + pos[0] + "," + pos[1] + ")" }, view.movers);
          el("circle", { r: Math.max(4, k * Math.sqrt(m.people) * 1.4), fill: C.march }, g);
          var t = el("title", {}, g);
          t.textContent = m.label + ": " + fmt(m.people) + " people";
        });
        view.date.textContent = view.v.clock ? spec.labels[f] : "";
        view.flag.textContent = view.v.clock ? (spec.flags[f] || "") : "";
      });
      scrub.value = String(f);
      label.textContent = spec.labels[f];
      note.textContent = spec.notes[f] || "";
      root.setAttribute("data-step", String(spec.steps[f]));
      root.setAttribute("data-frame", String(f));
      if (tipPlace >= 0 && !tip.hidden) {
        tip.textContent = "";
        tipHtml(tipPlace).forEach(function (t, i) {
          var d = document.createElement(i === 0 ? "strong" : "div");
          d.textContent = t;
          tip.appendChild(d);
        });
      }
      notify(name, spec.steps[f], spec.x[f]);
    }

    function tick(now) {
      if (!playing) return;
      if (now - last >= interval) { last = now; draw(frame + 1 >= F ? 0 : frame + 1); }
      timer = requestAnimationFrame(tick);
    }
    function setPlaying(on) {
      playing = on && F > 1;
      button.textContent = playing ? "Pause" : "Play";
      button.setAttribute("aria-label", playing ? "pause" : "play");
      button.classList.toggle("is-playing", playing);
      if (playing) { last = 0; timer = requestAnimationFrame(tick); }
      else if (timer !== null) { cancelAnimationFrame(timer); timer = null; }
    }
    button.addEventListener("click", function () { setPlaying(!playing); });
    scrub.addEventListener("input", function () { setPlaying(false); draw(+scrub.value); });
    root.addEventListener("keydown", function (e) {
      if (e.key === " " && e.target !== button) { e.preventDefault(); setPlaying(!playing); }
      else if (e.key === "ArrowRight" && e.target !== scrub) { setPlaying(false); draw(Math.min(F - 1, frame + 1)); }
      else if (e.key === "ArrowLeft" && e.target !== scrub) { setPlaying(false); draw(Math.max(0, frame - 1)); }
    });
    function seekX(x) {
      if (F === 0) return;
      var t = typeof x === "number" ? x : parseX(x);
      var lo = 0, hi = F - 1;
      while (lo < hi) { var mid = (lo + hi + 1) >> 1; if (xms[mid] <= t) lo = mid; else hi = mid - 1; }
      setPlaying(false);
      draw(lo);
    }
    /* the size key: circles of round numbers of people, at the main panel's scale as drawn now */
    var keySvg = root.querySelector("svg.map-size-key");
    function drawSizeKey() {
      var key = spec.size_key;
      if (!keySvg || !key) return;
      var box = svg.getBoundingClientRect();
      var px = Math.min(box.width / spec.width, box.height / spec.height) || 1;  // screen px per map unit
      while (keySvg.firstChild) keySvg.removeChild(keySvg.firstChild);
      var radii = key.values.map(function (v) { return Math.max(1, key.k * Math.sqrt(v) * px); });
      var big = radii[0], x = 1, h = 2 * big + 16;
      radii.forEach(function (r, i) {
        var cx = x + Math.max(r, 14);
        el("circle", { cx: cx, cy: 1 + big * 2 - r, r: r, fill: "none", stroke: C.population, "stroke-width": 1,
                       "data-people": key.values[i] }, keySvg);
        var t = el("text", { x: cx, y: h - 2, "text-anchor": "middle", "class": "size-key-label" }, keySvg);
        t.textContent = key.labels[i];
        x = cx + Math.max(r, 14) + 8;
      });
      keySvg.setAttribute("width", Math.ceil(x));
      keySvg.setAttribute("height", Math.ceil(h));
      keySvg.setAttribute("viewBox", "0 0 " + Math.ceil(x) + " " + Math.ceil(h));
    }
    drawSizeKey();
    window.addEventListener("resize", drawSizeKey);

    /* exports of the moment on show: the map as a PNG, every place's numbers as CSV */
    function save(blob, filename) {
      var a = document.createElement("a");
      a.href = URL.createObjectURL(blob);
      a.download = filename;
      document.body.appendChild(a);
      a.click();
      setTimeout(function () { URL.revokeObjectURL(a.href); a.remove(); }, 2000);
    }
    function fileName(ext) {
      var when = String(spec.x[frame] || spec.steps[frame]).replace(/[^0-9A-Za-z]+/g, "-").replace(/-+$/, "");
      return (spec.file || "map") + "-" + when + "." + ext;
    }
    function csvCell(v) {
      var t = v === null || v === undefined ? "" : String(v);
      return /[",\n]/.test(t) ? '"' + t.replace(/"/g, '""') + '"' : t;
    }
    function exportCsv() {
      var rows = [spec.csv.join(",")];
      var tipKeys = Object.keys(spec.tips);
      for (var p = 0; p < P; p++) {
        var pop = spec.population[p], act = spec.active[frame][p];
        var row = [spec.x[frame], spec.steps[frame], spec.names[p], Math.round(pop), act,
                   pop > 0 ? (act / pop).toFixed(4) : "", spec.deaths[frame][p]];
        tipKeys.forEach(function (k) { row.push(spec.tips[k][frame][p]); });
        rows.push(row.map(csvCell).join(","));
      }
      save(new Blob([rows.join("\n") + "\n"], { type: "text/csv" }), fileName("csv"));
    }
    function mapStyle() {  // the page's rules for the map, and the custom properties they use
      var rules = [];
      Array.prototype.forEach.call(document.styleSheets, function (sheet) {
        var list;
        try { list = sheet.cssRules; } catch (e) { return; }
        Array.prototype.forEach.call(list, function (r) {
          if (r.selectorText && /\.map-|\.dead-count/.test(r.selectorText) && !/\.map-svg|\.map-tip|\.map-legend|\.map-note|\.map-anim|\.map-wrap/.test(r.selectorText)) {
            rules.push(r.cssText);
          }
        });
      });
      var page = getComputedStyle(document.documentElement);
      var vars = ["--ink", "--muted", "--faint", "--line", "--paper", "--font"].map(function (v) {
        return v + ":" + page.getPropertyValue(v);
      }).join(";");
      return "svg{" + vars + ";font-family:var(--font)}" + rules.join("\n");
    }
    function exportPng() {
      var scale = 2, W = spec.width, H = spec.height;
      var clone = svg.cloneNode(true);
      clone.removeAttribute("class");
      clone.setAttribute("xmlns", SVG);
      clone.setAttribute("width", W * scale);
      clone.setAttribute("height", H * scale);
      var style = document.createElementNS(SVG, "style");
      style.textContent = mapStyle();
      var bg = document.createElementNS(SVG, "rect");
      ["x", "y"].forEach(function (a) { bg.setAttribute(a, 0); });
      bg.setAttribute("width", W); bg.setAttribute("height", H); bg.setAttribute("fill", "#fbfaf7");
      clone.insertBefore(bg, clone.firstChild);
      clone.insertBefore(style, clone.firstChild);
      var url = URL.createObjectURL(new Blob([new XMLSerializer().serializeToString(clone)], { type: "image/svg+xml" }));
      var img = new Image();
      img.onload = function () {
        var canvas = document.createElement("canvas");
        canvas.width = W * scale; canvas.height = H * scale;
        canvas.getContext("2d").drawImage(img, 0, 0, W * scale, H * scale);
        URL.revokeObjectURL(url);
        canvas.toBlob(function (blob) { save(blob, fileName("png")); }, "image/png");
      };
      img.onerror = function () { URL.revokeObjectURL(url); note.textContent = "the picture could not be made in this browser"; };
      img.src = url;
    }
    var pngButton = root.querySelector("button.export-png"), csvButton = root.querySelector("button.export-csv");
    if (pngButton) pngButton.addEventListener("click", exportPng);
    if (csvButton) csvButton.addEventListener("click", exportCsv);

    animations[name] = {
      seekStep: function (step) {
        var i = spec.steps.indexOf(step);
        if (i >= 0) { setPlaying(false); draw(i); }
      },
      seekX: seekX,
      currentStep: function () { return F ? spec.steps[frame] : 0; },
      currentX: function () { return F ? spec.x[frame] : 0; },
      play: function () { setPlaying(true); },
      pause: function () { setPlaying(false); },
      speed: function () { return speed; },
      framesPerSecond: function () { return fps * speed; },
      setSpeed: setSpeed
    };
    draw(frame);
  }

  function init() {
    document.querySelectorAll("[data-map]").forEach(setupMap);
    var waits = [];
    document.querySelectorAll("[data-grid]").forEach(function (root) {
      waits.push(setupGrid(root).catch(function (err) {
        root.querySelector(".step-label").textContent = String(err.message || err);
      }));
    });
    var plots = document.querySelectorAll("[data-plot]");
    if (plots.length) {
      waits.push(loadPlotly().then(function () { plots.forEach(setupPlot); }, function (err) {
        plots.forEach(function (el) { el.textContent = "plotly.js could not be loaded: " + (err.message || err); });
      }));
    }
    window.uprisingReport = { animations: animations, ready: Promise.all(waits) };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
