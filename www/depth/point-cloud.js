// The point-cloud view of one depth frame, used by <ep-depth>:
//
//   const view = new PointCloudView({ onError });     // shadowRoot.append(view.element)
//   view.setFrame({ depth, rgba, width, height, fovDeg, relative });   // e.g. every video frame
//   view.setFov(deg); view.resetView(); view.render(); view.destroy();
//
// Points are back-projected exactly like the PLY exporter (crates/depth/src/export.rs): x right,
// y up, the photo's camera at the origin looking down −z. The view orbits a target on the optical
// axis at the points' median depth, (0, 0, −median Z), from distance dist = median Z × zoom:
// eye = target + dist·(sin yaw·cos pitch, sin pitch, cos yaw·cos pitch), so yaw = pitch = 0 and
// zoom 1 put the eye at the origin looking down −z: the first picture is the photo's view.
// Perspective with a 60° vertical field of view; near/far from the cloud's extent.
//
// Drawing is on demand (input, setFrame, resize; coalesced into one animation frame) with WebGL2
// (one program, gl.POINTS). Without WebGL2, or when its context fails or is lost, the view swaps
// in a fresh <canvas> (one that had a WebGL context cannot give a 2D one) and projects at most
// 60,000 points in JS into an ImageData as square dots with a depth buffer (the nearest dot wins:
// the picture of painting far to near, without the sort). Dots are ≥ 1.5 CSS px at the target,
// grow as they come nearer, and are sized to close the gaps between neighbouring points.

const MAX_POINTS = 160_000;
const MAX_2D = 60_000;
const VFOV = Math.PI / 3;
const KEY_STEP = Math.PI / 36; // 5°
const HINT = 'drag to orbit · wheel/pinch to zoom · arrows/+/−/0 keys';

export const POINT_CLOUD_CSS = `
.ep-pc { position: relative; overflow: hidden; min-height: 160px; background: #111; touch-action: none; user-select: none; -webkit-user-select: none; }
.ep-pc > canvas { position: absolute; inset: 0; width: 100%; height: 100%; display: block; outline: none; cursor: grab; }
.ep-pc > canvas:active { cursor: grabbing; }
.ep-pc > canvas:focus-visible { box-shadow: inset 0 0 0 2px #6af; }
.ep-pc > .ep-pc-hint { position: absolute; left: 8px; bottom: 6px; padding: 2px 6px; border-radius: 4px; background: rgba(0, 0, 0, .5); color: #bbb; font: 11px/1.4 system-ui, sans-serif; pointer-events: none; }
`;

const VS = `#version 300 es
uniform mat4 uMvp; uniform float uSize, uCover, uMax;
layout(location = 0) in vec3 aPos; layout(location = 1) in vec3 aCol; out vec3 vCol;
void main() {
  gl_Position = uMvp * vec4(aPos, 1.0);
  gl_PointSize = clamp(max(uSize, uCover * -aPos.z) / max(gl_Position.w, 1e-6), 1.0, uMax);
  vCol = aCol;
}`;
const FS = `#version 300 es
precision mediump float; in vec3 vCol; out vec4 outColor;
void main() { outColor = vec4(vCol, 1.0); }`;

/** The k-th smallest of a[0..n) (reorders a). */
function select(a, n, k) {
  let lo = 0, hi = n - 1;
  while (hi > lo) {
    const pivot = a[(lo + hi) >> 1];
    let i = lo, j = hi;
    while (i <= j) {
      while (a[i] < pivot) i++;
      while (a[j] > pivot) j--;
      if (i <= j) { const t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (k <= j) hi = j; else if (k >= i) lo = i; else break;
  }
  return a[k];
}

/** Column-major projection × view (look from eye at target, y up). */
function viewProj(eye, target, aspect, near, far) {
  let [zx, zy, zz] = [eye[0] - target[0], eye[1] - target[1], eye[2] - target[2]];
  const zl = Math.hypot(zx, zy, zz) || 1; zx /= zl; zy /= zl; zz /= zl;
  const xl = Math.hypot(zz, zx) || 1; const [xx, xy, xz] = [zz / xl, 0, -zx / xl]; // up × z
  const [yx, yy, yz] = [zy * xz - zz * xy, zz * xx - zx * xz, zx * xy - zy * xx]; // z × x
  const dot = (a, b, c) => a * eye[0] + b * eye[1] + c * eye[2];
  const f = 1 / Math.tan(VFOV / 2), A = (far + near) / (near - far), B = (2 * far * near) / (near - far);
  const r0 = [xx, xy, xz, -dot(xx, xy, xz)].map((v) => v * f / aspect);
  const r1 = [yx, yy, yz, -dot(yx, yy, yz)].map((v) => v * f);
  const r2 = [zx, zy, zz, -dot(zx, zy, zz)];
  const m = new Float32Array(16);
  for (let c = 0; c < 4; c++) {
    m[c * 4] = r0[c]; m[c * 4 + 1] = r1[c]; m[c * 4 + 2] = A * r2[c] + (c === 3 ? B : 0); m[c * 4 + 3] = -r2[c];
  }
  return m;
}

export class PointCloudView {
  element;
  #canvas; #onError; #off = []; #ro; #raf = 0; #destroyed = false;
  #gl = null; #glr = null; #ctx = null; #img = null; #px = null; #zbuf = null;
  #frame = null; #pos = new Float32Array(0); #col = new Uint8Array(0); #zs = new Float32Array(0);
  #n = 0; #dirty = false; #spacing = 0; // grid step / focal length: point spacing per metre of depth
  #median = 2; // the last frame's median depth; the view orbits (0, 0, −#base) from #base × #zoom
  #base = 2; #radius = 1; #yaw = 0; #pitch = 0; #zoom = 1;
  #pointers = new Map(); #pinch = 0;

  constructor({ onError } = {}) {
    this.#onError = onError;
    const el = this.element = document.createElement('div');
    el.className = 'ep-pc';
    const hint = Object.assign(document.createElement('div'), { className: 'ep-pc-hint', textContent: HINT });
    el.append(this.#newCanvas(), hint);
    try { this.#initGL(); } catch { this.#releaseGL(true); }
    if (!this.#gl) this.#to2d();

    const on = (type, fn, opts) => { el.addEventListener(type, fn, opts); this.#off.push(() => el.removeEventListener(type, fn, opts)); };
    const pinchDist = () => {
      if (this.#pointers.size !== 2) return 0;
      const [a, b] = [...this.#pointers.values()];
      return Math.hypot(a[0] - b[0], a[1] - b[1]);
    };
    on('pointerdown', (e) => {
      if (e.pointerType === 'mouse' && e.button !== 0) return;
      try { el.setPointerCapture(e.pointerId); } catch { /* not an active pointer */ }
      this.#pointers.set(e.pointerId, [e.clientX, e.clientY]);
      this.#pinch = pinchDist();
    });
    on('pointermove', (e) => {
      const p = this.#pointers.get(e.pointerId);
      if (!p) return;
      const dx = e.clientX - p[0], dy = e.clientY - p[1];
      p[0] = e.clientX; p[1] = e.clientY;
      if (this.#pointers.size === 1) this.#orbit(-dx * 0.006, dy * 0.006);
      else if (this.#pointers.size === 2) {
        const d = pinchDist();
        if (this.#pinch > 0 && d > 0) this.#zoomBy(this.#pinch / d);
        this.#pinch = d;
      }
    });
    const up = (e) => { this.#pointers.delete(e.pointerId); this.#pinch = pinchDist(); };
    on('pointerup', up); on('pointercancel', up);
    on('wheel', (e) => { // fires only while the pointer is over the view
      e.preventDefault();
      const dy = e.deltaY * (e.deltaMode === 1 ? 16 : e.deltaMode === 2 ? 400 : 1);
      this.#zoomBy(Math.exp(Math.max(-100, Math.min(100, dy)) * 0.0015));
    }, { passive: false });
    on('keydown', (e) => {
      if (e.ctrlKey || e.metaKey || e.altKey) return;
      const act = {
        ArrowLeft: () => this.#orbit(KEY_STEP, 0), ArrowRight: () => this.#orbit(-KEY_STEP, 0),
        ArrowUp: () => this.#orbit(0, -KEY_STEP), ArrowDown: () => this.#orbit(0, KEY_STEP),
        '+': () => this.#zoomBy(1 / 1.15), '=': () => this.#zoomBy(1 / 1.15),
        '-': () => this.#zoomBy(1.15), '−': () => this.#zoomBy(1.15), '0': () => this.resetView(),
      }[e.key];
      if (act) { e.preventDefault(); act(); }
    });
    (this.#ro = new ResizeObserver(() => this.#schedule())).observe(el);
  }

  get backend() { return this.#gl ? 'webgl2' : 'canvas2d'; }

  /** Points drawn: all valid grid points with WebGL2, at most ~60,000 with the 2D fallback. */
  get pointCount() { return this.#gl ? this.#n : Math.ceil(this.#n / Math.max(1, Math.ceil(this.#n / MAX_2D))); }

  /** Shows one frame; keeps the orbit and zoom while the frame size stays the same. The arrays are
   *  kept (not copied) for setFov. */
  setFrame({ depth, rgba, width, height, fovDeg = 60, relative = false }) {
    if (!(width > 0 && height > 0) || !depth || depth.length < width * height) throw new RangeError('setFrame: depth must hold width*height values');
    const prev = this.#frame;
    this.#frame = { depth, rgba, width, height, fovDeg, relative };
    this.#project(!prev || prev.width !== width || prev.height !== height);
  }

  /** Re-projects the last frame with a new horizontal field of view (degrees). */
  setFov(deg) {
    if (this.#frame) { this.#frame.fovDeg = deg; this.#project(false); }
  }

  resetView() {
    this.#recentre(true);
    this.#updateRadius();
    this.#schedule();
  }

  /** Draws now (cancels a pending animation-frame draw). */
  render() {
    if (this.#raf) { cancelAnimationFrame(this.#raf); this.#raf = 0; }
    if (this.#destroyed) return;
    if (this.#gl?.isContextLost()) { this.#releaseGL(); this.#to2d(); }
    const dpr = devicePixelRatio || 1, c = this.#canvas;
    const W = Math.max(1, Math.round(c.clientWidth * dpr)), H = Math.max(1, Math.round(c.clientHeight * dpr));
    if (c.width !== W) c.width = W;
    if (c.height !== H) c.height = H;
    const m = this.#camera(W / H);
    if (!this.#gl) return this.#draw2d(W, H, m, dpr);
    try { this.#drawGL(W, H, m, dpr); } catch { this.#releaseGL(true); this.#to2d(); this.render(); }
  }

  destroy() {
    if (this.#destroyed) return;
    this.#destroyed = true;
    if (this.#raf) cancelAnimationFrame(this.#raf);
    this.#ro.disconnect();
    this.#off.forEach((off) => off());
    this.#releaseGL(true);
    this.#ctx = this.#img = this.#px = this.#zbuf = this.#frame = null;
    this.#pos = this.#col = this.#zs = new Float32Array(0);
    this.#n = 0;
  }

  #schedule() {
    if (this.#raf || this.#destroyed) return;
    this.#raf = requestAnimationFrame(() => {
      this.#raf = 0;
      try { this.render(); } catch (e) { if (this.#onError) this.#onError(e?.message ?? String(e)); else console.error(e); }
    });
  }

  #orbit(dyaw, dpitch) {
    this.#yaw += dyaw;
    this.#pitch = Math.max(-1.55, Math.min(1.55, this.#pitch + dpitch)); // just short of ±90°
    this.#schedule();
  }

  #zoomBy(f) {
    this.#zoom = Math.max(0.02, Math.min(20, this.#zoom * f));
    this.#schedule();
  }

  #camera(aspect) {
    const d = this.#base * this.#zoom, target = [0, 0, -this.#base], cp = Math.cos(this.#pitch);
    const eye = [d * Math.sin(this.#yaw) * cp, d * Math.sin(this.#pitch), -this.#base + d * Math.cos(this.#yaw) * cp];
    const far = (d + this.#radius) * 1.05 + 1e-3;
    const near = Math.max((d - this.#radius) * 0.95, d * 0.005);
    return viewProj(eye, target, aspect, near, far);
  }

  /** Back-projects the grid-subsampled frame into #pos/#col (reused while the grid size holds). */
  #project(reset) {
    const { depth, rgba, width: w, height: h, fovDeg, relative } = this.#frame;
    const step = Math.max(1, Math.ceil(Math.sqrt((w * h) / MAX_POINTS)));
    const cap = Math.ceil(w / step) * Math.ceil(h / step);
    if (this.#zs.length !== cap) {
      this.#pos = new Float32Array(cap * 3); this.#col = new Uint8Array(cap * 4); this.#zs = new Float32Array(cap);
    }
    const pos = this.#pos, col = this.#col, zs = this.#zs, hasRgb = rgba && rgba.length >= w * h * 4;
    const f = (w / 2) / Math.tan((Math.min(179, Math.max(1, fovDeg)) * Math.PI) / 360);
    this.#spacing = step / f;
    let n = 0;
    for (let y = 0; y < h; y += step) {
      const ky = -(y + 0.5 - h / 2) / f;
      for (let x = 0; x < w; x += step) {
        const i = y * w + x, v = depth[i];
        if (!(v > 0 && v < Infinity)) continue;
        const d = relative ? 1 / v : v;
        if (!(d < Infinity)) continue;
        const k = n * 3, c = n * 4;
        pos[k] = ((x + 0.5 - w / 2) * d) / f; pos[k + 1] = ky * d; pos[k + 2] = -d;
        zs[n] = d;
        if (hasRgb) { const j = i * 4; col[c] = rgba[j]; col[c + 1] = rgba[j + 1]; col[c + 2] = rgba[j + 2]; } else col.fill(200, c, c + 3);
        col[c + 3] = 255;
        n++;
      }
    }
    this.#n = n;
    this.#dirty = true;
    if (n > 0) {
      const median = select(zs, n, n >> 1), s = relative ? 2 / median : 1;
      if (s !== 1) for (let k = 0; k < n * 3; k++) pos[k] *= s;
      this.#median = median * s;
      const ratio = this.#median / this.#base;
      if (reset || !(ratio > 2 / 3 && ratio < 1.5)) this.#recentre(reset);
    }
    this.#updateRadius();
    this.#schedule();
  }

  /** Orbits the last frame's median depth; `orbit` also resets yaw/pitch/zoom. */
  #recentre(orbit) {
    if (orbit) { this.#yaw = this.#pitch = 0; this.#zoom = 1; }
    this.#base = this.#median;
  }

  #updateRadius() {
    const pos = this.#pos, tz = -this.#base;
    let r2 = 0;
    for (let k = 0; k < this.#n * 3; k += 3) {
      const dz = pos[k + 2] - tz, q = pos[k] * pos[k] + pos[k + 1] * pos[k + 1] + dz * dz;
      if (q > r2) r2 = q;
    }
    this.#radius = Math.sqrt(r2) || 1;
  }

  #newCanvas() {
    const c = document.createElement('canvas');
    c.tabIndex = 0;
    c.setAttribute('aria-label', '3-D point cloud: ' + HINT);
    const lost = () => {
      if (this.#destroyed || c !== this.#canvas) return;
      this.#releaseGL();
      this.#to2d();
      this.#schedule();
    };
    c.addEventListener('webglcontextlost', lost);
    this.#off.push(() => c.removeEventListener('webglcontextlost', lost));
    if (this.#canvas) {
      const focused = this.#canvas.getRootNode().activeElement === this.#canvas;
      this.#canvas.replaceWith(c);
      if (focused) c.focus({ preventScroll: true });
    }
    return (this.#canvas = c);
  }

  #initGL() {
    const gl = this.#canvas.getContext('webgl2', { preserveDrawingBuffer: true, antialias: false });
    if (!gl) return;
    this.#gl = gl;
    const shader = (type, src) => {
      const s = gl.createShader(type);
      gl.shaderSource(s, src); gl.compileShader(s);
      if (!gl.getShaderParameter(s, gl.COMPILE_STATUS)) throw new Error(gl.getShaderInfoLog(s));
      return s;
    };
    const prog = gl.createProgram();
    gl.attachShader(prog, shader(gl.VERTEX_SHADER, VS)); gl.attachShader(prog, shader(gl.FRAGMENT_SHADER, FS));
    gl.linkProgram(prog);
    if (!gl.getProgramParameter(prog, gl.LINK_STATUS)) throw new Error(gl.getProgramInfoLog(prog));
    const vao = gl.createVertexArray(), pos = gl.createBuffer(), col = gl.createBuffer();
    gl.bindVertexArray(vao);
    gl.bindBuffer(gl.ARRAY_BUFFER, pos);
    gl.enableVertexAttribArray(0); gl.vertexAttribPointer(0, 3, gl.FLOAT, false, 0, 0);
    gl.bindBuffer(gl.ARRAY_BUFFER, col);
    gl.enableVertexAttribArray(1); gl.vertexAttribPointer(1, 3, gl.UNSIGNED_BYTE, true, 4, 0);
    gl.bindVertexArray(null);
    const u = (name) => gl.getUniformLocation(prog, name);
    this.#glr = { prog, vao, pos, col, cap: 0, uMvp: u('uMvp'), uSize: u('uSize'), uCover: u('uCover'), uMax: u('uMax'),
      maxSize: gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE)?.[1] ?? 64 };
    this.#dirty = true;
  }

  /** Drops the WebGL2 renderer; `lose` also frees its objects and loses the context. */
  #releaseGL(lose = false) {
    const gl = this.#gl, r = this.#glr;
    this.#gl = this.#glr = null;
    if (!gl || !lose || gl.isContextLost()) return;
    if (r) { gl.deleteBuffer(r.pos); gl.deleteBuffer(r.col); gl.deleteVertexArray(r.vao); gl.deleteProgram(r.prog); }
    gl.getExtension('WEBGL_lose_context')?.loseContext();
  }

  #to2d() {
    this.#newCanvas();
    this.#ctx = this.#canvas.getContext('2d', { alpha: false });
    this.#img = null;
  }

  #drawGL(W, H, m, dpr) {
    const gl = this.#gl, r = this.#glr, n = this.#n;
    if (this.#dirty) { // (re)allocate the GPU buffers only when the grid size changes
      const cap = this.#zs.length;
      for (const [buf, data, len] of [[r.pos, this.#pos, n * 3], [r.col, this.#col, n * 4]]) {
        gl.bindBuffer(gl.ARRAY_BUFFER, buf);
        if (r.cap !== cap) gl.bufferData(gl.ARRAY_BUFFER, data.byteLength, gl.DYNAMIC_DRAW);
        gl.bufferSubData(gl.ARRAY_BUFFER, 0, data, 0, len);
      }
      r.cap = cap;
      this.#dirty = false;
    }
    gl.viewport(0, 0, W, H);
    gl.clearColor(0x11 / 255, 0x11 / 255, 0x11 / 255, 1);
    gl.enable(gl.DEPTH_TEST);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    if (!n) return;
    gl.useProgram(r.prog);
    gl.uniformMatrix4fv(r.uMvp, false, m);
    const [size, cover] = this.#sizes(H, dpr, 1);
    gl.uniform1f(r.uSize, size); gl.uniform1f(r.uCover, cover);
    gl.uniform1f(r.uMax, Math.min(r.maxSize, 16 * dpr));
    gl.bindVertexArray(r.vao);
    gl.drawArrays(gl.POINTS, 0, n);
    gl.bindVertexArray(null);
  }

  /** Point size in device px = max(size, cover × depth) / clip w: at least 1.5 CSS px at the
   *  target's initial distance, and large enough to close the gaps between neighbouring points. */
  #sizes(H, dpr, stride) {
    return [1.5 * dpr * this.#base, 1.25 * stride * this.#spacing * (H / 2) / Math.tan(VFOV / 2)];
  }

  #draw2d(W, H, m, dpr) {
    if (!this.#img || this.#img.width !== W || this.#img.height !== H) {
      this.#img = this.#ctx.createImageData(W, H);
      this.#px = new Uint32Array(this.#img.data.buffer);
      this.#zbuf = new Float32Array(W * H);
    }
    const px = this.#px, zb = this.#zbuf, pos = this.#pos, col = this.#col, n = this.#n;
    px.fill(0xff111111);
    zb.fill(Infinity);
    const stride = Math.max(1, Math.ceil(n / MAX_2D)), [size, cover] = this.#sizes(H, dpr, stride), smax = 16 * dpr;
    for (let i = 0; i < n; i += stride) {
      const k = i * 3, x = pos[k], y = pos[k + 1], z = pos[k + 2];
      const w = m[3] * x + m[7] * y + m[11] * z + m[15];
      if (!(w > 0)) continue;
      const nz = (m[2] * x + m[6] * y + m[10] * z + m[14]) / w;
      if (nz < -1 || nz > 1) continue;
      const s = Math.round(Math.min(smax, Math.max(1, Math.max(size, -cover * z) / w)));
      const x0 = Math.floor(((m[0] * x + m[4] * y + m[8] * z + m[12]) / w * 0.5 + 0.5) * W - s / 2);
      const y0 = Math.floor((0.5 - (m[1] * x + m[5] * y + m[9] * z + m[13]) / w * 0.5) * H - s / 2);
      if (x0 >= W || y0 >= H || x0 + s <= 0 || y0 + s <= 0) continue;
      const c = i * 4, rgba = (0xff000000 | (col[c + 2] << 16) | (col[c + 1] << 8) | col[c]) >>> 0; // little-endian
      for (let yy = Math.max(0, y0); yy < Math.min(H, y0 + s); yy++) {
        for (let xx = Math.max(0, x0), row = yy * W; xx < Math.min(W, x0 + s); xx++) {
          if (w < zb[row + xx]) { zb[row + xx] = w; px[row + xx] = rgba; }
        }
      }
    }
    this.#ctx.putImageData(this.#img, 0, 0);
  }
}
