// <ep-compress>: one image, one bitstream per progressive codec, a bitrate slider that
// decodes the matching prefix of each, side by side with a draggable split.
// Attributes: `src` (image URL), `codecs` (left,right; from progressive, spiht, jpeg, webp,
// original; default "progressive,spiht"), `bpp` (initial rate, default 0.25), `height`
// (viewer height in CSS pixels, default 420).

import { uPlot, PLOT_CSS, vline, dot } from '../shell/plot.js';
import { EpWidget } from '../shell/widget.js';
import { Progress } from '../shell/progress.js';
import * as runtime from '../shell/runtime.js';
import { TwoUp } from '../shell/two-up.js';
import { CODECS, STREAMS, BPP_MIN, BPP_MAX, RD_BPP } from './meta.js';
import { acceptImages, decodeImage, fetchImage } from '../shell/image-input.js';

const here = (p) => new URL(p, import.meta.url).href;
const SAMPLES = [
  { name: 'Parrots', url: here('../samples/kodim23.png') },
  { name: 'Lighthouse', url: here('../samples/kodim19.png') },
  { name: 'Hats', url: here('../samples/kodim03.png') },
];
export { CODECS };
const SIDES = ['left', 'right'];

const bppOf = (v) => Math.exp(Math.log(BPP_MIN) + (v / 1000) * (Math.log(BPP_MAX) - Math.log(BPP_MIN)));
const sliderOf = (bpp) => Math.round(1000 * (Math.log(bpp) - Math.log(BPP_MIN)) / (Math.log(BPP_MAX) - Math.log(BPP_MIN)));
const fmtBytes = (n) => `${n.toLocaleString('en-US')} B`;
const fmtDb = (x) => (Number.isFinite(x) ? `${x.toFixed(2)} dB` : '∞ (lossless)');

let uid = 0;

export class EpCompress extends EpWidget {
  static title = 'Progressive compression: one bitstream, any bitrate';
  static css = here('./compress.css');
  static feature = 'compress';
  // SPIHT, JPEG, WebP and the original run in the imaging module; the neural codec in the
  // neural module (tract), fetched only when a side first shows it.
  static engines = ['imaging', 'neural'];

  #id = `compress-${++uid}`;
  #image = null; // {width, height, rgba, label}
  #sides = { left: 'progressive', right: 'spiht' };
  #bpp = 0.25;
  #ready = new Set(); // codecs whose stream exists for the current image
  #model = null; // Promise of the model info (loaded when a side first shows the neural codec)
  #encoding = -1; // generation whose neural encode is under way
  #modelError = null;
  #neuralGen = -1; // generation whose image the neural engine holds
  #gen = 0; // bumps on every new image; stale work checks it
  #res = { left: null, right: null };
  #bmp = { left: null, right: null };
  #view = null; // TwoUp
  #rd = null; // {metric, values: {codec: [..]}}
  #plot = null;
  #last = {};

  render() {
    const codecs = (this.getAttribute('codecs') || '').split(',').map((s) => s.trim()).filter((c) => CODECS[c]);
    if (codecs[0]) this.#sides.left = codecs[0];
    if (codecs[1]) this.#sides.right = codecs[1];
    const bpp = parseFloat(this.getAttribute('bpp'));
    if (bpp > 0) this.#bpp = Math.min(BPP_MAX, Math.max(BPP_MIN, bpp));
    const height = Math.max(160, parseInt(this.getAttribute('height') || '420', 10) || 420);
    const options = (sel) => Object.entries(CODECS).map(([k, c]) => `<option value="${k}"${k === sel ? ' selected' : ''}>${c.label}</option>`).join('');
    const el = document.createElement('div');
    el.className = 'cp';
    el.innerHTML = `
      <link rel="stylesheet" href="${PLOT_CSS}">
      <div class="ep-row">
        <span class="ep-label">Image</span>
        ${SAMPLES.map((s, i) => `<button type="button" class="ep-chip" data-sample="${i}">${s.name}</button>`).join('')}
        <label class="ep-chip ep-upload">Upload…<input type="file" accept="image/png,image/jpeg,image/webp,image/*" hidden></label>
        <span class="ep-hint">or drop / paste an image</span>
      </div>
      <p class="ep-notice" hidden></p>
      <div class="cp-busy-slot"></div>
      <div class="ep-row cp-rate">
        <label class="ep-label" for="rate">Bitrate</label>
        <input id="rate" class="cp-slider" type="range" min="0" max="1000" step="1" value="${sliderOf(this.#bpp)}">
        <output class="cp-rate-value" for="rate"></output>
      </div>
      <div class="cp-pick">
        <label>Left <select class="cp-side" data-side="left">${options(this.#sides.left)}</select></label>
        <span class="cp-tools">
          <button type="button" class="ep-chip" data-zoom="fit" title="Fit the image (0)">Fit</button>
          <button type="button" class="ep-chip" data-zoom="1" title="One image pixel per screen pixel (1)">1:1</button>
          <button type="button" class="ep-chip" data-zoom="in" aria-label="Zoom in">+</button>
          <button type="button" class="ep-chip" data-zoom="out" aria-label="Zoom out">−</button>
        </span>
        <label>Right <select class="cp-side" data-side="right">${options(this.#sides.right)}</select></label>
      </div>
      <div class="cp-stage ep-drop" tabindex="0" style="height:${height}px"
        aria-label="Comparison view. Drag the divider or use the arrow keys to move it; drag to pan, wheel or +/− to zoom, 1 for 1:1, 0 to fit.">
        <canvas class="cp-canvas"></canvas>
      </div>
      <div class="cp-stats">
        ${SIDES.map((s) => `<div class="cp-side-stats" data-side="${s}"><dl class="ep-stats"></dl>
          <div class="ep-row"><button type="button" class="ep-chip" data-dl="file" data-side="${s}">Download bitstream</button>
          <button type="button" class="ep-chip" data-dl="png" data-side="${s}">Download PNG</button></div></div>`).join('')}
      </div>
      <div class="cp-rd-head ep-row"><span class="ep-label">Rate–distortion for this image</span>
        <select class="cp-metric" aria-label="Quality measure"><option value="psnr">PSNR-RGB</option><option value="msSsim">MS-SSIM</option></select>
        <span class="ep-hint cp-rd-status"></span></div>
      <div class="cp-rd"></div>
      <p class="ep-caption">Each progressive codec encodes the image once; the slider sends the first
        <em>bytes</em> of that one stream (header included) to the decoder. JPEG and WebP are the browser's own encoders at the quality whose
        file is closest to the same size. PSNR over RGB and MS-SSIM on luma, as <code>edgeplay rd</code> computes them.</p>`;
    const slider = el.querySelector('.cp-slider');
    slider.addEventListener('input', () => { this.#bpp = bppOf(+slider.value); this.#refresh(); });
    el.querySelectorAll('.cp-side').forEach((s) => s.addEventListener('change', () => this.#pick(s.dataset.side, s.value)));
    el.querySelectorAll('[data-sample]').forEach((b) =>
      b.addEventListener('click', () => this.#load(() => fetchImage(SAMPLES[+b.dataset.sample].url), SAMPLES[+b.dataset.sample].name)));
    this.#progress = new Progress({ onCancel: () => this.#cancel(), className: 'cp-busy' });
    el.querySelector('.cp-busy-slot').replaceWith(this.#progress.el);
    el.querySelectorAll('[data-zoom]').forEach((b) => b.addEventListener('click', () => this.#view.zoom(b.dataset.zoom)));
    el.querySelectorAll('[data-dl]').forEach((b) => b.addEventListener('click', () => this.#download(b.dataset.side, b.dataset.dl)));
    el.querySelector('.cp-metric').addEventListener('change', (e) => { if (this.#rd) { this.#rd.metric = e.target.value; this.#drawPlot(true); } });
    acceptImages(this.shadowRoot.querySelector('.ep-frame'), el.querySelector('input[type=file]'), (f) => this.#load(() => decodeImage(f), f.name));
    this.#view = new TwoUp(el.querySelector('.cp-stage'), {
      onDraw: (v) => { this.#last.view = v; },
      onResize: () => this.#drawPlot(true),
    });
    return el;
  }

  async start() {
    const src = this.getAttribute('src');
    await this.#load(() => (src ? fetchImage(new URL(src, document.baseURI).href) : fetchImage(SAMPLES[0].url)), src || SAMPLES[0].name);
  }

  /** Loads the neural codec's model (5 MB, same origin) the first time a side shows it. */
  #loadModel() {
    if (!this.#model) {
      this.#model = this.call('loadModel', {}, {
        engine: 'neural',
        onProgress: (p) => this.#busy(`Loading the neural codec's model… ${(p.loaded / 1e6).toFixed(1)} MB`),
      });
      this.#model.catch((e) => { this.#modelError = e.message; });
    }
    return this.#model;
  }

  #wantsProgressive() { return SIDES.some((s) => this.#sides[s] === 'progressive'); }

  /** Encodes the current image with the neural codec if it has not been (model first). */
  async #ensureProgressive(gen) {
    if (this.#ready.has('progressive') || this.#encoding === gen) return false;
    this.#encoding = gen;
    try {
      this.#busy('Loading the neural codec\'s model…');
      try { await this.#loadModel(); } catch (_) { /* shown on its side */ }
      if (gen !== this.#gen || this.#modelError) return false;
      this.#busy(`Encoding ${this.#image.width}×${this.#image.height} with the neural codec…`);
      await this.#encode('progressive', gen);
      return gen === this.#gen;
    } finally {
      if (this.#encoding === gen) this.#encoding = -1;
    }
  }

  backendChanged() { this.#refresh(); }

  closeSession() {
    for (const engine of this.constructor.engines) {
      if (engine === 'imaging' || this.#neuralGen >= 0) this.call('close', { session: this.#id }, { engine }).catch(() => {});
    }
    this.#neuralGen = -1;
  }

  /** After a crash or re-attach the engines hold nothing of this element: the model (if the
   *  neural engine restarted) and the current image's streams are rebuilt. */
  async reopen() {
    this.#model = null;
    this.#modelError = null;
    this.#neuralGen = -1;
    const img = this.#image;
    if (!img) { await this.start(); return; }
    await this.#load(async () => ({ ...img }), img.label);
  }

  /** The latest state (for tests and host pages): image, bpp, each side's numbers, RD values. */
  get result() { return this.#last; }

  /** Sets the bitrate (bits per pixel) as the slider would. */
  setBpp(bpp) {
    const s = this.shadowRoot.querySelector('.cp-slider');
    s.value = sliderOf(Math.min(BPP_MAX, Math.max(BPP_MIN, bpp)));
    this.#bpp = bppOf(+s.value);
    this.#refresh();
  }

  get #budget() { return Math.max(1, Math.round((this.#bpp * this.#image.width * this.#image.height) / 8)); }

  #progress = null;
  /** The work of unknown length under way (text), or none (null). */
  #busy(text) {
    if (text) this.#progress.show(text, null); else this.#progress.hide();
  }

  #cancel() {
    this.#gen++;
    this.#busy(null);
    this.setProgress(null);
    const n = this.shadowRoot.querySelector('.ep-notice');
    n.hidden = false;
    n.textContent = 'Encoding cancelled. Pick another image, or pick this one again to restart.';
  }

  async #load(get, label) {
    this.clearError();
    const gen = ++this.#gen;
    const notice = this.shadowRoot.querySelector('.ep-notice');
    let img;
    try {
      this.#busy(`Reading ${label}…`);
      img = await get();
    } catch (e) {
      this.#busy(null);
      this.showError(e.message); // the previous image (if any) stays usable
      return;
    }
    if (gen !== this.#gen) return;
    notice.hidden = !img.notice;
    notice.textContent = img.notice || '';
    this.#image = { ...img, label };
    this.#ready.clear();
    this.#res = { left: null, right: null };
    this.#bmp = { left: null, right: null };
    this.#view.setImageSize(img.width, img.height);
    this.#rd = { metric: this.shadowRoot.querySelector('.cp-metric').value, values: {} };
    this.#last = { image: label, width: img.width, height: img.height };
    try {
      const rgba = img.rgba.slice();
      await this.call('setImage', { session: this.#id, rgba, width: img.width, height: img.height }, { transfer: [rgba.buffer] });
      this.#refresh();
      this.#busy(`Encoding ${img.width}×${img.height} with SPIHT…`);
      await this.#encode('spiht', gen);
      if (gen !== this.#gen) return;
      if (this.#wantsProgressive()) await this.#ensureProgressive(gen);
      if (gen !== this.#gen) return;
      this.#busy(null);
      this.dispatchEvent(new CustomEvent('encoded', { detail: this.#last }));
      await this.#computeRd(gen, ['progressive', 'spiht', 'jpeg', 'webp'].filter((c) => !this.#available(c)));
    } catch (e) {
      if (gen !== this.#gen) return;
      this.#busy(null);
      this.showError(e.message);
    }
  }

  /** The engine module that runs `codec`. */
  #engineOf(codec) { return CODECS[codec].engine; }

  async #encode(codec, gen) {
    const engine = this.#engineOf(codec);
    if (engine === 'neural' && this.#neuralGen !== gen) {
      const rgba = this.#image.rgba.slice();
      await this.call('setImage', { session: this.#id, rgba, width: this.#image.width, height: this.#image.height }, { engine, transfer: [rgba.buffer] });
      this.#neuralGen = gen;
    }
    const r = await this.call('encode', { session: this.#id, codec }, { engine });
    if (gen !== this.#gen) return;
    this.#ready.add(codec);
    this.#last.encoded = { ...this.#last.encoded, [codec]: r };
    if (r.fallback) await this.engine(engine).getStatus();
    this.#refresh();
  }

  async #pick(side, codec) {
    this.#sides[side] = codec;
    if (codec !== 'progressive' || !this.#image || this.#ready.has('progressive')) { this.#decodeSide(side); return; }
    const gen = this.#gen;
    const encoded = this.#ensureProgressive(gen); // requests the model before the side says why it waits
    this.#decodeSide(side);
    try {
      if (await encoded) {
        this.#busy(null);
        await this.#computeRd(gen, ['progressive']);
      }
    } catch (e) {
      if (gen === this.#gen) { this.#busy(null); this.showError(e.message); }
    }
  }

  #available(codec) {
    if (codec === 'progressive' && this.#modelError) return `The neural codec is unavailable: ${this.#modelError}`;
    if (codec === 'progressive' && !this.#model) return `${CODECS[codec].label}: not loaded yet`;
    if (STREAMS.includes(codec) && !this.#ready.has(codec)) return `${CODECS[codec].label}: encoding…`;
    return null;
  }

  #refresh() {
    if (!this.#image) return;
    const out = this.shadowRoot.querySelector('.cp-rate-value');
    const text = `${this.#bpp.toFixed(3)} bpp · ${fmtBytes(this.#budget)}`;
    out.textContent = text;
    this.shadowRoot.querySelector('.cp-slider').setAttribute('aria-valuetext', text);
    this.#last.bpp = this.#bpp;
    this.#last.budget = this.#budget;
    for (const side of SIDES) this.#decodeSide(side);
    this.#drawPlot(false);
  }

  async #decodeSide(side) {
    if (!this.#image) return;
    const codec = this.#sides[side];
    const why = this.#available(codec);
    if (why) { this.#res[side] = { codec, pending: why }; this.#bmp[side] = null; this.#stats(side); this.#draw(); return; }
    const gen = this.#gen;
    try {
      const t0 = performance.now();
      const r = await this.call('decode', { session: this.#id, codec, bytes: this.#budget }, { key: `${this.#id}-${side}`, engine: this.#engineOf(codec) });
      if (gen !== this.#gen || codec !== this.#sides[side]) return;
      r.latencyMs = performance.now() - t0;
      const bmp = await createImageBitmap(new ImageData(r.rgba, r.width, r.height));
      this.#bmp[side]?.close?.();
      this.#bmp[side] = bmp;
      delete r.rgba;
      this.#res[side] = r;
      this.#last[side] = r;
      this.#stats(side);
      this.#draw();
      this.#drawPlot(false);
      this.dispatchEvent(new CustomEvent('result', { detail: this.#last }));
    } catch (e) {
      if (e instanceof runtime.Superseded || gen !== this.#gen) return;
      this.showError(e.message);
    }
  }

  #stats(side) {
    const r = this.#res[side];
    const dl = this.shadowRoot.querySelector(`.cp-side-stats[data-side="${side}"] dl`);
    const rows = [];
    if (r?.pending) rows.push(['', r.pending]);
    else if (r) {
      const px = r.width * r.height;
      rows.push(['Codec', CODECS[r.codec].label + (r.quality !== undefined ? ` (quality ${r.quality})` : '')]);
      if (r.bytes !== null) {
        rows.push(['Size', `${fmtBytes(r.bytes)} · ${((r.bytes * 8) / px).toFixed(3)} bpp` + (r.full !== null && r.bytes >= r.full ? ' (whole stream)' : '')]);
        if (r.quality !== undefined && Math.abs(r.bytes - r.target) > 0.03 * r.target) rows.push(['Note', `the closest ${r.codec.toUpperCase()} is ${(100 * (r.bytes / r.target - 1)).toFixed(0)} % off the budget`]);
      }
      rows.push(['PSNR-RGB', fmtDb(r.psnr)]);
      rows.push(['MS-SSIM', r.msSsim === null || r.msSsim === undefined ? '—' : r.msSsim.toFixed(4)]);
      const where = r.path === 'gpu' ? 'WebGPU' : r.path === 'browser' ? 'browser encoder' : r.path === 'cpu' ? 'CPU (wasm)' : '';
      if (r.codec !== 'original') rows.push(['Decode', `${r.ms.toFixed(1)} ms${where ? ` · ${where}` : ''}`]);
      if (r.fallback) rows.push(['GPU failed, used CPU', r.fallback]);
      else if (r.choice) rows.push(['Path', r.choice]);
      // Software adapters (SwiftShader, lavapipe) run the WGSL kernels tens of times slower
      // than the wasm CPU path; say so rather than leave the user waiting.
      if (r.path === 'gpu' && r.ms > 1500) rows.push(['Tip', 'this WebGPU adapter is slow here (a software one?); tick “CPU only” above for faster updates']);
    }
    dl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v;
      return [dt, dd];
    }));
    const canFile = r && !r.pending && r.codec !== 'original';
    this.shadowRoot.querySelector(`[data-dl="file"][data-side="${side}"]`).disabled = !canFile;
    this.shadowRoot.querySelector(`[data-dl="png"][data-side="${side}"]`).disabled = !this.#bmp[side];
  }

  // ------------------------------------------------------------------ viewer

  /** The two-up view (www/shell/two-up.js) shows each side's bitmap with its label. */
  #draw() {
    if (!this.#view) return;
    const img = this.#image;
    const label = (side) => {
      const r = this.#res[side];
      const name = CODECS[this.#sides[side]].label;
      return img && r && !r.pending && r.bytes !== null ? `${name} · ${((r.bytes * 8) / (img.width * img.height)).toFixed(2)} bpp · ${fmtDb(r.psnr)}` : name;
    };
    this.#view.setSides(Object.fromEntries(SIDES.map((side) => [side, { bitmap: this.#bmp[side], label: label(side), pending: this.#res[side]?.pending }])));
  }

  // ------------------------------------------------------------------ RD plot

  async #computeRd(gen, codecs) {
    const img = this.#image;
    const px = img.width * img.height;
    const status = this.shadowRoot.querySelector('.cp-rd-status');
    const total = codecs.length * RD_BPP.length;
    let done = 0;
    for (const codec of codecs) {
      const vals = RD_BPP.map(() => null);
      this.#rd.values[codec] = vals;
      for (let i = 0; i < RD_BPP.length; i++) {
        if (gen !== this.#gen) return;
        status.textContent = `computing ${++done}/${total}…`;
        const bytes = Math.round((RD_BPP[i] * px) / 8);
        const r = await this.call('quality', { session: this.#id, codec, bytes }, { engine: this.#engineOf(codec) });
        if (gen !== this.#gen) return;
        // Only points that hit the budget: a stream shorter than it, or a browser encode more
        // than 3 % off, belongs to another rate.
        const off = r.bytes === null ? 0 : Math.abs(r.bytes - bytes) / bytes;
        vals[i] = off <= 0.03 ? { psnr: r.psnr, msSsim: r.msSsim, bpp: (r.bytes * 8) / px } : null;
        this.#drawPlot(true);
      }
    }
    const n = Object.values(this.#rd.values).reduce((a, v) => a + v.length, 0);
    status.textContent = `${n} points, one bitstream per progressive codec`;
    this.#last.rd = { bpp: RD_BPP, values: this.#rd.values };
    this.dispatchEvent(new CustomEvent('rd', { detail: this.#last.rd }));
  }

  #drawPlot(rebuild) {
    const box = this.shadowRoot.querySelector('.cp-rd');
    if (!this.#rd || !box.clientWidth) return;
    const metric = this.#rd.metric;
    const codecs = Object.keys(this.#rd.values);
    const val = (v) => (v && Number.isFinite(v[metric]) ? v[metric] : null);
    const data = [RD_BPP, ...codecs.map((c) => this.#rd.values[c].map(val))];
    if (rebuild || !this.#plot || this.#plot.series.length !== codecs.length + 1) {
      this.#plot?.destroy();
      // The slider's rate, and where each side stands on its curve.
      const marker = (u) => {
        vline(u, this.#bpp);
        for (const side of SIDES) {
          const r = this.#res[side];
          if (!r || r.pending || r.bytes === null || !Number.isFinite(r[metric])) continue;
          dot(u, (r.bytes * 8) / (r.width * r.height), r[metric], CODECS[r.codec].color);
        }
      };
      this.#plot = new uPlot({
        width: box.clientWidth,
        height: 240,
        scales: { x: { time: false, distr: 3, range: () => [BPP_MIN, BPP_MAX * 1.25] }, y: { auto: true } },
        axes: [{ label: 'bits per pixel' }, { label: metric === 'psnr' ? 'PSNR-RGB (dB)' : 'MS-SSIM' }],
        series: [{ label: 'bpp', value: (u, v) => (v == null ? '—' : v.toFixed(3)) },
          ...codecs.map((c) => ({ label: CODECS[c].label, stroke: CODECS[c].color, width: 2, spanGaps: true, points: { size: 5 },
            value: (u, v) => (v == null ? '—' : v.toFixed(metric === 'psnr' ? 2 : 4)) }))],
        hooks: { draw: [marker] },
        legend: { live: true },
      }, data, box);
    } else {
      this.#plot.setData(data);
    }
  }

  // ------------------------------------------------------------------ downloads

  async #download(side, what) {
    const r = this.#res[side];
    if (!r || r.pending) return;
    const base = (this.#image.label || 'image').replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '_');
    let blob, name;
    try {
      if (what === 'png') {
        const c = new OffscreenCanvas(r.width, r.height);
        c.getContext('2d').drawImage(this.#bmp[side], 0, 0);
        blob = await c.convertToBlob({ type: 'image/png' });
        name = `${base}-${r.codec}-${r.bytes ?? 'original'}B.png`;
      } else {
        const bytes = await this.call('file', { session: this.#id, codec: r.codec, bytes: this.#budget }, { engine: this.#engineOf(r.codec) });
        blob = new Blob([bytes]);
        name = `${base}-${bytes.length}B.${CODECS[r.codec].ext}`;
      }
    } catch (e) { this.showError(e.message); return; }
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = name;
    a.click();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }
}

if (!customElements.get('ep-compress')) customElements.define('ep-compress', EpCompress);
