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

  var animations = {};   // name -> player API
  var followers = {};    // name -> [callback(step)]

  function follow(name, fn) {
    (followers[name] = followers[name] || []).push(fn);
    if (animations[name]) fn(animations[name].currentStep());
  }

  /* ---- grid animation ------------------------------------------------------------------ */
  function setupGrid(root) {
    var spec = readData(root.getAttribute("data-grid"));
    var name = root.getAttribute("data-name") || "grid";
    var W = spec.width, H = spec.height, N = W * H;
    var steps = spec.steps, F = steps.length;
    var frames = decodeBase64(spec.frames);
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
      (followers[name] || []).forEach(function (fn) { fn(steps[f]); });
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
      currentStep: function () { return F ? steps[frame] : 0; },
      play: function () { setPlaying(true); },
      pause: function () { setPlaying(false); }
    };
    draw(frame);
  }

  /* ---- plotly figures ------------------------------------------------------------------ */
  function setupPlot(el) {
    var spec = readData(el.getAttribute("data-plot"));
    if (typeof Plotly === "undefined") {
      el.textContent = "plotly.js is missing from this page";
      return;
    }
    var layout = spec.layout || {};
    var follows = spec.follows;
    if (follows) {
      layout.shapes = (layout.shapes || []).slice();
      layout.shapes.push({
        type: "line", xref: "x", yref: "paper", x0: 0, x1: 0, y0: 0, y1: 1,
        line: { color: "#2b2b2e", width: 1, dash: "dot" }, layer: "above"
      });
    }
    Plotly.newPlot(el, spec.data, layout, spec.config || {}).then(function () {
      if (!follows) return;
      var cursor = layout.shapes.length - 1, pending = null, busy = false;
      function flush() {
        if (pending === null) { busy = false; return; }
        var s = pending; pending = null; busy = true;
        var update = {};
        update["shapes[" + cursor + "].x0"] = s;
        update["shapes[" + cursor + "].x1"] = s;
        Plotly.relayout(el, update).then(function () { setTimeout(flush, 60); });
      }
      follow(follows, function (step) { pending = step; if (!busy) flush(); });
      el.on("plotly_click", function (ev) {
        if (ev && ev.points && ev.points.length && animations[follows]) {
          animations[follows].seekStep(ev.points[0].x);
        }
      });
    });
  }

  function init() {
    document.querySelectorAll("[data-grid]").forEach(setupGrid);
    document.querySelectorAll("[data-plot]").forEach(setupPlot);
    window.uprisingReport = { animations: animations };
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
