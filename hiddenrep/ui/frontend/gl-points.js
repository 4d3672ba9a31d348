// The points of a hiddenrep scatter spec drawn with WebGL2, under the Vega view that draws the rest.
//
// What is drawn comes from the spec and its view, never from a second chart description: the mark's type,
// size and opacity from the pick layer, positions from the wide x<k>/y<k> columns through Vega's own x/y
// scales (so zoom and pan of the spec move these points too), colours through Vega's own colour scale, the
// "only misclassified" filter from ok<k>, and the tween weight from the spec's "ease" param. Every checkpoint
// sits in GPU memory once; a step only changes which two frames are bound and the weight: the vertex shader
// computes mix(a, b, w). Why not a package: regl-scatterplot and deck.gl own their own camera, colour and
// picking model (a second chart description); vega-webgl-renderer replaces only Vega's painting, and Vega's
// per-point dataflow is what costs (bench/scale.py).
"use strict";
(function () {
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

  const parse = (() => {  // CSS colour → [r, g, b, a] bytes, cached
    const ctx = document.createElement("canvas").getContext("2d"), cache = new Map();
    return (css) => {
      if (cache.has(css)) return cache.get(css);
      ctx.clearRect(0, 0, 1, 1); ctx.fillStyle = "#000"; ctx.fillStyle = css; ctx.fillRect(0, 0, 1, 1);
      const rgba = Array.from(ctx.getImageData(0, 0, 1, 1).data);
      cache.set(css, rgba);
      return rgba;
    };
  })();

  // A Vega expression of the spec (a calculate), evaluated for one datum: Vega's expression language is a
  // subset of JavaScript; its few functions used by the builder are passed in.
  const FUNCTIONS = {floor: Math.floor, round: Math.round, min: Math.min, max: Math.max, pow: Math.pow, cos: Math.cos,
                     PI: Math.PI};
  function evaluate(expr, datum, signals) {
    const names = [...Object.keys(FUNCTIONS), ...Object.keys(signals)];
    return new Function("datum", ...names, `return (${expr});`)(datum, ...Object.values(FUNCTIONS), ...Object.values(signals));
  }

  function frameColumns(columns, prefix) {
    const out = [];
    while (columns[prefix + out.length]) out.push(columns[prefix + out.length]);
    return out;
  }

  class GLPoints {
    static available() {
      try { return !!document.createElement("canvas").getContext("webgl2"); } catch (e) { return false; }
    }

    constructor(view, container, layerSpec, table, timeSignal, nFrames) {
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
      this.dimmed = this.legendParam ? (opacity.value ?? 0.04) : null;
      const chosen = this.legendParam ? opacity.condition : opacity;
      const plain = chosen.value ?? mark.opacity ?? 0.7;
      const calc = [].concat(layerSpec.transform || []).find(t => t.calculate && t.as === chosen.field);
      this.fadedColumns = frameColumns(table.columns, "faded");
      if (!this.fadedColumns.length && table.columns.faded) this.fadedColumns = [table.columns.faded];
      this.opacity = [plain, plain];
      if (calc && this.fadedColumns.length) {
        const signals = {frame: 0, t: 0, ta: 0, tb: 0, ease: 0, nframes: nFrames};
        const at = v => { const d = {faded: v}; for (let k = 0; k < nFrames; k++) d["faded" + k] = v; return d; };
        this.opacity = [evaluate(calc.calculate, at(0), signals), evaluate(calc.calculate, at(1), signals)];
      }
      this.highlightOn = !!(enc.order && enc.order.field);
      this.tooltipFields = [].concat(enc.tooltip || []).map(t => t.field).filter(f => f && table.columns[f]);
      const columns = table.columns, n = table.n;
      this.xs = frameColumns(columns, "x"); this.ys = frameColumns(columns, "y");
      const transforms = JSON.stringify(layerSpec.transform || []);
      this.wrongOnly = /'ok' \+/.test(transforms) ? frameColumns(columns, "ok") : null;

      this.canvas = document.createElement("canvas");
      this.canvas.className = "gl-points";
      container.insertBefore(this.canvas, container.firstChild);
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
      // every frame's positions, interleaved x, y: frame k starts at k * n * 8 bytes
      const positions = new Float32Array(this.xs.length * n * 2);
      for (let k = 0; k < this.xs.length; k++) {
        const x = this.xs[k], y = this.ys[k], base = k * n * 2;
        for (let i = 0; i < n; i++) { positions[base + 2 * i] = x[i]; positions[base + 2 * i + 1] = y[i]; }
      }
      this.positions = this.buffer(positions);
      // colours: one RGBA set per frame when the spec colours by c<k>, else one
      const scale = view.scale("color");
      const field = enc.color && enc.color.field;
      const perFrame = frameColumns(columns, "c");
      const sources = perFrame.length ? perFrame : (field && columns[field] ? [columns[field]] : []);
      const colors = new Uint8Array(Math.max(sources.length, 1) * n * 4);
      const fallback = parse(mark.color || "#4c78a8");
      if (!sources.length || !scale) for (let i = 0; i < n; i++) colors.set(fallback, 4 * i);
      sources.forEach((column, k) => {
        const base = k * n * 4;
        if (column.codes) {
          const lut = column.values.map(v => parse(scale(v)));
          for (let i = 0; i < n; i++) colors.set(column.codes[i] < 0 ? [0, 0, 0, 0] : lut[column.codes[i]], base + 4 * i);
        } else {  // numbers: 256 steps over the scale's domain (clamped)
          const [lo, hi] = scale.domain(), lut = [];
          for (let s = 0; s < 256; s++) lut.push(parse(scale(lo + (hi - lo) * s / 255)));
          for (let i = 0; i < n; i++) {
            const v = column[i];
            const s = Math.max(0, Math.min(255, Math.round((v - lo) / ((hi - lo) || 1) * 255)));
            colors.set(Number.isNaN(v) ? [0, 0, 0, 0] : lut[s], base + 4 * i);
          }
        }
      });
      this.colorFrames = Math.max(sources.length, 1);
      this.colors = this.buffer(colors);
      this.colorSources = sources;
      const codes = new Float32Array(this.colorFrames * n).fill(-1);  // colour codes, for the legend and on-top
      sources.forEach((column, k) => { if (column.codes) codes.set(column.codes, k * n); });
      this.codes = this.buffer(codes);
      const faded = new Float32Array(Math.max(this.fadedColumns.length, 1) * n);
      this.fadedColumns.forEach((column, k) => { for (let i = 0; i < n; i++) faded[k * n + i] = column[i] ? 1 : 0; });
      this.faded = this.buffer(faded);
      const hidden = new Float32Array((this.wrongOnly ? this.wrongOnly.length : 1) * n);
      if (this.wrongOnly) this.wrongOnly.forEach((ok, k) => { for (let i = 0; i < n; i++) hidden[k * n + i] = ok[i] ? 1 : 0; });
      this.hidden = this.buffer(hidden);
      this.drawnState = null;
      this.loop = () => { this.draw(); this.raf = requestAnimationFrame(this.loop); };
      this.raf = requestAnimationFrame(this.loop);  // follows zoom/pan and resizes: draws only when something changed
    }

    buffer(data) {
      const gl = this.gl, buffer = gl.createBuffer();
      gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
      gl.bufferData(gl.ARRAY_BUFFER, data, gl.STATIC_DRAW);
      return buffer;
    }

    state() {
      // Which frames, weight and pixel mapping the view asks for now.
      const t = Number(this.view.signal(this.time)), max = this.xs.length - 1;
      let a, b, w;
      if (this.time === "t") {
        a = Math.min(Math.floor(t), max); b = Math.min(a + 1, max);
        w = Number(this.view.signal("ease"));
        if (!Number.isFinite(w)) w = t - a;
      } else { a = b = Math.min(Math.round(t), max); w = 0; }
      const x = this.view.scale("x"), y = this.view.scale("y"), [ox, oy] = this.view.origin();
      const [dx0, dx1] = x.domain(), [rx0, rx1] = x.range(), [dy0, dy1] = y.domain(), [ry0, ry1] = y.range();
      const sx = (rx1 - rx0) / (dx1 - dx0), sy = (ry1 - ry0) / (dy1 - dy0);
      const map = [sx, ox + rx0 - dx0 * sx, sy, oy + ry0 - dy0 * sy];
      const colorFrame = Math.min(Math.round(t), this.colorFrames - 1);
      const okFrame = this.wrongOnly ? Math.min(Math.round(t), this.wrongOnly.length - 1) : 0;
      const plot = [ox + Math.min(rx0, rx1), oy + Math.min(ry0, ry1), Math.abs(rx1 - rx0), Math.abs(ry1 - ry0)];
      const fadedA = Math.min(a, Math.max(this.fadedColumns.length - 1, 0)), fadedB = Math.min(b, Math.max(this.fadedColumns.length - 1, 0));
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
      const s = this.state(), n = this.table.n;
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
        const v = column.codes ? (column.codes[i] < 0 ? null : column.values[column.codes[i]]) : column[i];
        value[field] = v;
      }
      return value;
    }

    draw() {
      const s = this.state(), key = JSON.stringify(s), dpr = window.devicePixelRatio || 1;
      if (key === this.drawnState) return;
      this.drawnState = key;
      const gl = this.gl, canvas = this.canvas, vega = this.view.container().querySelector("canvas:not(.gl-points)");
      const cssWidth = vega ? vega.clientWidth : s.width, cssHeight = vega ? vega.clientHeight : s.height;
      if (canvas.width !== Math.round(cssWidth * dpr) || canvas.height !== Math.round(cssHeight * dpr)) {
        canvas.width = Math.round(cssWidth * dpr); canvas.height = Math.round(cssHeight * dpr);
        canvas.style.width = cssWidth + "px"; canvas.style.height = cssHeight + "px";
      }
      if (vega) { canvas.style.left = vega.offsetLeft + "px"; canvas.style.top = vega.offsetTop + "px"; }
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
      const n = this.table.n, L = this.loc;
      gl.bindBuffer(gl.ARRAY_BUFFER, this.positions);
      gl.enableVertexAttribArray(L.a_from);
      gl.vertexAttribPointer(L.a_from, 2, gl.FLOAT, false, 0, s.a * n * 8);
      gl.enableVertexAttribArray(L.a_to);
      gl.vertexAttribPointer(L.a_to, 2, gl.FLOAT, false, 0, s.b * n * 8);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.colors);
      gl.enableVertexAttribArray(L.a_color);
      gl.vertexAttribPointer(L.a_color, 4, gl.UNSIGNED_BYTE, true, 0, s.colorFrame * n * 4);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.hidden);
      gl.enableVertexAttribArray(L.a_hidden);
      gl.vertexAttribPointer(L.a_hidden, 1, gl.FLOAT, false, 0, s.okFrame * n * 4);
      gl.uniform1f(L.u_w, s.w);
      gl.uniform4f(L.u_map, ...s.map);
      gl.uniform2f(L.u_canvas, cssWidth, cssHeight);
      gl.uniform1f(L.u_size, this.side * dpr);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.codes);
      gl.enableVertexAttribArray(L.a_code);
      gl.vertexAttribPointer(L.a_code, 1, gl.FLOAT, false, 0, s.colorFrame * n * 4);
      gl.bindBuffer(gl.ARRAY_BUFFER, this.faded);
      gl.enableVertexAttribArray(L.a_fadedFrom);
      gl.vertexAttribPointer(L.a_fadedFrom, 1, gl.FLOAT, false, 0, s.fadedA * n * 4);
      gl.enableVertexAttribArray(L.a_fadedTo);
      gl.vertexAttribPointer(L.a_fadedTo, 1, gl.FLOAT, false, 0, s.fadedB * n * 4);
      gl.uniform2f(L.u_opacity, this.opacity[0], this.opacity[1]);
      gl.uniform1f(L.u_dimmed, this.dimmed ?? 0);
      const selected = new Float32Array(64).fill(1);
      if (s.selected) s.selected.forEach((v, k) => { selected[k] = v; });
      gl.uniform1fv(L.u_selected, selected);
      gl.uniform1f(L.u_top, s.top);
      gl.uniform1i(L.u_round, this.round ? 1 : 0);
      for (const pass of s.top >= 0 ? [0, 1] : [-1]) {  // the highlighted class last, as the spec's order says
        gl.uniform1i(L.u_pass, pass);
        gl.drawArrays(gl.POINTS, 0, n);
      }
    }

    finish() { this.gl.finish(); }

    destroy() {
      cancelAnimationFrame(this.raf);
      const gl = this.gl;
      for (const b of [this.positions, this.colors, this.hidden, this.codes, this.faded]) gl.deleteBuffer(b);
      const lose = gl.getExtension("WEBGL_lose_context");
      if (lose) lose.loseContext();
      this.canvas.remove();
    }
  }
  window.GLPoints = GLPoints;
})();
