// <ep-depth>: monocular depth of a photo, a video or the webcam — one of the shipped networks
// (FastDepth and those trained here, listed with their measured accuracy and speed in
// models/depth/models.json), or an ONNX network the visitor brings, on the GPU (WebGPU, our WGSL
// executor) or the CPU (tract in WebAssembly). Views: picture and depth on a split or side by
// side (the shell's two-up view), or a 3-D point cloud; colormaps with a legend in metres; depth
// under the cursor; 16-bit PNG and PLY downloads. Compare mode: the depth maps of two networks
// for the same frame side by side (one colour scale), each captioned with its time in the page;
// the downloads and the point cloud are the first (menu) network's.
//
// Attributes: `src` (picture URL to start with), `colormap` (turbo | viridis | inferno | grey),
// `view` (split | side | cloud), `model` (a models.json key, e.g. `fastdepth`), `compare` (a
// second key: start in compare mode).
//
// Frames: a picture is sent at its own size (up to 2048 px a side). Video and webcam frames are
// captured at up to VIDEO_SIDE px a side; while the engine works on one frame, frames the
// video presents are skipped (counted), never queued. The resize to the network and back is
// `crates/depth/src/resample.rs`, the same as `edgeplay depth`.

import { EpWidget } from '../shell/widget.js';
import { Superseded } from '../shell/runtime.js';
import { TwoUp } from '../shell/two-up.js';
import { acceptImages, decodeImage, fetchImage, ImageInputError } from '../shell/image-input.js';
import { PointCloudView, POINT_CLOUD_CSS } from './point-cloud.js';
import { COLORMAPS, SAMPLES, VIDEO_SIDE, MAX_MODEL_MB, CATALOG_URL, FASTDEPTH, catalogModels, heldoutName, modelLabel, modelTitle, colorIndex } from './meta.js';

const here = (p) => new URL(p, import.meta.url).href;
let uid = 0;
const mb = (n) => (n / 1e6).toFixed(1);

let catalog = null; // Promise of {json, models, note}, once per page (a failure is retried)

/** The shipped networks (models.json, same origin); FastDepth alone, with the reason, when the
 *  list cannot be read. */
function loadCatalog() {
  if (!catalog) {
    catalog = (async () => {
      try {
        const res = await fetch(here(CATALOG_URL));
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        let json;
        try { json = await res.json(); } catch (_) { throw new Error('it is not valid JSON'); }
        return { json, models: catalogModels(json), note: null };
      } catch (e) {
        catalog = null;
        return { json: null, models: [FASTDEPTH], note: `Only FastDepth is offered: the list of networks (models/depth/models.json) could not be read (${e.message}).` };
      }
    })();
  }
  return catalog;
}

export class EpDepth extends EpWidget {
  static title = 'Depth from one camera';
  static css = here('./depth.css');
  static feature = 'depth';
  static engines = ['depth'];

  #id = ++uid;
  #catalog = { json: null, models: [FASTDEPTH], note: null };
  #model = FASTDEPTH.key; // key of the model in use (a models.json key or the visitor's)
  #modelInfo = null;
  #infos = new Map(); // key -> info of each loaded model (from the engine)
  #user = null; // the visitor's model {key, name, bytes, spec, info}
  #userModels = 0;
  #compare = null; // key of the second model while comparing
  #compareKey = null; // the second menu's choice (kept while compare is off)
  #choice = 0; // newest menu choice (a slower load that finishes later is dropped)
  #compareChoice = 0;
  #liveMs = new Map(); // key -> engine ms per frame measured in this page, on the current path
  #frame = null; // {rgba, width, height, bitmap, label}
  #depth = null; // last prediction {depth, width, height, min, max, output, path, ms}
  #depth2 = null; // the second model's, for the same frame, while comparing
  #depthBitmap = null;
  #depthBitmap2 = null;
  #captions = null;
  #view = null; // TwoUp
  #cloud = null; // PointCloudView
  #mode = 'split';
  #map = 'turbo';
  #swap = false;
  #fov = 60;
  #luts = new Map();
  #video = null; // {el, kind: 'file' | 'webcam', url, stream}
  #busy = false;
  #dirty = false;
  #stats = { frames: 0, skipped: 0, times: [] };
  #seq = 0;
  #last = null;
  #visObserver = null;
  #onVisibility = () => { if (document.hidden && this.#video?.kind === 'webcam') this.#stopVideo('The webcam stopped because the page was hidden.'); };

  render() {
    const el = document.createElement('div');
    el.className = 'dp';
    el.innerHTML = `
      <style>${POINT_CLOUD_CSS}</style>
      <div class="ep-row dp-source">
        <span class="ep-label">Input</span>
        ${SAMPLES.map((s, i) => `<button type="button" class="ep-chip" data-sample="${i}" title="${s.credit}">${s.name}</button>`).join('')}
        <label class="ep-chip ep-upload">Photo or video…<input type="file" accept="image/*,video/mp4,video/webm,video/quicktime" hidden></label>
        <button type="button" class="ep-chip dp-webcam">Webcam</button>
        <span class="ep-hint">or drop / paste a picture or clip</span>
      </div>
      <div class="ep-row dp-model">
        <span class="ep-label">Model</span>
        <select class="dp-menu" aria-label="Depth network"></select>
        <label class="ep-chip ep-upload" title="An ONNX network from an RGB picture to one depth channel (e.g. MiDaS v2.1 small, Depth Anything V2 Small), up to ${MAX_MODEL_MB} MB">Your .onnx…<input type="file" accept=".onnx" hidden class="dp-onnx"></label>
      </div>
      <p class="dp-model-name"></p>
      <div class="ep-row dp-compare-row">
        <span class="ep-label">Compare</span>
        <label><input type="checkbox" class="dp-compare"> side by side with</label>
        <select class="dp-menu2" aria-label="Second depth network"></select>
      </div>
      <p class="ep-hint dp-menu-hint"></p>
      <p class="ep-notice dp-catalog-note" hidden></p>
      <form class="dp-spec" hidden>
        <span class="dp-spec-name"></span>
        <label>Input <input name="width" type="number" min="8" max="2048" step="1" required> × <input name="height" type="number" min="8" max="2048" step="1" required></label>
        <label>Pixels <select name="norm"><option value="unit">RGB in [0, 1]</option><option value="imagenet">ImageNet mean/std</option></select></label>
        <label>Output <select name="output"><option value="metric">depth in metres</option><option value="relative">relative inverse depth</option></select></label>
        <button type="submit" class="ep-chip">Load</button>
        <button type="button" class="ep-chip dp-spec-cancel">Cancel</button>
      </form>
      <div class="ep-row dp-viewrow">
        <span class="ep-label">View</span>
        <span class="dp-modes" role="group" aria-label="View">
          <button type="button" class="ep-chip" data-mode="split" aria-pressed="true">Split</button>
          <button type="button" class="ep-chip" data-mode="side" aria-pressed="false">Side by side</button>
          <button type="button" class="ep-chip" data-mode="cloud" aria-pressed="false">3-D points</button>
        </span>
        <label>Colours <select class="dp-map">${COLORMAPS.map((m) => `<option value="${m}">${m}</option>`).join('')}</select></label>
        <label><input type="checkbox" class="dp-swap"> swap near/far</label>
        <label class="dp-fov-row" hidden>Field of view <input type="range" class="dp-fov" min="20" max="120" step="1" value="60"> <output class="dp-fov-value">60°</output></label>
      </div>
      <p class="ep-notice dp-notice" hidden></p>
      <div class="dp-stage ep-drop" tabindex="0" aria-label="Picture and depth; drag the divider, scroll to zoom; drop or paste a picture or clip here">
        <canvas class="dp-canvas" width="1" height="1"></canvas>
        <canvas class="dp-inset" width="1" height="1" hidden aria-hidden="true"></canvas>
      </div>
      <div class="dp-cloud-stage" hidden></div>
      <div class="dp-video" hidden>
        <button type="button" class="ep-chip dp-play">Pause</button>
        <input type="range" class="dp-scrub" min="0" max="1" step="0.01" value="0" aria-label="Position in the clip">
        <output class="dp-time">0.0 s</output>
        <output class="dp-fps"></output>
      </div>
      <div class="dp-legend">
        <canvas class="dp-bar" width="256" height="12" aria-hidden="true"></canvas>
        <div class="dp-ticks"><span class="dp-lo"></span><span class="dp-mid"></span><span class="dp-hi"></span></div>
        <output class="dp-probe">Point at the picture to read the depth.</output>
      </div>
      <div class="ep-row dp-downloads">
        <button type="button" class="ep-chip dp-png" disabled>Depth PNG (16-bit, mm)</button>
        <button type="button" class="ep-chip dp-ply" disabled>Point cloud PLY</button>
      </div>
      <dl class="ep-stats dp-stats"></dl>
      <p class="ep-caption">The whole picture is resized to the network's input (224×224 for FastDepth) and its depth map back to the picture's size, as <code>edgeplay depth</code> does.
      FastDepth (Wofk et al., ICRA 2019; MIT) learned metric depth from indoor scenes (NYU Depth v2): rooms look right, landscapes do not.
      The other networks in the menu start from FastDepth and learned from a kitchen video (the menu's tooltips say how); their held-out AbsRel is measured on later frames of that kitchen, not on other scenes. <span class="dp-credit"></span></p>`;
    const $ = (s) => el.querySelector(s);
    el.querySelectorAll('[data-sample]').forEach((b) => b.addEventListener('click', () => this.#loadSample(SAMPLES[+b.dataset.sample])));
    // The file button, and dropping or pasting anywhere on the widget (an .onnx file is a model).
    acceptImages(this.shadowRoot.querySelector('.ep-frame'), $('input[type=file]'),
      (f) => (/\.onnx$/i.test(f.name) ? this.#chooseModel(f) : this.#loadFile(f)));
    // Starts the webcam, or stops it while it runs (the button says which).
    $('.dp-webcam').addEventListener('click', () => (this.webcamActive ? this.#stopVideo('Webcam stopped.') : this.#startWebcam()));
    const onnx = $('.dp-onnx');
    onnx.addEventListener('change', () => { const f = onnx.files?.[0]; onnx.value = ''; if (f) this.#chooseModel(f); });
    const menu = $('.dp-menu');
    menu.addEventListener('change', () => this.#selectModel(menu.value));
    const menu2 = $('.dp-menu2');
    const box = $('.dp-compare');
    box.addEventListener('change', () => this.#setCompare(box.checked ? menu2.value : null));
    menu2.addEventListener('change', () => { this.#compareKey = menu2.value; this.#setCompare(menu2.value); }); // choosing one turns it on
    $('.dp-spec').addEventListener('submit', (e) => { e.preventDefault(); this.#submitSpec(); });
    $('.dp-spec-cancel').addEventListener('click', () => { $('.dp-spec').hidden = true; this.#pendingModel = null; });
    el.querySelectorAll('[data-mode]').forEach((b) => b.addEventListener('click', () => this.#setMode(b.dataset.mode)));
    const map = $('.dp-map');
    this.#map = COLORMAPS.includes(this.getAttribute('colormap')) ? this.getAttribute('colormap') : 'turbo';
    map.value = this.#map;
    map.addEventListener('change', () => { this.#map = map.value; this.#paintDepth(); });
    $('.dp-swap').addEventListener('change', (e) => { this.#swap = e.target.checked; this.#paintDepth(); });
    $('.dp-fov').addEventListener('input', (e) => {
      this.#fov = +e.target.value;
      $('.dp-fov-value').textContent = `${this.#fov}°`;
      this.#cloud?.setFov(this.#fov);
    });
    $('.dp-play').addEventListener('click', () => {
      const v = this.#video?.el;
      if (!v) return;
      if (v.paused) v.play().catch((e) => this.showError(`The clip does not play: ${e.message}`)); else v.pause();
    });
    $('.dp-scrub').addEventListener('input', (e) => {
      const v = this.#video?.el;
      if (v && Number.isFinite(v.duration)) { v.pause(); v.currentTime = +e.target.value * v.duration; }
    });
    $('.dp-png').addEventListener('click', () => this.#download('png'));
    $('.dp-ply').addEventListener('click', () => this.#download('ply'));
    const stage = $('.dp-stage');
    this.#view = new TwoUp(stage, { onDraw: () => {} });
    stage.addEventListener('pointermove', (e) => this.#probe(e));
    stage.addEventListener('pointerleave', () => { $('.dp-probe').textContent = 'Point at the picture to read the depth.'; });
    return el;
  }

  #pendingModel = null; // {file, bytes, info?}

  get #el() { return this.body.firstElementChild; }
  #q(s) { return this.#el.querySelector(s); }

  async start() {
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#catalog = await loadCatalog();
    const note = this.#q('.dp-catalog-note');
    note.hidden = !this.#catalog.note;
    note.textContent = this.#catalog.note ?? '';
    const models = this.#catalog.models;
    const want = this.#entry(this.getAttribute('model')) ?? models[0];
    this.#model = want.key;
    this.#compareKey = (this.#entry(this.getAttribute('compare')) ?? models.find((m) => m.key !== want.key) ?? want).key;
    this.#buildMenus();
    // The chosen network, or the next one that loads (each failure is said).
    const errors = [];
    for (const m of [want, ...models.filter((x) => x !== want)]) {
      try { this.#useModel(m.key, await this.#loadBuiltin(m), false); break; } catch (e) { errors.push(`${m.name}: ${e.message}`); }
    }
    if (errors.length) this.showError(`${errors.join('; ')}.${this.#modelInfo ? ` ${this.#modelInfo.name} is used instead.` : ''}`);
    if (!this.#modelInfo) return;
    if (this.hasAttribute('compare')) await this.#setCompare(this.#compareKey, false);
    const mode = this.getAttribute('view');
    if (['split', 'side', 'cloud'].includes(mode)) this.#setMode(mode);
    const src = this.getAttribute('src');
    if (src) await this.#loadPicture(() => fetchImage(new URL(src, document.baseURI).href), src.split('/').pop());
    else await this.#loadSample(SAMPLES[0]);
  }

  #entry(key) { return this.#catalog.models.find((m) => m.key === key) ?? null; }

  /** A shipped network, loaded once per engine (byte progress on the first load); its info. */
  async #loadBuiltin(m) {
    this.setProgress(`Loading ${m.name}…`);
    try {
      const info = await this.call('loadBuiltin', { key: m.key, file: m.file, name: m.name }, {
        onProgress: (p) => this.setProgress(`Loading ${m.name}… ${mb(p.loaded)}${p.total ? ` / ${mb(p.total)}` : ''} MB`),
      });
      this.#infos.set(m.key, info);
      return info;
    } finally { this.setProgress(null); }
  }

  /** Makes sure model `key` is loaded in the (possibly new) engine; its info. */
  async #ensure(key) {
    if (this.#user && key === this.#user.key) {
      const { name, bytes, spec } = this.#user;
      this.#user.info = await this.call('loadModel', { key, name, bytes: bytes.slice(0), spec });
      this.#infos.set(key, this.#user.info);
      return this.#user.info;
    }
    const m = this.#entry(key);
    if (!m) throw new Error(`no model “${key}”`);
    return this.#loadBuiltin(m);
  }

  closeSession() {
    this.#stopVideo(null);
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#cloud?.destroy();
    this.#cloud = null;
    if (this.#user) this.call('unload', { key: this.#user.key }).catch(() => {});
  }

  async reopen() {
    // The engine may be new (after a crash) or the element was re-attached: reload models.
    document.addEventListener('visibilitychange', this.#onVisibility);
    try { this.#useModel(this.#model, await this.#ensure(this.#model), false); } catch (_) {
      const m = this.#catalog.models[0];
      this.#useModel(m.key, await this.#loadBuiltin(m), false);
    }
    if (this.#compare) {
      try { await this.#ensure(this.#compare); } catch (_) { this.#setCompare(null, false); }
    }
    if (this.#frame) await this.#runFrame(this.#frame);
  }

  backendChanged() {
    this.#liveMs.clear(); // timings of the other path
    this.#labelMenus();
    if (this.#frame && !this.#video) this.#runFrame(this.#frame);
  }

  badge(s) {
    const b = super.badge(s);
    const info = this.#modelInfo;
    const info2 = this.#compare ? this.#infos.get(this.#compare) : null;
    if (info?.executor === 'tract') {
      return { ...b, path: 'cpu', text: 'CPU · tract (WASM)', title: `This model runs on tract in WebAssembly: ${info.reason}` };
    }
    if (this.#depth && this.#depth.path !== s.path) {
      const gpu = this.#depth.path === 'gpu';
      return { ...b, path: this.#depth.path, text: gpu ? b.text : 'CPU · tract (WASM)', title: this.#depth.fallback ? `The GPU failed, the CPU took over: ${this.#depth.fallback}` : this.#depth.choice ?? b.title };
    }
    if (info2?.executor === 'tract' && b.path === 'gpu') return { ...b, title: `${b.title}; ${info2.name} (compared) runs on tract in WebAssembly: ${info2.reason}` };
    return b;
  }

  /** The last result (tests and host pages): {width, height, min, max, output, path, ms, model,
   *  key, frames, skipped, compare: {key, model, min, max, output, path, ms} | null}. */
  get result() { return this.#last; }

  // ---- sources ----

  async #loadSample(s) {
    if (s.video) return this.#startVideo({ url: here(s.url), label: s.name, credit: s.credit });
    this.#q('.dp-credit').textContent = s.credit ? `Sample: ${s.credit}.` : '';
    return this.#loadPicture(() => fetchImage(here(s.url)), s.name);
  }

  async #loadFile(f) {
    this.clearError();
    if (f.size === 0) { this.showError(`“${f.name}” is empty (0 bytes).`); return; }
    if (f.type.startsWith('video/') || /\.(mp4|webm|mov|m4v)$/i.test(f.name)) {
      this.#q('.dp-credit').textContent = '';
      return this.#startVideo({ url: URL.createObjectURL(f), label: f.name, own: true });
    }
    this.#q('.dp-credit').textContent = '';
    return this.#loadPicture(() => decodeImage(f), f.name);
  }

  async #loadPicture(decode, label) {
    this.clearError();
    let img;
    try { img = await decode(); } catch (e) {
      this.showError(e instanceof ImageInputError ? e.message : `Could not read the picture: ${e.message}`);
      return;
    }
    this.#stopVideo(null);
    this.#notice(img.notice);
    const bitmap = await createImageBitmap(new ImageData(new Uint8ClampedArray(img.rgba), img.width, img.height));
    await this.#runFrame({ rgba: img.rgba, width: img.width, height: img.height, bitmap, label });
  }

  async #startWebcam() {
    this.clearError();
    if (!navigator.mediaDevices?.getUserMedia) { this.showError('This browser gives no camera access here (it needs https or localhost).'); return; }
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 640 }, height: { ideal: 480 } }, audio: false });
    } catch (e) {
      this.showError(`No camera: ${e.name === 'NotAllowedError' ? 'permission was denied' : e.message}.`);
      return;
    }
    this.#q('.dp-credit').textContent = 'Webcam frames stay in this page: they are processed here and sent nowhere.';
    await this.#startVideo({ stream, label: 'Webcam' });
  }

  async #startVideo({ url, stream, label, credit, own }) {
    this.#stopVideo(null);
    const v = document.createElement('video');
    v.muted = true;
    v.playsInline = true;
    v.loop = !stream;
    v.crossOrigin = 'anonymous';
    const video = { el: v, kind: stream ? 'webcam' : 'file', url: own ? url : null, stream, label };
    this.#video = video;
    this.#stats = { frames: 0, skipped: 0, times: [] };
    if (credit) this.#q('.dp-credit').textContent = `Sample: ${credit}.`;
    this.#q('.dp-video').hidden = false;
    this.#q('.dp-scrub').hidden = this.#q('.dp-time').hidden = !!stream;
    this.#q('.dp-webcam').textContent = stream ? 'Stop webcam' : 'Webcam';
    const ready = new Promise((resolve, reject) => {
      v.addEventListener('loadeddata', resolve, { once: true });
      v.addEventListener('error', () => reject(new Error(v.error?.message || 'unreadable or unsupported video')), { once: true });
    });
    if (stream) v.srcObject = stream; else v.src = url;
    try {
      await ready;
      if (this.#video !== video) return;
      await v.play();
    } catch (e) {
      if (this.#video !== video) return;
      this.#stopVideo(null);
      this.showError(`${label}: this video cannot be played here (${e.message}). Try an MP4 (H.264) or WebM file.`);
      return;
    }
    const onFrame = () => {
      if (this.#video !== video) return;
      this.#videoFrame(video);
      v.requestVideoFrameCallback(onFrame);
    };
    v.requestVideoFrameCallback(onFrame);
    v.addEventListener('seeked', () => this.#videoFrame(video));
    v.addEventListener('play', () => { this.#q('.dp-play').textContent = 'Pause'; });
    v.addEventListener('pause', () => { this.#q('.dp-play').textContent = 'Play'; });
    v.addEventListener('timeupdate', () => this.#showTime(v));
    // Stop a webcam when the element scrolls far out of view.
    this.#visObserver = new IntersectionObserver((entries) => {
      if (video.kind === 'webcam' && entries.every((e) => !e.isIntersecting)) this.#stopVideo('The webcam stopped because the demo left the screen.');
    });
    this.#visObserver.observe(this);
  }

  #stopVideo(message) {
    const video = this.#video;
    if (!video) return;
    this.#video = null;
    this.#visObserver?.disconnect();
    video.el.pause();
    video.stream?.getTracks().forEach((t) => t.stop());
    video.el.removeAttribute('src');
    video.el.srcObject = null;
    if (video.url) URL.revokeObjectURL(video.url);
    if (!this.body.firstElementChild) return;
    this.#q('.dp-video').hidden = true;
    const cam = this.#q('.dp-webcam');
    cam.textContent = 'Webcam';
    if (message) this.#notice(message);
  }

  #showTime(v) {
    if (!Number.isFinite(v.duration)) return;
    this.#q('.dp-scrub').value = String(v.currentTime / v.duration);
    this.#q('.dp-time').textContent = `${v.currentTime.toFixed(1)} / ${v.duration.toFixed(1)} s`;
  }

  /** A presented video frame: processed if the engine is free, otherwise skipped. */
  async #videoFrame(video) {
    if (this.#busy) { this.#stats.skipped++; this.#dirty = true; return; }
    const v = video.el;
    if (!v.videoWidth) return;
    const scale = Math.min(1, VIDEO_SIDE / Math.max(v.videoWidth, v.videoHeight));
    const width = Math.max(1, Math.round(v.videoWidth * scale));
    const height = Math.max(1, Math.round(v.videoHeight * scale));
    const c = new OffscreenCanvas(width, height);
    const ctx = c.getContext('2d', { willReadFrequently: true });
    ctx.drawImage(v, 0, 0, width, height);
    const rgba = ctx.getImageData(0, 0, width, height).data;
    const bitmap = c.transferToImageBitmap();
    this.#dirty = false;
    await this.#runFrame({ rgba, width, height, bitmap, label: video.label, time: v.currentTime });
    // A frame shown while this one was computed (paused video, seek): do the latest one.
    if (this.#dirty && this.#video === video && v.paused) this.#videoFrame(video);
  }

  // ---- models ----

  /** Fills both menus: the shipped networks (labels from models.json and this page's timings),
   *  then the visitor's model if one is loaded. */
  #buildMenus() {
    const option = (key, text, title) => { const o = document.createElement('option'); o.value = key; o.textContent = text; o.title = title; return o; };
    for (const sel of [this.#q('.dp-menu'), this.#q('.dp-menu2')]) {
      const opts = this.#catalog.models.map((m) => option(m.key, '', modelTitle(m, this.#catalog.json)));
      if (this.#user) opts.push(option(this.#user.key, '', `Your model: ${this.#user.name}`));
      sel.replaceChildren(...opts);
    }
    this.#labelMenus();
    this.#q('.dp-menu').value = this.#model;
    this.#q('.dp-menu2').value = this.#compareKey;
    // Comparing needs two networks (FastDepth alone, until the visitor brings one).
    this.#q('.dp-compare-row').hidden = this.#q('.dp-menu').options.length < 2;
    const held = heldoutName(this.#catalog.json);
    this.#q('.dp-menu-hint').textContent = this.#catalog.json
      ? `AbsRel: mean relative depth error on ${held ? `the held-out ${held}` : 'held-out frames'} (lower is better), after median scaling / as metres; fps: the native CLI on one CPU thread; ms/frame: measured in this page on its path.`
      : 'ms/frame: measured in this page on its path.';
  }

  /** Option texts, with the ms per frame measured here (only rewritten when they change). */
  #labelMenus() {
    for (const sel of [this.#q('.dp-menu'), this.#q('.dp-menu2')]) {
      for (const o of sel.options) {
        const ms = this.#liveMs.get(o.value) ?? null;
        const m = this.#entry(o.value);
        const text = m ? modelLabel(m, ms) : modelLabel({ name: `${this.#user?.name} (your model)` }, ms);
        if (o.textContent !== text) o.textContent = text;
      }
    }
  }

  /** The visitor chose `key` in the menu: load it (a shipped network is fetched once). */
  async #selectModel(key) {
    this.clearError();
    const token = ++this.#choice;
    let info;
    try { info = await this.#ensure(key); } catch (e) {
      if (token !== this.#choice) return;
      this.#q('.dp-menu').value = this.#model;
      this.showError(`${this.#entry(key)?.name ?? key}: ${e.message}. ${this.#modelInfo?.name ?? 'The previous model'} stays in use.`);
      return;
    }
    if (token === this.#choice) this.#useModel(key, info);
  }

  /** Compare with model `key` (null: stop comparing). */
  async #setCompare(key, refresh = true) {
    const token = ++this.#compareChoice;
    const box = this.#q('.dp-compare');
    if (!key) {
      box.checked = false;
      this.#compare = null;
      this.#depth2 = null;
      this.#captions = null;
      this.refreshBadge();
      this.#paintDepth();
      return;
    }
    box.checked = true;
    let info;
    try { info = await this.#ensure(key); } catch (e) {
      if (token !== this.#compareChoice) return;
      this.showError(`${this.#entry(key)?.name ?? key}: ${e.message}. Compare mode is off.`);
      this.#setCompare(null);
      return;
    }
    if (token !== this.#compareChoice || !box.checked) return;
    const was = this.#compare;
    this.#compare = key;
    this.#compareKey = key;
    this.#q('.dp-menu2').value = key;
    this.#infos.set(key, info);
    if (!was && this.#mode !== 'side') this.#setMode('side');
    this.refreshBadge();
    if (refresh) this.#refresh();
  }

  async #chooseModel(file) {
    this.clearError();
    const current = this.#modelInfo?.name || 'FastDepth';
    if (file.size === 0) { this.showError(`“${file.name}” is empty (0 bytes).`); return; }
    if (file.size > MAX_MODEL_MB * 1e6) { this.showError(`“${file.name}” is ${(file.size / 1e6).toFixed(0)} MB; models up to ${MAX_MODEL_MB} MB load here. ${current} stays in use.`); return; }
    const bytes = await file.arrayBuffer();
    this.#pendingModel = { name: file.name, bytes };
    // Guess: declared size, FastDepth-style pixels and metric output unless the name says
    // otherwise; the form lets the visitor correct it.
    const relative = /midas|dpt|depth[-_]?anything|relative/i.test(file.name);
    const form = this.#q('.dp-spec');
    form.querySelector('.dp-spec-name').textContent = file.name;
    form.elements.norm.value = relative ? 'imagenet' : 'unit';
    form.elements.output.value = relative ? 'relative' : 'metric';
    form.elements.width.value = '';
    form.elements.height.value = '';
    await this.#submitSpec(true);
  }

  async #submitSpec(first = false) {
    const p = this.#pendingModel;
    if (!p) return;
    const form = this.#q('.dp-spec');
    const f = form.elements;
    const spec = { relative: f.output.value === 'relative' };
    if (f.norm.value === 'imagenet') { spec.mean = [0.485, 0.456, 0.406]; spec.std = [0.229, 0.224, 0.225]; } else { spec.mean = [0, 0, 0]; spec.std = [1, 1, 1]; }
    if (f.width.value && f.height.value) { spec.width = +f.width.value; spec.height = +f.height.value; }
    const key = `user-${this.#id}-${++this.#userModels}`;
    this.setProgress(`Reading ${p.name}…`);
    try {
      // The bytes are copied (not transferred) so the form can retry with other settings.
      const info = await this.call('loadModel', { key, name: p.name, bytes: p.bytes.slice(0), spec });
      form.hidden = true;
      this.#pendingModel = null;
      // One model of the visitor's at a time: the new one takes the old one's place everywhere.
      const old = this.#user;
      this.#user = { key, name: p.name, bytes: p.bytes, spec, info };
      if (old) {
        if (this.#compare === old.key) this.#compare = key;
        if (this.#compareKey === old.key) this.#compareKey = key;
        this.call('unload', { key: old.key }).catch(() => {});
        this.#infos.delete(old.key);
      }
      this.#liveMs.delete(old?.key);
      this.#model = key;
      this.#buildMenus();
      this.#useModel(key, info);
      f.width.value = info.width; f.height.value = info.height;
    } catch (e) {
      form.hidden = false;
      const noSize = /input size/.test(e.message);
      this.showError(`${p.name}: ${e.message}.${noSize ? ' Set the input size below.' : ''} ${this.#modelInfo?.name || 'FastDepth'} stays in use.`);
      if (first && !noSize) { form.hidden = true; this.#pendingModel = null; }
    } finally { this.setProgress(null); }
  }

  /** Model `key` (loaded, `info`) is now the one in use. */
  #useModel(key, info, refresh = true) {
    this.#model = key;
    this.#modelInfo = info;
    this.#infos.set(key, info);
    this.#q('.dp-menu').value = key;
    const about = this.#entry(key)?.about;
    this.#q('.dp-model-name').textContent = `${info.name}${about ? ` — ${about}` : ''} · ${info.width}×${info.height} input · ${info.output === 'metric' ? 'metres' : 'relative inverse depth'} · ${info.executor === 'wgsl' ? 'our WGSL executor' : `tract (${info.reason})`}`;
    this.refreshBadge();
    if (refresh) this.#refresh();
  }

  /** Redo the current frame with the model now in use (a playing video does it anyway). */
  #refresh() { if (this.#frame && (!this.#video || this.#video.el.paused)) this.#runFrame(this.#frame); }

  // ---- computing and drawing ----

  async #runFrame(frame) {
    const seq = ++this.#seq;
    this.#busy = true;
    const sizeChanged = !this.#frame || this.#frame.width !== frame.width || this.#frame.height !== frame.height;
    this.#frame = frame;
    if (sizeChanged) this.#view.setImageSize(frame.width, frame.height);
    const key = this.#model;
    const key2 = this.#compare;
    const info = this.#modelInfo;
    if (!this.#video) this.setProgress(`Estimating depth of ${frame.width}×${frame.height}${key2 ? ' with two networks' : ''}…`);
    const t0 = performance.now();
    try {
      // A copy goes to the engine; the frame keeps its pixels for the point cloud and PLY.
      const predict = (k, tag) => {
        const rgba = new Uint8Array(frame.rgba);
        return this.call('predict', { key: k, rgba, width: frame.width, height: frame.height }, { transfer: [rgba.buffer], key: `depth-${this.#id}${tag}` });
      };
      const out = await predict(key, '');
      if (seq !== this.#seq) return;
      // The second network after the first (one at a time: each one's time is its own).
      let out2 = null;
      if (key2) {
        try { out2 = await predict(key2, '-compare'); } catch (e) {
          if (e instanceof Superseded || seq !== this.#seq) return;
          this.showError(`${this.#infos.get(key2)?.name ?? key2}: ${e.message}. Compare mode is off.`);
          this.#setCompare(null);
        }
        if (seq !== this.#seq) return;
      }
      this.#depth = out;
      this.#depth2 = out2 && this.#compare === key2 ? out2 : null;
      this.#liveMs.set(key, out.ms);
      if (out2) this.#liveMs.set(key2, out2.ms);
      this.#labelMenus();
      const t = performance.now();
      const st = this.#stats;
      st.frames++;
      st.times.push(t);
      while (st.times.length > 10) st.times.shift(); // frame rate over the last 10 frames
      await this.#paintDepth();
      this.refreshBadge();
      this.#showStats(out, t - t0);
      const info2 = this.#depth2 ? this.#infos.get(key2) : null;
      this.#last = {
        width: out.width, height: out.height, min: out.min, max: out.max, output: out.output, path: out.path, fallback: out.fallback, choice: out.choice,
        ms: out.ms, model: info?.name, key, frames: st.frames, skipped: st.skipped, time: frame.time ?? null, fps: this.#fps(),
        compare: this.#depth2 ? { key: key2, model: info2?.name, min: out2.min, max: out2.max, output: out2.output, path: out2.path, ms: out2.ms } : null,
      };
      this.#q('.dp-png').disabled = this.#q('.dp-ply').disabled = false;
      this.dispatchEvent(new CustomEvent('result', { detail: this.#last }));
    } catch (e) {
      if (e instanceof Superseded) return;
      if (this.#video) this.#stopVideo(null);
      this.showError(e.message);
    } finally {
      if (seq === this.#seq) this.#busy = false;
      if (!this.#video) this.setProgress(null);
    }
  }

  #fps() {
    const t = this.#stats.times;
    return t.length > 1 ? ((t.length - 1) * 1000) / (t[t.length - 1] - t[0]) : null;
  }

  async #lut(name) {
    if (!this.#luts.has(name)) this.#luts.set(name, this.call('lut', { name }));
    return this.#luts.get(name);
  }

  /** RGBA of depth map `d` coloured over [lo, hi] (same rule as `edgeplay depth --colormap`). */
  #colour(d, lut, lo, hi) {
    const metric = d.output === 'metric';
    const px = new Uint8ClampedArray(d.width * d.height * 4);
    for (let i = 0, n = d.width * d.height; i < n; i++) {
      const v = d.depth[i];
      const o = i * 4;
      if (Number.isFinite(v)) {
        const k = colorIndex(v, lo, hi, metric, this.#swap) * 3;
        px[o] = lut[k]; px[o + 1] = lut[k + 1]; px[o + 2] = lut[k + 2];
      }
      px[o + 3] = 255;
    }
    return px;
  }

  /** Colours the last depth map(s): alone, the picture and its depth over the map's own range;
   *  comparing, both maps over their joint range (one legend) when both are of one kind. */
  async #paintDepth() {
    const d = this.#depth;
    if (!d) return;
    const lut = await this.#lut(this.#map);
    const d2 = this.#compare ? this.#depth2 : null;
    const metric = d.output === 'metric';
    const joint = !!d2 && d2.output === d.output;
    const lo = joint ? Math.min(d.min, d2.min) : d.min;
    const hi = joint ? Math.max(d.max, d2.max) : d.max;
    const px = this.#colour(d, lut, lo, hi);
    this.#depthPixels = px;
    this.#depthBitmap?.close?.();
    this.#depthBitmap = await createImageBitmap(new ImageData(px, d.width, d.height));
    const unit = metric ? 'm' : '';
    const stage = this.#q('.dp-stage');
    if (d2) {
      const px2 = this.#colour(d2, lut, joint ? lo : d2.min, joint ? hi : d2.max);
      this.#depthBitmap2?.close?.();
      this.#depthBitmap2 = await createImageBitmap(new ImageData(px2, d2.width, d2.height));
      const name2 = this.#infos.get(this.#compare)?.name ?? '';
      this.#captions = [`${this.#modelInfo?.name ?? ''} · ${d.ms.toFixed(0)} ms`, `${name2} · ${d2.ms.toFixed(0)} ms${joint ? '' : ' · own scale'}`];
      this.#view.setSides({ left: { bitmap: this.#depthBitmap, label: this.#captions[0] }, right: { bitmap: this.#depthBitmap2, label: this.#captions[1] } });
      stage.setAttribute('aria-label', `Depth by ${this.#captions[0]} (left) and ${this.#captions[1]} (right); drag the divider, scroll to zoom; drop or paste a picture or clip here`);
      this.#inset(this.#frame.bitmap);
    } else {
      this.#inset(null);
      this.#captions = null;
      this.#view.setSides({
        left: { bitmap: this.#frame.bitmap, label: this.#frame.label },
        right: { bitmap: this.#depthBitmap, label: `depth · ${this.#modelInfo?.name ?? ''}` },
      });
      stage.setAttribute('aria-label', 'Picture and depth; drag the divider, scroll to zoom; drop or paste a picture or clip here');
    }
    this.#legend(lut, lo, hi, metric, unit);
    if (this.#mode === 'cloud') this.#updateCloud();
  }

  /** Comparing, the picture itself in a corner of the stage (null: hidden). */
  #inset(bitmap) {
    const c = this.#q('.dp-inset');
    c.hidden = !bitmap;
    if (!bitmap) return;
    const s = Math.min(1, 160 / bitmap.width, 120 / bitmap.height);
    const w = Math.max(1, Math.round(bitmap.width * s));
    const h = Math.max(1, Math.round(bitmap.height * s));
    if (c.width !== w || c.height !== h) { c.width = w; c.height = h; }
    c.getContext('2d').drawImage(bitmap, 0, 0, w, h);
  }

  #depthPixels = null;

  /** The colours of the last depth picture, RGBA (tests compare it with the CLI's). */
  get depthPixels() { return this.#depthPixels; }

  /** The last depth maps {depth, width, height, min, max, output, path, ms}: the menu model's,
   *  and the compared one's or null (tests). */
  get depthMaps() { return [this.#depth, this.#depth2]; }

  /** The two maps' captions while comparing (name · ms in the page), else null. */
  get captions() { return this.#captions ? [...this.#captions] : null; }

  #legend(lut, lo, hi, metric) {
    const bar = this.#q('.dp-bar');
    const ctx = bar.getContext('2d');
    const img = ctx.createImageData(256, 1);
    for (let x = 0; x < 256; x++) {
      // Left end = the low value (near for metric depth).
      const k = colorIndex(lo + ((hi - lo) * x) / 255, lo, hi, metric, this.#swap) * 3;
      img.data.set([lut[k], lut[k + 1], lut[k + 2], 255], x * 4);
    }
    for (let y = 0; y < bar.height; y++) ctx.putImageData(img, 0, y);
    const f = (v) => (metric ? `${v.toFixed(2)} m` : v.toPrecision(3));
    this.#q('.dp-lo').textContent = metric ? `${f(lo)} near` : `${f(lo)} far`;
    this.#q('.dp-mid').textContent = f((lo + hi) / 2);
    this.#q('.dp-hi').textContent = metric ? `${f(hi)} far` : `${f(hi)} near (relative inverse depth)`;
  }

  #probe(e) {
    const d0 = this.#depth;
    if (!d0) return;
    const at = this.#view.imageAt(e.clientX, e.clientY);
    const out = this.#q('.dp-probe');
    if (!at) { out.textContent = 'Point at the picture to read the depth.'; return; }
    // Comparing, each side is its own network's map.
    const second = this.#depth2 && this.#compare && at.side === 'right';
    const d = second ? this.#depth2 : d0;
    const v = d.depth[at.y * d.width + at.x];
    const who = this.#depth2 && this.#compare ? ` (${second ? this.#infos.get(this.#compare)?.name : this.#modelInfo?.name})` : '';
    out.textContent = `(${at.x}, ${at.y}): ${d.output === 'metric' ? `${v.toFixed(2)} m` : `${v.toPrecision(3)} (relative inverse depth)`}${who}`;
  }

  #showStats(out, wallMs) {
    const info = this.#modelInfo;
    const range = (o) => (o.output === 'metric' ? `${o.min.toFixed(2)} – ${o.max.toFixed(2)} m` : `${o.min.toPrecision(3)} – ${o.max.toPrecision(3)} (relative)`);
    const path = (o) => (o.path === 'gpu' ? 'WebGPU' : 'CPU, tract');
    const rows = [
      ['Model', info ? `${info.name} · ${info.width}×${info.height} input` : '—'],
      ['Frame', `${out.width}×${out.height}`],
      ['Depth range', range(out)],
      ['Time', `${out.ms.toFixed(0)} ms in the engine (${path(out)}), ${wallMs.toFixed(0)} ms in all`],
    ];
    const d2 = this.#depth2;
    if (d2) {
      const info2 = this.#infos.get(this.#compare);
      rows.push(['Compared with', `${info2?.name ?? ''} · ${range(d2)} · ${d2.ms.toFixed(0)} ms in the engine (${path(d2)})`]);
    }
    if (this.#video) {
      const fps = this.#fps();
      rows.push(['Video', `${fps ? `${fps.toFixed(1)} depth frames/s` : '…'}${d2 ? ' (both networks)' : ''} · ${this.#stats.frames} done, ${this.#stats.skipped} skipped while busy`]);
      this.#q('.dp-fps').textContent = `${fps ? fps.toFixed(1) : '–'} fps · ${(out.ms + (d2?.ms ?? 0)).toFixed(0)} ms/frame`;
    }
    if (out.fallback) rows.push(['Note', out.fallback]);
    else if (out.choice) rows.push(['Path', out.choice]);
    if (d2?.fallback) rows.push(['Note', d2.fallback]);
    const dl = this.#q('.dp-stats');
    dl.replaceChildren(...rows.flatMap(([k, v]) => { const dt = document.createElement('dt'); dt.textContent = k; const dd = document.createElement('dd'); dd.textContent = v; return [dt, dd]; }));
  }

  #setMode(mode) {
    this.#mode = mode;
    this.#el.querySelectorAll('[data-mode]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.mode === mode)));
    const cloud = mode === 'cloud';
    this.#q('.dp-stage').hidden = cloud;
    this.#q('.dp-cloud-stage').hidden = !cloud;
    this.#q('.dp-fov-row').hidden = !cloud;
    if (cloud) {
      if (!this.#cloud) {
        this.#cloud = new PointCloudView({ onError: (m) => this.showError(m) });
        this.#q('.dp-cloud-stage').append(this.#cloud.element);
      }
      this.#updateCloud();
    } else this.#view.setLayout(mode);
  }

  #updateCloud() {
    const d = this.#depth;
    if (!d || !this.#cloud || !this.#frame) return;
    if (this.#frame.width !== d.width || this.#frame.height !== d.height) return;
    this.#cloud.setFrame({ depth: d.depth, rgba: this.#frame.rgba, width: d.width, height: d.height, fovDeg: this.#fov, relative: d.output !== 'metric' });
  }

  /** Whether the webcam is running. */
  get webcamActive() { return this.#video?.kind === 'webcam'; }

  /** The point cloud view (tests read its backend and point count). */
  get pointCloud() { return this.#cloud; }

  async #download(kind) {
    const d = this.#depth;
    const f = this.#frame;
    if (!d || !f) return;
    try {
      const base = (f.label || 'depth').replace(/\.[a-z0-9]+$/i, '').replace(/[^\w.-]+/g, '_');
      let bytes;
      let name;
      if (kind === 'png') {
        bytes = await this.call('png16', { depth: d.depth.slice(), width: d.width, height: d.height, metric: d.output === 'metric' });
        name = `${base}.depth.png`;
      } else {
        bytes = await this.call('ply', { depth: d.depth.slice(), rgba: new Uint8Array(f.rgba), width: d.width, height: d.height, fov: this.#fov });
        name = `${base}.ply`;
      }
      const url = URL.createObjectURL(new Blob([bytes], { type: kind === 'png' ? 'image/png' : 'application/octet-stream' }));
      const a = document.createElement('a');
      a.href = url;
      a.download = name;
      this.shadowRoot.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10000);
      this.dispatchEvent(new CustomEvent('download', { detail: { kind, name, bytes } }));
    } catch (e) { this.showError(`Download failed: ${e.message}`); }
  }

  #notice(text) {
    const n = this.#q('.dp-notice');
    n.hidden = !text;
    n.textContent = text || '';
  }
}

if (!customElements.get('ep-depth')) customElements.define('ep-depth', EpDepth);
