// The points of a hiddenrep scatter spec drawn by a layer under the Vega view that draws the rest.
//
// What is drawn comes from the spec and its view, never from a second chart description: the mark's type,
// size and opacity from the pick layer, positions from the wide x<k>/y<k> columns through Vega's own x/y
// scales (so zoom and pan of the spec move these points too), colours through Vega's own colour scale, the
// "only misclassified" filter from ok<k>, the legend selection and the highlighted class from the view, and
// the tween weight from the spec's "ease" param. A step only changes which two frames are read and the
// weight w; every point is drawn at a + (b - a) * w.
//
// Two painters, same pixels rule (a pixel is covered when its centre lies inside the point's square/disc):
// - "pixels": a loop in JavaScript over the typed arrays writing an ImageData. Chosen by default: in headless
//   Chromium without a GPU (SwiftShader, as CI has), WebGL pays about 1.5 µs per point primitive whatever its
//   size (100k points: 4-6 fps), this loop about 0.15 µs per point of 14 px² (100k points: 30+ fps).
// - "webgl": the same layer with WebGL2, mix(a, b, w) in the vertex shader (?renderer=webgl). Wins with a
//   real GPU; kept as the measured alternative (bench/scale.py prints both).
// Why not a package: regl-scatterplot and deck.gl own their own camera, colour and picking model (a second
// chart description); vega-webgl-renderer replaces only Vega's painting, and Vega's per-point dataflow is
// what costs (bench/scale.py).
"use strict";
(function () {
  const parse = (() => {  // CSS colour → [r, g, b, a] bytes, cached
    const ctx = document.createElement("canvas").getContext("2d", {willReadFrequently: true}), cache = new Map();
    return (css) => {
      if (cache.has(css)) return cache.get(css);
      ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = "#000"; ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
      const rgba = Array.from(ctx.getImageData(0, 0, 1, 1).data);
      cache.set(css, rgba);
      return rgba;
    };
  })();
  const pack = ([r, g, b, a]) => (r | (g << 8) | (b << 16) | (a << 24)) >>> 0;  // ImageData's byte order

  // A Vega expression of the spec (a calculate or a param), compiled once: Vega's expression language is a
  // subset of JavaScript; its few functions used by the builder are passed in.
  const FUNCTIONS = {floor: Math.floor, round: Math.round, min: Math.min, max: Math.max, pow: Math.pow, cos: Math.cos,
                     PI: Math.PI};
  function compileExpression(expr, signalNames) {
    const names = [...Object.keys(FUNCTIONS), ...signalNames];
    const f = new Function("datum", ...names, `return (${expr});`);
    return (datum, signals) => f(datum, ...Object.values(FUNCTIONS), ...signalNames.map(s => signals[s]));
  }

  // Where Vega's renderer puts the view's (0, 0) on its canvas: the origin plus the padding.
  const drawnOrigin = (view) => { const [x, y] = view.origin(), pad = view.padding(); return [x + pad.left, y + pad.top]; };

  function frameColumns(columns, prefix) {
    const out = [];
    while (columns[prefix + out.length]) out.push(columns[prefix + out.length]);
    return out;
  }

  class PointsLayer {
    constructor(view, container, spec, layerSpec, table, timeSignal, nFrames, painter) {
      this.view = view; this.table = table; this.time = timeSignal; this.nFrames = nFrames;
      const mark = typeof layerSpec.mark === "string" ? {type: layerSpec.mark} : layerSpec.mark;
      const enc = layerSpec.encoding || {};
      this.round = mark.type === "circle" || mark.type === "point";
      const area = mark.size ?? 30;
      this.side = mark.type === "square" ? Math.sqrt(area) : 2 * Math.sqrt(area / Math.PI);
      // opacity: the encoding's value (or the mark's); "faded" points get the spec's own opacity expression;
      // a condition on the "legend" selection dims the classes it leaves out
      const opacity = enc.opacity || {};
      this.legendParam = opacity.condition && opacity.condition.param;
      this.dimmed = this.legendParam ? (opacity.value ?? 0.04) : 0;
      const chosen = this.legendParam ? opacity.condition : opacity;
      const plain = chosen.value ?? mark.opacity ?? 0.7;
      const calc = [].concat(layerSpec.transform || []).find(t => t.calculate && t.as === chosen.field);
      const columns = table.columns;
      this.fadedColumns = frameColumns(columns, "faded");
      if (!this.fadedColumns.length && columns.faded) this.fadedColumns = [columns.faded];
      this.opacity = [plain, plain];  // of a point that is not faded, and of one that is
      if (calc && this.fadedColumns.length) {
        const signals = {frame: 0, t: 0, ta: 0, tb: 0, ease: 0, nframes: nFrames};
        const at = v => { const d = {faded: v}; for (let k = 0; k < nFrames; k++) d["faded" + k] = v; return d; };
        const f = compileExpression(calc.calculate, Object.keys(signals));
        this.opacity = [f(at(0), signals), f(at(1), signals)];
      }
      // the tween weight of t, from the spec's own "ease" param (so playing need not ask Vega every frame)
      const ease = (spec.params || []).find(p => p.name === "ease" && p.expr);
      this.ease = ease ? compileExpression(ease.expr, ["t"]) : null;
      this.highlightOn = !!(enc.order && enc.order.field);
      this.tooltipFields = [].concat(enc.tooltip || []).map(t => t.field).filter(f => f && columns[f]);
      this.xs = frameColumns(columns, "x"); this.ys = frameColumns(columns, "y");
      this.wrongOnly = /'ok' \+/.test(JSON.stringify(layerSpec.transform || [])) ? frameColumns(columns, "ok") : null;
      // colours: one packed RGBA per point and colour frame (c<k>), or one set for a constant colour
      const scale = view.scale("color"), n = table.n;
      const field = enc.color && enc.color.field;
      const perFrame = frameColumns(columns, "c");
      this.colorSources = perFrame.length ? perFrame : (field && columns[field] ? [columns[field]] : []);
      const fallback = pack(parse(mark.color || "#4c78a8"));
      this.colors = this.colorSources.map(column => {
        const out = new Uint32Array(n);
        if (!scale) return out.fill(fallback);
        if (column.codes) {
          const lut = column.values.map(v => pack(parse(scale(v))));
          for (let i = 0; i < n; i++) out[i] = column.codes[i] < 0 ? 0 : lut[column.codes[i]];
        } else {  // numbers: 256 steps over the scale's domain (clamped)
          const [lo, hi] = scale.domain(), lut = new Uint32Array(256);
          for (let s = 0; s < 256; s++) lut[s] = pack(parse(scale(lo + (hi - lo) * s / 255)));
          for (let i = 0; i < n; i++) {
            const v = column[i];
            out[i] = Number.isNaN(v) ? 0 : lut[Math.max(0, Math.min(255, Math.round((v - lo) / ((hi - lo) || 1) * 255)))];
          }
        }
        return out;
      });
      if (!this.colors.length) this.colors = [new Uint32Array(n).fill(fallback)];
      this.override = null;  // {t} while playing: the time on screen, ahead of the view's signal
      this.drawnState = null;
      this.painter = painter === "webgl" ? new GLPainter(this, container) : new PixelPainter(this, container);
      this.loop = () => { this.draw(); this.raf = requestAnimationFrame(this.loop); };
      this.raf = requestAnimationFrame(this.loop);  // follows zoom/pan and resizes: draws only when something changed
    }

    static available(painter) {
      if (painter !== "webgl") return true;
      try { return !!document.createElement("canvas").getContext("webgl2"); } catch (e) { return false; }
    }

    get name() { return this.painter.name; }

    state() {
      // Which frames, weight and pixel mapping the view asks for now.
      const max = this.xs.length - 1;
      const t = this.override ? this.override.t : Number(this.view.signal(this.time));
      let a, b, w;
      if (this.time === "t") {
        a = Math.min(Math.floor(t), max); b = Math.min(a + 1, max);
        w = this.ease ? this.ease({}, {t}) : t - a;
        if (!Number.isFinite(w)) w = t - a;
      } else { a = b = Math.min(Math.round(t), max); w = 0; }
      const x = this.view.scale("x"), y = this.view.scale("y"), [ox, oy] = drawnOrigin(this.view);
      const [dx0, dx1] = x.domain(), [rx0, rx1] = x.range(), [dy0, dy1] = y.domain(), [ry0, ry1] = y.range();
      const sx = (rx1 - rx0) / (dx1 - dx0), sy = (ry1 - ry0) / (dy1 - dy0);
      const map = [sx, ox + rx0 - dx0 * sx, sy, oy + ry0 - dy0 * sy];
      const colorFrame = Math.min(Math.round(t), this.colors.length - 1);
      const okFrame = this.wrongOnly ? Math.min(Math.round(t), this.wrongOnly.length - 1) : 0;
      const plot = [ox + Math.min(rx0, rx1), oy + Math.min(ry0, ry1), Math.abs(rx1 - rx0), Math.abs(ry1 - ry0)];
      const last = Math.max(this.fadedColumns.length - 1, 0), fadedA = Math.min(a, last), fadedB = Math.min(b, last);
      // the legend selection (classes shown) and the highlighted class (drawn on top), as colour codes
      const source = this.colorSources[colorFrame], values = source && source.codes ? source.values : null;
      let selected = null, top = -1;
      if (values && this.legendParam) {
        let store = [];
        try { store = this.view.data(this.legendParam + "_store") || []; } catch (e) { store = []; }
        if (store.length) {
          const chosen = new Set(store.map(tuple => tuple.values[0]));
          selected = values.slice(0, 64).map(v => chosen.has(v) ? 1 : 0);
        }
      }
      if (values && this.highlightOn) {
        let highlight = null;
        try { highlight = this.view.signal("highlight"); } catch (e) { highlight = null; }
        top = highlight === null || highlight === undefined ? -1 : values.indexOf(highlight);
      }
      return {t, a, b, w, map, colorFrame, okFrame, fadedA, fadedB, selected, top, plot,
              width: this.view.width(), height: this.view.height()};
    }

    position(i) {
      // Canvas pixel of point i as drawn now (for clicks, tooltips and tests).
      const s = this.state();
      const x = this.xs[s.a][i] + (this.xs[s.b][i] - this.xs[s.a][i]) * s.w;
      const y = this.ys[s.a][i] + (this.ys[s.b][i] - this.ys[s.a][i]) * s.w;
      return [x * s.map[0] + s.map[1], y * s.map[2] + s.map[3]];
    }

    nearest(cx, cy, radius) {
      // The drawn point nearest to canvas pixel (cx, cy) within radius px, topmost on ties; -1 if none.
      const s = this.state(), n = this.table.n, [sx, bx, sy, by] = s.map, ok = this.wrongOnly && this.wrongOnly[s.okFrame];
      const xa = this.xs[s.a], xb = this.xs[s.b], ya = this.ys[s.a], yb = this.ys[s.b];
      let best = -1, bestDistance = radius * radius;
      for (let i = 0; i < n; i++) {
        if (ok && ok[i]) continue;
        const px = (xa[i] + (xb[i] - xa[i]) * s.w) * sx + bx - cx, py = (ya[i] + (yb[i] - ya[i]) * s.w) * sy + by - cy;
        const d = px * px + py * py;
        if (d <= bestDistance) { best = i; bestDistance = d; }
      }
      return best;
    }

    tooltip(i) {
      const value = {};
      for (const field of this.tooltipFields) {
        const column = this.table.columns[field];
        value[field] = column.codes ? (column.codes[i] < 0 ? null : column.values[column.codes[i]]) : column[i];
      }
      return value;
    }

    draw() {
      const s = this.state(), key = JSON.stringify(s);
      if (key === this.drawnState) return;
      this.drawnState = key;
      const canvas = this.painter.canvas, vega = this.view.container().querySelector("canvas:not(.points)");
      const dpr = window.devicePixelRatio || 1;
      const cssWidth = vega ? vega.clientWidth : s.width, cssHeight = vega ? vega.clientHeight : s.height;
      if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
        canvas.width = Math.round(cssWidth * dpr); canvas.height = Math.round(cssHeight * dpr);
        canvas.style.width = cssWidth + "px"; canvas.style.height = cssHeight + "px";
      }
      if (vega) { canvas.style.left = vega.offsetLeft + "px"; canvas.style.top = vega.offsetTop + "px"; }
      this.painter.paint(s, dpr, cssWidth, cssHeight);
    }

    paintedPixels() {  // pixels the points cover right now (for the tests)
      this.drawnState = null; this.draw();
      return this.painter.paintedPixels();
    }


    destroy() {
      cancelAnimationFrame(this.raf);
      this.painter.destroy();
    }
  }

  function makeCanvas(container) {
    const canvas = document.createElement("canvas");
    canvas.className = "points";
    container.insertBefore(canvas, container.firstChild);
    return canvas;
  }

  class PixelPainter {
    // Writes the points into an ImageData, opaque over the page's background colour inside the plot (so
    // blending is plain "over" on straight RGB), transparent outside it; Vega's transparent canvas lies above.
    constructor(layer, container) {
      this.layer = layer; this.name = "pixels";
      this.canvas = makeCanvas(container);
      this.ctx = this.canvas.getContext("2d");
      this.image = null;
    }

    background() {
      const [r, g, b, a] = parse(getComputedStyle(document.documentElement).backgroundColor);
      return a === 255 ? pack([r, g, b, 255]) : 0xffffffff;
    }

    paint(s, dpr) {
      const L = this.layer, W = this.canvas.width, H = this.canvas.height, n = L.table.n;
      if (!this.image || this.image.width !== W || this.image.height !== H) {
        this.image = this.ctx.createImageData(W, H);
        this.pixels = new Int32Array(this.image.data.buffer);  // signed: V8 keeps 32-bit integers unboxed
      }
      const px = this.pixels;
      px.fill(0);
      // the plot, in device pixels: the only area painted (zoomed in, nothing outside it)
      const X0 = Math.max(0, Math.floor(s.plot[0] * dpr)), Y0 = Math.max(0, Math.floor(s.plot[1] * dpr));
      const X1 = Math.min(W, Math.ceil((s.plot[0] + s.plot[2]) * dpr)), Y1 = Math.min(H, Math.ceil((s.plot[1] + s.plot[3]) * dpr));
      const bg = this.background() | 0;
      for (let y = Y0; y < Y1; y++) px.fill(bg, y * W + X0, y * W + X1);
      const xa = L.xs[s.a], xb = L.xs[s.b], ya = L.ys[s.a], yb = L.ys[s.b], w = s.w;
      const sx = s.map[0] * dpr, bx = s.map[1] * dpr, sy = s.map[2] * dpr, by = s.map[3] * dpr;
      const colors = new Int32Array(L.colors[s.colorFrame].buffer), source = L.colorSources[s.colorFrame];
      const codes = source && source.codes ? source.codes : null;
      const hidden = L.wrongOnly ? L.wrongOnly[s.okFrame] : null;
      const fadedA = L.fadedColumns[s.fadedA], fadedB = L.fadedColumns[s.fadedB];
      const [plain, faded] = L.opacity, selected = s.selected, top = s.top, dimmed = L.dimmed;
      const half = L.side * dpr / 2, r2 = half * half, round = L.round;
      for (let pass = top >= 0 ? 0 : -1; pass < (top >= 0 ? 2 : 0); pass++) {  // the highlighted class last
        for (let i = 0; i < n; i++) {
          if (hidden && hidden[i]) continue;
          const code = codes ? codes[i] : -1;
          if (pass === 0 && code === top || pass === 1 && code !== top) continue;
          const c = colors[i];
          let opacity = fadedA ? plain + (faded - plain) * (fadedA[i] + (fadedB[i] - fadedA[i]) * w) : plain;
          if (selected && code >= 0 && code < 64 && !selected[code]) opacity = dimmed;
          const ia = Math.round((c >>> 24) * opacity * 256 / 255);
          if (ia <= 0) continue;
          const inv = 256 - ia;
          const srb = (((c & 0xff00ff) * ia) >>> 8) & 0xff00ff, sg = (((c & 0xff00) * ia) >>> 8) & 0xff00;
          const x = (xa[i] + (xb[i] - xa[i]) * w) * sx + bx, y = (ya[i] + (yb[i] - ya[i]) * w) * sy + by;
          // pixels whose centre lies inside [x - half, x + half) (GL's rule for points)
          let x0 = Math.ceil(x - half - 0.5), x1 = Math.ceil(x + half - 0.5);
          let y0 = Math.ceil(y - half - 0.5), y1 = Math.ceil(y + half - 0.5);
          if (x0 < X0) x0 = X0; if (x1 > X1) x1 = X1; if (y0 < Y0) y0 = Y0; if (y1 > Y1) y1 = Y1;
          for (let py = y0; py < y1; py++) {
            const dy = py + 0.5 - y, row = py * W;
            for (let pxi = x0; pxi < x1; pxi++) {
              if (round) { const dx = pxi + 0.5 - x; if (dx * dx + dy * dy > r2) continue; }
              const o = row + pxi, d = px[o];
              px[o] = ((((d & 0xff00ff) * inv) >>> 8) & 0xff00ff) + srb | ((((d & 0xff00) * inv) >>> 8) & 0xff00) + sg
                      | 0xff000000;
            }
          }
        }
      }
      this.ctx.putImageData(this.image, 0, 0);
      this.bg = bg;
    }

    paintedPixels() {
      let painted = 0;
      for (let i = 0; i < this.pixels.length; i++) if (this.pixels[i] && this.pixels[i] !== this.bg) painted++;
      return painted;
    }

    destroy() { this.canvas.remove(); }
  }

  const VERTEX = `#version 300 es
    in vec2 a_from; in vec2 a_to; in vec4 a_color; in float a_hidden; in float a_code; in float a_fadedFrom; in float a_fadedTo;
    uniform float u_w; uniform vec4 u_map; uniform vec2 u_canvas; uniform float u_size;
    uniform vec2 u_opacity;          // opacity of a point that is not faded, and of one that is
    uniform float u_dimmed;          // opacity of a class the legend selection leaves out
    uniform float u_selected[64];    // per colour code: 1 = selected by the legend (all 1 when nothing is)
    uniform float u_top; uniform int u_pass;  // the highlighted code: drawn in a second pass, on top
    out vec4 v_color;
    void main() {
      int code = int(a_code + 0.5);
      bool on_top = u_top >= 0.0 && abs(a_code - u_top) < 0.5;
      bool skip = a_hidden > 0.5 || (u_pass == 0 && on_top) || (u_pass == 1 && !on_top);
      vec2 p = mix(a_from, a_to, u_w);
      vec2 px = vec2(p.x * u_map.x + u_map.y, p.y * u_map.z + u_map.w);
      gl_Position = skip ? vec4(2.0, 2.0, 2.0, 1.0)
                         : vec4(px.x / u_canvas.x * 2.0 - 1.0, 1.0 - px.y / u_canvas.y * 2.0, 0.0, 1.0);
      gl_PointSize = u_size;
      float opacity = mix(u_opacity.x, u_opacity.y, mix(a_fadedFrom, a_fadedTo, u_w));
      if (code >= 0 && code < 64 && u_selected[code] < 0.5) opacity = u_dimmed;
      v_color = vec4(a_color.rgb, a_color.a * opacity);
    }`;
  const FRAGMENT = `#version 300 es
    precision mediump float;
    in vec4 v_color; uniform bool u_round;
    out vec4 color;
    void main() {
      if (u_round && length(gl_PointCoord - 0.5) > 0.5) discard;
      color = vec4(v_color.rgb * v_color.a, v_color.a);
    }`;

  function compile(gl, type, source) {
    const shader = gl.createShader(type);
    gl.shaderSource(shader, source);
    gl.compileShader(shader);
    if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(shader));
    return shader;
  }

  class GLPainter {
    // Every checkpoint sits in GPU memory once; a step binds two frames and sets the weight.
    constructor(layer, container) {
      this.layer = layer; this.name = "webgl";
      this.canvas = makeCanvas(container);
      const gl = this.gl = this.canvas.getContext("webgl2", {antialias: false, preserveDrawingBuffer: false});
      const program = this.program = gl.createProgram();
      gl.attachShader(program, compile(gl, gl.VERTEX_SHADER, VERTEX));
      gl.attachShader(program, compile(gl, gl.FRAGMENT_SHADER, FRAGMENT));
      gl.linkProgram(program);
      if (!gl.getProgramParameter(program, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(program));
      this.loc = {};
      for (const name of ["a_from", "a_to", "a_color", "a_hidden", "a_code", "a_fadedFrom", "a_fadedTo"]) {
        this.loc[name] = gl.getAttribLocation(program, name);
      }
      for (const name of ["u_w", "u_map", "u_canvas", "u_size", "u_opacity", "u_round", "u_dimmed", "u_selected",
                          "u_top", "u_pass"]) {
        this.loc[name] = gl.getUniformLocation(program, name);
      }
      const L = layer, n = L.table.n;
      // every frame's positions, interleaved x, y: frame k starts at k * n * 8 bytes
      const positions = new Float32Array(L.xs.length * n * 2);
      for (let k = 0; k < L.xs.length; k++) {
        const x = L.xs[k], y = L.ys[k], base = k * n * 2;
        for (let i = 0; i < n; i++) { positions[base + 2 * i] = x[i]; positions[base + 2 * i + 1] = y[i]; }
      }
      this.positions = this.buffer(positions);
      const colors = new Uint32Array(L.colors.length * n);
      L.colors.forEach((c, k) => colors.set(c, k * n));
      this.colors = this.buffer(new Uint8Array(colors.buffer));
      const codes = new Float32Array(L.colors.length * n).fill(-1);  // colour codes, for the legend and on-top
      L.colorSources.forEach((column, k) => { if (column.codes) codes.set(column.codes, k * n); });
      this.codes = this.buffer(codes);
      const faded = new Float32Array(Math.max(L.fadedColumns.length, 1) * n);
      L.fadedColumns.forEach((column, k) => { for (let i = 0; i < n; i++) faded[k * n + i] = column[i] ? 1 : 0; });
      this.faded = this.buffer(faded);
      const hidden = new Float32Array((L.wrongOnly ? L.wrongOnly.length : 1) * n);
      if (L.wrongOnly) L.wrongOnly.forEach((ok, k) => { for (let i = 0; i < n; i++) hidden[k * n + i] = ok[i] ? 1 : 0; });
      this.hidden = this.buffer(hidden);
    }

    buffer(data) {
      const gl = this.gl, buffer = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
      return buffer;
    }

    attribute(name, buffer, size, type, normalized, offset) {
      const gl = this.gl;
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.enableVertexAttribArray(this.loc[name]);
      gl.vertexAttribPointer(this.loc[name], size, type, normalized, 0, offset);
    }

    paint(s, dpr, cssWidth, cssHeight) {
      const gl = this.gl, canvas = this.canvas, L = this.layer, n = L.table.n, U = this.loc;
      gl.viewport(0, 0, canvas.width, canvas.height);
      gl.disable(gl.SCISSOR_TEST);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.enable(gl.SCISSOR_TEST);  // zoomed in: nothing outside the plot
      const [px, py, pw, ph] = s.plot;
      gl.scissor(Math.floor(px * dpr), Math.floor(canvas.height - (py + ph) * dpr), Math.ceil(pw * dpr), Math.ceil(ph * dpr));
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      gl.useProgram(this.program);
      this.attribute("a_from", this.positions, 2, gl.FLOAT, false, s.a * n * 8);
      this.attribute("a_to", this.positions, 2, gl.FLOAT, false, s.b * n * 8);
      this.attribute("a_color", this.colors, 4, gl.UNSIGNED_BYTE, true, s.colorFrame * n * 4);
      this.attribute("a_hidden", this.hidden, 1, gl.FLOAT, false, s.okFrame * n * 4);
      this.attribute("a_code", this.codes, 1, gl.FLOAT, false, s.colorFrame * n * 4);
      this.attribute("a_fadedFrom", this.faded, 1, gl.FLOAT, false, s.fadedA * n * 4);
      this.attribute("a_fadedTo", this.faded, 1, gl.FLOAT, false, s.fadedB * n * 4);
      gl.uniform1f(U.u_w, s.w);
      gl.uniform4f(U.u_map, ...s.map);
      gl.uniform2f(U.u_canvas, cssWidth, cssHeight);
      gl.uniform1f(U.u_size, L.side * dpr);
      gl.uniform2f(U.u_opacity, L.opacity[0], L.opacity[1]);
      gl.uniform1f(U.u_dimmed, L.dimmed);
      const selected = new Float32Array(64).fill(1);
      if (s.selected) s.selected.forEach((v, k) => { selected[k] = v; });
      gl.uniform1fv(U.u_selected, selected);
      gl.uniform1f(U.u_top, s.top);
      gl.uniform1i(U.u_round, L.round ? 1 : 0);
      for (const pass of s.top >= 0 ? [0, 1] : [-1]) {  // the highlighted class last, as the spec's order says
        gl.uniform1i(U.u_pass, pass);
        gl.drawArrays(gl.POINTS, 0, n);
      }
    }

    paintedPixels() {
      const gl = this.gl, pixels = new Uint8Array(gl.drawingBufferWidth * gl.drawingBufferHeight * 4);
      gl.readPixels(0, 0, gl.drawingBufferWidth, gl.drawingBufferHeight, gl.RGBA, gl.UNSIGNED_BYTE, pixels);
      let painted = 0;
      for (let i = 3; i < pixels.length; i += 4) if (pixels[i]) painted++;
      return painted;
    }


    destroy() {
      const gl = this.gl;
      for (const b of [this.positions, this.colors, this.hidden, this.codes, this.faded]) gl.deleteBuffer(b);
      const lose = gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
      this.canvas.remove();
    }
  }

  window.PointsLayer = PointsLayer;
  window.drawnOrigin = drawnOrigin;
})();
