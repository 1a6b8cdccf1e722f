// <ep-wavelet>: the CDF 9/7 wavelet decomposition of an image, on the GPU (WebGPU) or the
// CPU (WebAssembly). Attributes: `src` (image URL to start with), `levels` (1…, default 3).

import { EpWidget } from '../shell/widget.js';
import * as runtime from '../shell/runtime.js';
import { acceptImages, decodeImage, fetchImage } from '../shell/image-input.js';

const here = (p) => new URL(p, import.meta.url).href;
const SAMPLES = [
  { name: 'Parrots', url: here('../samples/kodim23.png') },
  { name: 'Lighthouse', url: here('../samples/kodim19.png') },
  { name: 'Hats', url: here('../samples/kodim03.png') },
];

let uid = 0;

export class EpWavelet extends EpWidget {
  static title = 'CDF 9/7 wavelet decomposition';
  static css = here('./wavelet.css');
  static feature = 'wavelet';
  static engines = ['imaging'];

  #image = null; // {width, height, rgba, label}
  #levels = 3;
  #key = `wavelet-${++uid}`;
  #last = null;
  #seq = 0;

  render() {
    const el = document.createElement('div');
    el.className = 'wv';
    el.innerHTML = `
      <div class="ep-row wv-source">
        <span class="ep-label">Image</span>
        ${SAMPLES.map((s, i) => `<button type="button" class="ep-chip" data-sample="${i}">${s.name}</button>`).join('')}
        <label class="ep-chip ep-upload">Upload…<input type="file" accept="image/*" hidden></label>
        <span class="ep-hint">or drop / paste an image</span>
      </div>
      <div class="ep-row">
        <label class="ep-label" for="lv">Levels</label>
        <input id="lv" class="wv-levels" type="range" min="1" max="8" step="1" value="3" aria-describedby="lvv">
        <output id="lvv" class="wv-levels-value">3</output>
      </div>
      <p class="ep-notice" hidden></p>
      <div class="wv-stage ep-drop" tabindex="0" aria-label="Wavelet decomposition; drop or paste an image here">
        <div class="wv-pic">
          <canvas class="wv-canvas" width="1" height="1"></canvas>
          <canvas class="wv-grid" width="1" height="1" aria-hidden="true"></canvas>
        </div>
      </div>
      <dl class="ep-stats wv-stats"></dl>
      <p class="ep-caption">Luma of the image, transformed by the CDF 9/7 lifting wavelet (the JPEG 2000 / SPIHT filter pair).
      Top-left: the low-pass LL band; the other rectangles are detail bands, shown as log-magnitude, each scaled to its own maximum.</p>`;
    const lv = el.querySelector('.wv-levels');
    lv.value = this.#levels = Math.max(1, parseInt(this.getAttribute('levels') || '3', 10) || 3);
    el.querySelector('.wv-levels-value').textContent = lv.value;
    lv.addEventListener('input', () => {
      this.#levels = +lv.value;
      el.querySelector('.wv-levels-value').textContent = lv.value;
      this.#run();
    });
    el.querySelectorAll('[data-sample]').forEach((b) =>
      b.addEventListener('click', () => this.#load(() => fetchImage(SAMPLES[+b.dataset.sample].url), SAMPLES[+b.dataset.sample].name)));
    // The file button, and dropping or pasting anywhere on the widget.
    acceptImages(this.shadowRoot.querySelector('.ep-frame'), el.querySelector('input[type=file]'), (f) => this.#load(() => decodeImage(f), f.name));
    return el;
  }

  async start() {
    const src = this.getAttribute('src');
    await this.#load(() => (src ? fetchImage(new URL(src, document.baseURI).href) : fetchImage(SAMPLES[0].url)), src || SAMPLES[0].name);
  }

  backendChanged() { this.#run(); }

  /** Nothing lives in the engine between calls: redo the current picture. */
  async reopen() { if (this.#image) await this.#run(); else await this.start(); }

  /** The last result (for tests and host pages). */
  get result() { return this.#last; }

  async #load(get, label) {
    this.clearError();
    const notice = this.shadowRoot.querySelector('.ep-notice');
    try {
      this.setProgress(`Decoding ${label}…`);
      const img = await get();
      this.#image = { ...img, label };
      notice.hidden = !img.notice;
      notice.textContent = img.notice || '';
      await this.#run();
    } catch (e) {
      this.setProgress(null);
      this.showError(e.message); // the previous image stays on screen and usable
    }
  }

  async #run() {
    const img = this.#image;
    if (!img) return;
    const lv = this.shadowRoot.querySelector('.wv-levels');
    try {
      this.setProgress(`Transforming ${img.width}×${img.height}…`);
      const rgba = img.rgba.slice();
      const r = await this.call('analyze', { rgba, width: img.width, height: img.height, levels: this.#levels }, { key: this.#key, transfer: [rgba.buffer] });
      lv.max = Math.max(1, r.maxLevels);
      this.#draw(r);
      this.#last = { ...r, image: img.label, seq: ++this.#seq };
      this.setProgress(null);
      if (r.fallback) await this.engine().getStatus();
      this.dispatchEvent(new CustomEvent('result', { detail: this.#last }));
    } catch (e) {
      if (e instanceof runtime.Superseded) return;
      this.setProgress(null);
      this.showError(e.message);
    }
  }

  #draw(r) {
    const c = this.shadowRoot.querySelector('.wv-canvas');
    const g = this.shadowRoot.querySelector('.wv-grid');
    c.width = g.width = r.width;
    c.height = g.height = r.height;
    c.getContext('2d').putImageData(new ImageData(r.rgba, r.width, r.height), 0, 0);
    const ctx = g.getContext('2d');
    ctx.clearRect(0, 0, r.width, r.height);
    ctx.strokeStyle = 'rgba(255, 196, 0, 0.85)';
    ctx.lineWidth = Math.max(1, r.width / 512);
    for (const b of r.bands) if (b.kind !== 'LL') ctx.strokeRect(b.x, b.y, b.w, b.h);
    const fmt = (t) => `${t.ms.toFixed(t.ms < 10 ? 2 : 1)} ms`;
    const gpu = r.path === 'gpu';
    const rows = [
      ['Size', `${r.width}×${r.height}, ${r.levels} level${r.levels > 1 ? 's' : ''}`],
      [gpu ? 'WebGPU forward+inverse' : 'Path', gpu ? `${fmt(r.time)} (${r.time.clock === 'gpu-timestamp' ? 'GPU timestamps' : 'wall clock'})` : 'CPU (WebAssembly)'],
      ['CPU (wasm) forward+inverse', `${fmt(r.cpuTime)} (wall clock)`],
    ];
    if (gpu) rows.push(['GPU vs CPU coefficients', `max rel. diff ${r.gpuCpuRelDiff.toExponential(1)}`]);
    rows.push(['Reconstruction error', `max ${r.roundtripError.toExponential(1)} grey levels`]);
    if (r.fallback) rows.push(['GPU failed, used CPU', r.fallback]);
    const dl = this.shadowRoot.querySelector('.wv-stats');
    dl.replaceChildren(...rows.flatMap(([k, v]) => {
      const dt = document.createElement('dt'); dt.textContent = k;
      const dd = document.createElement('dd'); dd.textContent = v;
      return [dt, dd];
    }));
  }
}

if (!customElements.get('ep-wavelet')) customElements.define('ep-wavelet', EpWavelet);
