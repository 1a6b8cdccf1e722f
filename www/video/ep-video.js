// <ep-video>: one clip coded twice — every frame predicted from the one before (IPP) and with
// hierarchical B-frames whose reference is the interpolation of their two decoded neighbours
// (after Pourreza & Cohen, "Extending Neural P-frame Codecs for B-frame Coding", ICCV 2021) —
// at a ladder of rates. The rate slider decodes both streams at that rate; play or step through
// original | IPP | IB, with the motion vectors or the B-frames' interpolated reference drawn
// over; bits per frame by type, PSNR per frame, and both RD curves with the BD-rate.
//
// Attributes: `src` (a video URL to start with instead of the sample), `frames` (default 33),
// `autoencode` (code the first clip without waiting for a click: coding six rates twice is
// seconds to minutes of work, so a page of widgets does not start it unasked; a clip the
// visitor picks is coded at once).
//
// The page decodes the clip (a <video> element, seeking frame by frame) and scales it to at
// most MAX_SIDE px a side; the codec (crates/video, the same as `edgeplay video`) runs in the
// video engine's worker, motion search on WebGPU when there is one.

import { EpWidget } from '../shell/widget.js';
import { Superseded } from '../shell/runtime.js';
import { Progress } from '../shell/progress.js';
import { SAMPLE, DEFAULT_FRAMES, MAX_FRAMES, MAX_SIDE, GOPS, KIND_COLORS, encodeOrder } from './meta.js';

const here = (p) => new URL(p, import.meta.url).href;
let uid = 0;

const once = (el, ok, bad = 'error', ms = 15000) => new Promise((resolve, reject) => {
  const t = setTimeout(() => { cleanup(); reject(new Error(`the video did not answer (${ok})`)); }, ms);
  const on = () => { cleanup(); resolve(); };
  const err = () => { cleanup(); reject(new Error(el.error?.message || 'this browser cannot decode the video')); };
  const cleanup = () => { clearTimeout(t); el.removeEventListener(ok, on); el.removeEventListener(bad, err); };
  el.addEventListener(ok, on);
  el.addEventListener(bad, err);
});

/** The frame rate, measured from two presented frames (requestVideoFrameCallback), else null. */
async function measureFps(v) {
  if (!('requestVideoFrameCallback' in HTMLVideoElement.prototype)) return null;
  const times = [];
  const done = new Promise((resolve) => {
    const tick = (_now, meta) => {
      times.push(meta.mediaTime);
      if (times.length < 4) v.requestVideoFrameCallback(tick); else resolve();
    };
    v.requestVideoFrameCallback(tick);
    setTimeout(resolve, 2000);
  });
  try { await v.play(); } catch (_) { return null; }
  await done;
  v.pause();
  const d = times.slice(1).map((t, i) => t - times[i]).filter((x) => x > 0.001).sort((a, b) => a - b);
  return d.length ? Math.round(1 / d[Math.floor(d.length / 2)]) : null;
}

/** Decodes up to `n` frames of a video URL into one RGBA buffer at most MAX_SIDE a side. */
async function grabFrames(url, n, onProgress, isCancelled) {
  const v = document.createElement('video');
  v.muted = true;
  v.playsInline = true;
  v.preload = 'auto';
  v.crossOrigin = 'anonymous';
  v.src = url;
  try {
    await once(v, 'loadeddata');
    if (!v.videoWidth || !v.videoHeight) throw new Error('the file has no video track');
    const measured = await measureFps(v);
    const fps = measured || 25;
    const scale = Math.min(1, MAX_SIDE / Math.max(v.videoWidth, v.videoHeight));
    const w = Math.max(1, Math.round(v.videoWidth * scale));
    const h = Math.max(1, Math.round(v.videoHeight * scale));
    const avail = Number.isFinite(v.duration) ? Math.max(1, Math.floor(v.duration * fps)) : n;
    const count = Math.min(n, avail);
    const c = new OffscreenCanvas(w, h);
    const ctx = c.getContext('2d', { willReadFrequently: true });
    const rgba = new Uint8Array(w * h * 4 * count);
    for (let i = 0; i < count; i++) {
      if (isCancelled()) return null;
      v.currentTime = Math.min((i + 0.5) / fps, Math.max(0, v.duration - 0.001));
      await once(v, 'seeked');
      ctx.drawImage(v, 0, 0, w, h);
      rgba.set(ctx.getImageData(0, 0, w, h).data, i * w * h * 4);
      onProgress(i + 1, count);
    }
    const notes = [];
    if (scale < 1) notes.push(`${v.videoWidth}×${v.videoHeight} scaled to ${w}×${h}`);
    if (count < n) notes.push(`the clip holds ${count} frames`);
    if (!measured) notes.push('frame rate not measurable here: 25 fps assumed');
    return { rgba, width: w, height: h, count, fps, notes, source: { width: v.videoWidth, height: v.videoHeight } };
  } finally {
    v.removeAttribute('src');
    v.load();
  }
}

export class EpVideo extends EpWidget {
  static title = 'B-frames vs P-frames on your own clip';
  static css = here('./video.css');
  static feature = 'video';
  static engines = ['video'];

  #key = `clip${++uid}`;
  #ladder = [];
  #clip = null; // {width, height, count, fps, rgba, label, notes}
  #results = {}; // `${gopKey}/${qi}` -> {stats, bytes, path, ms}
  #decoded = {}; // gopKey -> decode result at #qi
  #qi = null; // the rate shown
  #want = null; // the rate asked for (decoding)
  #frame = 0;
  #overlay = 'none';
  #playTimer = null;
  #busy = null; // Progress
  #run = 0; // generation of the current clip/encode
  #bd = null;
  #source = null; // what the Encode button (re)reads

  render() {
    const el = document.createElement('div');
    el.className = 'vd';
    el.innerHTML = `
      <div class="vd-row">
        <span class="ep-label">Clip</span>
        <button type="button" class="ep-chip vd-sample" title="${SAMPLE.credit}">${SAMPLE.name}</button>
        <label class="ep-chip ep-file">Your clip…<input type="file" accept="video/*" hidden></label>
        <span class="vd-drop">or drop a video here</span>
        <label>Frames <input type="number" class="vd-frames" min="1" max="${MAX_FRAMES}" value="${DEFAULT_FRAMES}"></label>
        <button type="button" class="ep-chip vd-encode" disabled>Encode</button>
      </div>
      <p class="vd-note" role="status"></p>
      <div class="vd-busy-slot"></div>
      <div class="vd-row vd-raterow">
        <span class="ep-label">Rate</span>
        <input type="range" class="vd-rate" min="0" max="5" step="1" value="2" disabled aria-label="Rate (quantizer step)">
        <output class="vd-out vd-rate-out">—</output>
      </div>
      <p class="vd-saving"></p>
      <div class="vd-views">
        <figure><canvas class="vd-c-orig"></canvas><figcaption class="vd-cap-orig">Original</figcaption></figure>
        <figure><canvas class="vd-c-ipp"></canvas><figcaption class="vd-cap-ipp">${GOPS[0].label}</figcaption></figure>
        <figure><canvas class="vd-c-ib"></canvas><figcaption class="vd-cap-ib">${GOPS[1].label}</figcaption></figure>
      </div>
      <div class="vd-row">
        <button type="button" class="ep-chip vd-play" disabled aria-label="Play">▶ Play</button>
        <button type="button" class="ep-chip vd-prev" disabled aria-label="Previous frame">◀</button>
        <input type="range" class="vd-frame" min="0" max="0" value="0" disabled aria-label="Frame">
        <button type="button" class="ep-chip vd-next" disabled aria-label="Next frame">▶</button>
        <output class="vd-out vd-frame-out">frame —</output>
        <label>Overlay <select class="vd-overlay">
          <option value="none">none</option>
          <option value="vectors">motion vectors</option>
          <option value="reference">B reference (interpolated)</option>
        </select></label>
        <button type="button" class="ep-chip vd-download" disabled>Download streams</button>
      </div>
      <div class="vd-charts">
        <figure><canvas class="vd-bits"></canvas><figcaption>Bits per frame at this rate (top IPP, bottom IB; grey I, blue P, orange B)</figcaption></figure>
        <figure><canvas class="vd-psnr"></canvas><figcaption>PSNR-Y per frame at this rate</figcaption></figure>
        <figure><canvas class="vd-rd"></canvas><figcaption>Rate–distortion: whole clip, PSNR-Y vs bits per pixel (the dot: this rate)</figcaption></figure>
      </div>`;
    const q = (s) => el.querySelector(s);
    this.#busy = new Progress({ onCancel: () => this.#cancel() });
    q('.vd-busy-slot').append(this.#busy.el);
    q('.vd-sample').addEventListener('click', () => this.#open({ url: SAMPLE.url, label: SAMPLE.name }));
    q('.vd-encode').addEventListener('click', () => { if (this.#source) this.#open(this.#source); });
    const input = q('input[type=file]');
    input.addEventListener('change', () => { const f = input.files?.[0]; input.value = ''; if (f) this.#openFile(f); });
    el.addEventListener('dragover', (e) => { e.preventDefault(); el.classList.add('ep-drop-active'); });
    el.addEventListener('dragleave', () => el.classList.remove('ep-drop-active'));
    el.addEventListener('drop', (e) => {
      e.preventDefault();
      el.classList.remove('ep-drop-active');
      const f = e.dataTransfer?.files?.[0];
      if (f) this.#openFile(f);
    });
    q('.vd-rate').addEventListener('input', (e) => this.#setRate(this.#nearestDone(+e.target.value)));
    q('.vd-frame').addEventListener('input', (e) => { this.#frame = +e.target.value; this.#drawFrames(); });
    q('.vd-prev').addEventListener('click', () => this.#step(-1));
    q('.vd-next').addEventListener('click', () => this.#step(1));
    q('.vd-play').addEventListener('click', () => this.#togglePlay());
    q('.vd-overlay').addEventListener('change', (e) => { this.#overlay = e.target.value; this.#drawFrames(); });
    q('.vd-download').addEventListener('click', () => this.#download());
    el.tabIndex = 0;
    el.addEventListener('keydown', (e) => {
      if (e.target.tagName === 'INPUT' || e.target.tagName === 'SELECT') return;
      if (e.key === 'ArrowLeft') this.#step(-1);
      else if (e.key === 'ArrowRight') this.#step(1);
      else if (e.key === ' ') { e.preventDefault(); this.#togglePlay(); }
    });
    return el;
  }

  $(s) { return this.shadowRoot.querySelector(s); }

  /** The state at the current rate (null before the first rate is coded): step, both
   *  structures' bpp and PSNR, the BD-rate over the rates coded so far, where the motion
   *  search ran, frames, rates done. */
  get result() { return this.#summary(); }

  async start() {
    this.#ladder = await this.call('ladder');
    const r = this.$('.vd-rate');
    r.max = String(this.#ladder.length - 1);
    const n = parseInt(this.getAttribute('frames') || '', 10);
    if (n > 0) this.$('.vd-frames').value = String(Math.min(MAX_FRAMES, n));
    const src = this.getAttribute('src');
    const source = src ? { url: new URL(src, document.baseURI).href, label: src.split('/').pop() } : { url: SAMPLE.url, label: SAMPLE.name };
    await this.#open(source, this.hasAttribute('autoencode'));
  }

  closeSession() {
    this.#stopPlay();
    this.#run++;
    this.call('unload', { key: this.#key }).catch(() => {});
  }

  async reopen(reason) {
    this.#results = {};
    this.#decoded = {};
    if (this.#clip) await this.#encodeAll(this.#clip);
    else await this.start();
    this.dispatchEvent(new CustomEvent('reopened', { detail: { reason } }));
  }

  backendChanged() {
    // Streams do not depend on the path (GPU and CPU searches give the same vectors).
    this.refreshBadge();
  }

  #openFile(file) {
    if (!file.type.startsWith('video/') && !/\.(mp4|webm|ogv|mov|mkv|m4v)$/i.test(file.name)) {
      this.showError(`${file.name} is not a video file (try MP4 or WebM)`);
      return;
    }
    this.#open({ file, label: file.name });
  }

  /** Reads `source` ({url, label} or {file, label}) and, unless `encode` is false, codes it. */
  async #open(source, encode = true) {
    this.#source = source;
    const label = source.label;
    const url = source.file ? URL.createObjectURL(source.file) : source.url;
    try {
      await this.#read(url, label, encode);
    } finally {
      if (source.file) URL.revokeObjectURL(url);
    }
  }

  async #read(url, label, encode) {
    const run = ++this.#run;
    this.clearError();
    this.#stopPlay();
    await this.call('cancel', { key: this.#key }).catch(() => {});
    const n = Math.max(1, Math.min(MAX_FRAMES, parseInt(this.$('.vd-frames').value, 10) || DEFAULT_FRAMES));
    this.$('.vd-frames').value = String(n);
    this.#busy.show(`Reading ${label}…`, 0);
    let clip;
    try {
      clip = await grabFrames(url, n, (i, total) => { if (run === this.#run) this.#busy.show(`Reading ${label}: frame ${i} of ${total}`, i / total); }, () => run !== this.#run);
    } catch (e) {
      if (run === this.#run) { this.#busy.hide(); this.showError(`${label}: ${e.message}`); }
      return;
    }
    if (!clip || run !== this.#run) return;
    clip.label = label;
    this.#clip = clip;
    this.#results = {};
    this.#decoded = {};
    this.#qi = null;
    this.#want = null;
    this.#frame = 0;
    const fr = this.$('.vd-frame');
    fr.max = String(clip.count - 1);
    fr.value = '0';
    const note = [`${label}: ${clip.count} frames, ${clip.width}×${clip.height}, ${clip.fps} fps`, ...clip.notes];
    if (label === SAMPLE.name) note.push(SAMPLE.credit);
    for (const c of ['.vd-c-orig', '.vd-c-ipp', '.vd-c-ib']) { const cv = this.$(c); cv.width = clip.width; cv.height = clip.height; }
    this.$('.vd-encode').disabled = false;
    this.#drawFrames();
    if (!encode) {
      this.#busy.hide();
      note.push(`press Encode to code it with P- and with B-frames at ${this.#ladder.length} rates`);
      this.$('.vd-note').textContent = note.join(' · ');
      return;
    }
    this.$('.vd-note').textContent = note.join(' · ');
    await this.#encodeAll(clip, run);
  }

  async #encodeAll(clip, run = this.#run) {
    try {
      await this.call('load', { key: this.#key, width: clip.width, height: clip.height, count: clip.count, rgba: clip.rgba.slice().buffer });
      const order = encodeOrder(this.#ladder.length);
      const jobs = order.flatMap((qi) => GOPS.map((g) => ({ qi, g })));
      let done = 0;
      for (const { qi, g } of jobs) {
        if (run !== this.#run) return;
        const label = `Encoding rate ${order.indexOf(qi) + 1} of ${order.length} (step ${this.#ladder[qi]}), ${g.short}`;
        this.#busy.show(`${label}…`, done / jobs.length);
        const r = await this.call('encode', { key: this.#key, gop: g.gop, qi, q: this.#ladder[qi] }, {
          key: `encode-${this.#key}`,
          onProgress: (p) => { if (run === this.#run) this.#busy.show(`${label}: frame ${p.coded} of ${p.total}`, (done + p.coded / p.total) / jobs.length); },
        });
        if (r.cancelled || run !== this.#run) return;
        this.#results[`${g.key}/${qi}`] = r;
        done++;
        if (GOPS.every((gg) => this.#results[`${gg.key}/${qi}`])) {
          await this.#updateCurves();
          if (this.#qi === null && this.#want === null) await this.#setRate(qi);
          else this.#drawCharts();
        }
      }
      this.#busy.hide();
      this.dispatchEvent(new CustomEvent('encoded', { detail: this.#summary() }));
    } catch (e) {
      if (e instanceof Superseded || run !== this.#run) return;
      this.#busy.hide();
      this.showError(e.message);
    }
  }

  #cancel() {
    this.#run++;
    this.call('cancel', { key: this.#key }).catch(() => {});
    this.#busy.hide();
    const n = Object.keys(this.#results).length / 2;
    this.$('.vd-note').textContent += ` · encoding cancelled (${Math.floor(n)} of ${this.#ladder.length} rates done)`;
  }

  #doneRates() {
    return this.#ladder.map((_, qi) => qi).filter((qi) => GOPS.every((g) => this.#results[`${g.key}/${qi}`]));
  }

  #nearestDone(qi) {
    const done = this.#doneRates();
    if (!done.length) return null;
    return done.reduce((best, d) => (Math.abs(d - qi) < Math.abs(best - qi) ? d : best), done[0]);
  }

  #point(gopKey, qi) {
    const r = this.#results[`${gopKey}/${qi}`];
    const px = this.#clip.width * this.#clip.height * this.#clip.count;
    const mean = (k) => r.stats.reduce((a, s) => a + s[k], 0) / r.stats.length;
    return { bpp: (r.bytes * 8) / px, psnr: mean('psnr_y'), psnrRgb: mean('psnr_rgb'), bytes: r.bytes };
  }

  async #updateCurves() {
    const done = this.#doneRates();
    const curve = (g) => done.map((qi) => this.#point(g.key, qi)).sort((a, b) => a.bpp - b.bpp);
    this.#bd = done.length >= 2 ? await this.call('bdRate', { a: curve(GOPS[0]), b: curve(GOPS[1]) }) : null;
  }

  async #setRate(qi) {
    if (qi === null || qi === undefined) return;
    this.#want = qi;
    const slider = this.$('.vd-rate');
    slider.disabled = false;
    slider.value = String(qi);
    this.$('.vd-rate-out').textContent = `step ${this.#ladder[qi]}`;
    const run = this.#run;
    try {
      const out = {};
      for (const g of GOPS) {
        out[g.key] = await this.call('decode', { key: this.#key, gop: g.gop, qi }, { key: `decode-${this.#key}-${g.key}` });
      }
      if (run !== this.#run || this.#want !== qi) return;
      this.#decoded = out;
      this.#qi = qi;
    } catch (e) {
      if (e instanceof Superseded) return;
      this.showError(e.message);
      return;
    }
    for (const s of ['.vd-play', '.vd-prev', '.vd-next', '.vd-frame', '.vd-download']) this.$(s).disabled = false;
    this.#drawFrames();
    this.#drawCharts();
    this.dispatchEvent(new CustomEvent('result', { detail: this.#summary() }));
  }

  #summary() {
    if (this.#qi === null) return null;
    const at = (g) => this.#results[`${g.key}/${this.#qi}`] && this.#point(g.key, this.#qi);
    return {
      step: this.#ladder[this.#qi],
      ipp: at(GOPS[0]),
      ib: at(GOPS[1]),
      bdRate: this.#bd,
      path: this.#results[`ib/${this.#qi}`]?.path,
      frames: this.#clip.count,
      ratesDone: this.#doneRates().length,
    };
  }

  // ---------------------------------------------------------------- frames

  #step(d) {
    if (!this.#clip) return;
    this.#frame = (this.#frame + d + this.#clip.count) % this.#clip.count;
    this.$('.vd-frame').value = String(this.#frame);
    this.#drawFrames();
  }

  #togglePlay() {
    if (this.#playTimer) { this.#stopPlay(); return; }
    const fps = Math.min(12, this.#clip?.fps || 12);
    this.#playTimer = setInterval(() => this.#step(1), 1000 / fps);
    this.$('.vd-play').textContent = '❚❚ Pause';
  }

  #stopPlay() {
    clearInterval(this.#playTimer);
    this.#playTimer = null;
    const b = this.$('.vd-play');
    if (b) b.textContent = '▶ Play';
  }

  #put(canvas, rgba) {
    const { width: w, height: h } = this.#clip;
    canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(rgba.buffer, rgba.byteOffset, w * h * 4), w, h), 0, 0);
  }

  #drawFrames() {
    const clip = this.#clip;
    if (!clip) return;
    const i = this.#frame;
    const px = clip.width * clip.height * 4;
    this.#put(this.$('.vd-c-orig'), clip.rgba.subarray(i * px, (i + 1) * px));
    this.$('.vd-cap-orig').innerHTML = `<b>Original</b> · frame ${i + 1} of ${clip.count}`;
    this.$('.vd-frame-out').textContent = `frame ${i + 1} / ${clip.count}`;
    for (const g of GOPS) {
      const d = this.#decoded[g.key];
      const f = d?.frames?.[i];
      const canvas = this.$(`.vd-c-${g.key}`);
      const cap = this.$(`.vd-cap-${g.key}`);
      if (!f) { canvas.getContext('2d').clearRect(0, 0, canvas.width, canvas.height); cap.textContent = g.label; continue; }
      const showRef = this.#overlay === 'reference' && f.interpolated;
      this.#put(canvas, showRef ? f.interpolated : f.rgba);
      if (this.#overlay === 'vectors' && f.vectors) this.#drawVectors(canvas, f);
      const s = this.#results[`${g.key}/${this.#qi}`].stats[i];
      const type = f.kind === 'B' ? `B${f.level}` : f.kind;
      const what = showRef ? 'interpolated reference of this B-frame' : `${(f.bytes * 8 / 1000).toFixed(1)} kbit, PSNR-Y ${s.psnr_y.toFixed(2)} dB`;
      cap.innerHTML = `<b>${g.short}</b> · ${type} · ${what}`;
    }
    // The charts' "this frame" marker follows.
    const res = GOPS.map((g) => this.#results[`${g.key}/${this.#qi}`]);
    if (this.#qi !== null && res.every(Boolean)) {
      this.#drawBits(res);
      this.#drawPsnr(res);
    }
  }

  #drawVectors(canvas, f) {
    const ctx = canvas.getContext('2d');
    ctx.save();
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(255, 255, 0, 0.9)';
    ctx.fillStyle = 'rgba(255, 255, 0, 0.9)';
    for (let r = 0; r < f.rows; r++) {
      for (let c = 0; c < f.cols; c++) {
        const k = (r * f.cols + c) * 2;
        const vx = f.vectors[k] / 4;
        const vy = f.vectors[k + 1] / 4;
        const x = c * f.block + f.block / 2;
        const y = r * f.block + f.block / 2;
        ctx.beginPath();
        ctx.arc(x, y, 1, 0, 2 * Math.PI);
        ctx.fill();
        if (vx || vy) {
          ctx.beginPath();
          ctx.moveTo(x, y);
          ctx.lineTo(x + vx, y + vy);
          ctx.stroke();
        }
      }
    }
    ctx.restore();
  }

  // ---------------------------------------------------------------- charts

  #drawCharts() {
    if (this.#qi === null || !this.#clip) return;
    const res = GOPS.map((g) => this.#results[`${g.key}/${this.#qi}`]);
    if (res.some((r) => !r)) return;
    const a = this.#point('ipp', this.#qi);
    const b = this.#point('ib', this.#qi);
    const bd = this.#bd === null ? '' : ` Over the ${this.#doneRates().length} rates coded, B-frames need <strong>${this.#bd > 0 ? '+' : '−'}${Math.abs(this.#bd).toFixed(1)} %</strong> bits for the same PSNR-Y (BD-rate).`;
    const path = res[1].path === 'gpu' ? 'motion search on WebGPU' : res[1].path === 'gpu+cpu' ? 'motion search on WebGPU and the CPU' : 'motion search on the CPU';
    this.$('.vd-saving').innerHTML = `At this rate: ${GOPS[0].short} ${a.bpp.toFixed(3)} bpp, ${a.psnr.toFixed(2)} dB · ${GOPS[1].short} ${b.bpp.toFixed(3)} bpp, ${b.psnr.toFixed(2)} dB.${bd} <span class="vd-note">(${path}; encoding ${(res[0].ms / 1000).toFixed(1)} s + ${(res[1].ms / 1000).toFixed(1)} s)</span>`;
    this.#drawRd(); // bits and PSNR per frame: #drawFrames (they mark the frame shown)
  }

  #canvas(sel) {
    const c = this.$(sel);
    const dpr = window.devicePixelRatio || 1;
    const w = c.clientWidth || 300;
    const h = c.clientHeight || 200;
    c.width = Math.round(w * dpr);
    c.height = Math.round(h * dpr);
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif';
    return { ctx, w, h };
  }

  #drawBits(res) {
    const { ctx, w, h } = this.#canvas('.vd-bits');
    const n = this.#clip.count;
    // Scaled to the predicted frames (an I-frame often costs ten times more): taller bars are
    // cut and labelled.
    const bits = res.flatMap((r) => r.stats.map((s) => s.bytes * 8));
    const predicted = res.flatMap((r) => r.stats.filter((s) => s.kind !== 'I').map((s) => s.bytes * 8));
    const max = Math.max(1, ...(predicted.length ? predicted : bits)) * 1.1;
    const left = 36;
    const half = (h - 20) / 2;
    const bw = (w - left - 4) / n;
    res.forEach((r, row) => {
      const base = 6 + half * (row + 1) - 2;
      ctx.fillStyle = '#868e96';
      ctx.fillText(GOPS[row].short, 2, base - half / 2);
      r.stats.forEach((s, i) => {
        const cut = s.bytes * 8 > max;
        const bh = (Math.min(s.bytes * 8, max) / max) * (half - 8);
        ctx.fillStyle = KIND_COLORS[s.kind];
        ctx.fillRect(left + i * bw + 0.5, base - bh, Math.max(1, bw - 1), bh);
        if (cut) {
          ctx.fillStyle = '#212529';
          ctx.fillText(`${s.kind} ${(s.bytes * 8 / 1000).toFixed(0)}k`, left + i * bw + 2, base - bh + 10);
        }
      });
    });
    ctx.strokeStyle = '#212529';
    const x = left + (this.#frame + 0.5) * bw;
    ctx.beginPath();
    ctx.moveTo(x, 4);
    ctx.lineTo(x, h - 14);
    ctx.stroke();
    ctx.fillStyle = '#868e96';
    ctx.fillText(`bar height ${(max / 1000).toFixed(1)} kbit`, left, h - 2);
    ctx.fillText('frame →', w - 50, h - 2);
  }

  #axes(ctx, w, h, xr, yr, xlabel, ylabel) {
    const L = 40, B = 22, T = 6, R = 8;
    const X = (v) => L + ((v - xr[0]) / (xr[1] - xr[0] || 1)) * (w - L - R);
    const Y = (v) => h - B - ((v - yr[0]) / (yr[1] - yr[0] || 1)) * (h - B - T);
    ctx.strokeStyle = '#ced4da';
    ctx.fillStyle = '#868e96';
    ctx.beginPath();
    ctx.moveTo(L, T);
    ctx.lineTo(L, h - B);
    ctx.lineTo(w - R, h - B);
    ctx.stroke();
    for (let k = 0; k <= 4; k++) {
      const yv = yr[0] + ((yr[1] - yr[0]) * k) / 4;
      ctx.fillText(yv.toFixed(1), 2, Y(yv) + 4);
      const xv = xr[0] + ((xr[1] - xr[0]) * k) / 4;
      ctx.fillText(xv < 10 ? xv.toFixed(2) : xv.toFixed(0), X(xv) - 10, h - B + 12);
    }
    ctx.fillText(xlabel, w - R - ctx.measureText(xlabel).width, h - 1);
    ctx.fillText(ylabel, L + 4, T + 10);
    return { X, Y };
  }

  #line(ctx, pts, X, Y, color, dots = false) {
    ctx.strokeStyle = color;
    ctx.fillStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i ? ctx.lineTo(X(x), Y(y)) : ctx.moveTo(X(x), Y(y))));
    ctx.stroke();
    if (dots) for (const [x, y] of pts) { ctx.beginPath(); ctx.arc(X(x), Y(y), 3, 0, 2 * Math.PI); ctx.fill(); }
    ctx.lineWidth = 1;
  }

  #drawPsnr(res) {
    const { ctx, w, h } = this.#canvas('.vd-psnr');
    const ys = res.flatMap((r) => r.stats.map((s) => s.psnr_y)).filter(Number.isFinite);
    const yr = [Math.floor(Math.min(...ys)), Math.ceil(Math.max(...ys))];
    const { X, Y } = this.#axes(ctx, w, h, [1, Math.max(2, this.#clip.count)], yr, 'frame', 'PSNR-Y (dB)');
    res.forEach((r, k) => this.#line(ctx, r.stats.map((s, i) => [i + 1, Math.min(s.psnr_y, yr[1])]), X, Y, GOPS[k].color));
    ctx.strokeStyle = '#212529';
    ctx.beginPath();
    ctx.moveTo(X(this.#frame + 1), 6);
    ctx.lineTo(X(this.#frame + 1), h - 22);
    ctx.stroke();
    this.#legend(ctx, w);
  }

  #legend(ctx, w) {
    GOPS.forEach((g, k) => {
      ctx.fillStyle = g.color;
      ctx.fillRect(w - 110, 10 + k * 14, 10, 3);
      ctx.fillText(g.short, w - 96, 14 + k * 14);
    });
  }

  #drawRd() {
    const { ctx, w, h } = this.#canvas('.vd-rd');
    const done = this.#doneRates();
    const curves = GOPS.map((g) => done.map((qi) => this.#point(g.key, qi)).sort((a, b) => a.bpp - b.bpp));
    const all = curves.flat();
    const xr = [0, Math.max(...all.map((p) => p.bpp)) * 1.05];
    const yr = [Math.floor(Math.min(...all.map((p) => p.psnr))), Math.ceil(Math.max(...all.map((p) => p.psnr)))];
    const { X, Y } = this.#axes(ctx, w, h, xr, yr, 'bits per pixel', 'PSNR-Y (dB)');
    curves.forEach((c, k) => this.#line(ctx, c.map((p) => [p.bpp, p.psnr]), X, Y, GOPS[k].color, true));
    for (const g of GOPS) {
      const p = this.#point(g.key, this.#qi);
      ctx.fillStyle = g.color;
      ctx.strokeStyle = '#fff';
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(X(p.bpp), Y(p.psnr), 6, 0, 2 * Math.PI);
      ctx.fill();
      ctx.stroke();
      ctx.lineWidth = 1;
    }
    this.#legend(ctx, w);
  }

  async #download() {
    if (this.#qi === null) return;
    for (const g of GOPS) {
      const bytes = await this.call('stream', { key: this.#key, gop: g.gop, qi: this.#qi });
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([bytes], { type: 'application/octet-stream' }));
      a.download = `${(this.#clip.label || 'clip').replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '_')}-${g.key}-step${this.#ladder[this.#qi]}.epv`;
      a.click();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
    }
  }
}

if (!customElements.get('ep-video')) customElements.define('ep-video', EpVideo);
