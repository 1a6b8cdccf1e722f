// <ep-depth>: monocular depth of a photo, a video or the webcam — FastDepth (or an ONNX network
// the visitor brings) on the GPU (WebGPU, our WGSL executor) or the CPU (tract in WebAssembly).
// Views: picture and depth on a split or side by side (the shell's two-up view), or a 3-D point
// cloud; colormaps with a legend in metres; depth under the cursor; 16-bit PNG and PLY downloads.
//
// Attributes: `src` (picture URL to start with), `colormap` (turbo | viridis | inferno | grey),
// `view` (split | side | cloud).
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
import { COLORMAPS, SAMPLES, VIDEO_SIDE, MAX_MODEL_MB, colorIndex } from './meta.js';

const here = (p) => new URL(p, import.meta.url).href;
let uid = 0;

export class EpDepth extends EpWidget {
  static title = 'Depth from one camera (FastDepth)';
  static css = here('./depth.css');
  static feature = 'depth';
  static engines = ['depth'];

  #id = ++uid;
  #model = 'fastdepth'; // key of the model in use
  #modelInfo = null;
  #userModels = 0;
  #frame = null; // {rgba, width, height, bitmap, label}
  #depth = null; // last prediction {depth, width, height, min, max, output, path, ms}
  #depthBitmap = null;
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
        <span class="dp-model-name">FastDepth (NYU Depth v2, metres)</span>
        <label class="ep-chip ep-upload" title="An ONNX network from an RGB picture to one depth channel (e.g. MiDaS v2.1 small, Depth Anything V2 Small), up to ${MAX_MODEL_MB} MB">Your .onnx…<input type="file" accept=".onnx" hidden class="dp-onnx"></label>
        <button type="button" class="ep-chip dp-builtin" hidden>Back to FastDepth</button>
      </div>
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
      <p class="ep-notice" hidden></p>
      <div class="dp-stage ep-drop" tabindex="0" aria-label="Picture and depth; drag the divider, scroll to zoom; drop or paste a picture or clip here">
        <canvas class="dp-canvas" width="1" height="1"></canvas>
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
      FastDepth (Wofk et al., ICRA 2019; MIT) learned metric depth from indoor scenes (NYU Depth v2): rooms look right, landscapes do not. <span class="dp-credit"></span></p>`;
    const $ = (s) => el.querySelector(s);
    el.querySelectorAll('[data-sample]').forEach((b) => b.addEventListener('click', () => this.#loadSample(SAMPLES[+b.dataset.sample])));
    // The file button, and dropping or pasting anywhere on the widget (an .onnx file is a model).
    acceptImages(this.shadowRoot.querySelector('.ep-frame'), $('input[type=file]'),
      (f) => (/\.onnx$/i.test(f.name) ? this.#chooseModel(f) : this.#loadFile(f)));
    $('.dp-webcam').addEventListener('click', () => this.#startWebcam());
    const onnx = $('.dp-onnx');
    onnx.addEventListener('change', () => { const f = onnx.files?.[0]; onnx.value = ''; if (f) this.#chooseModel(f); });
    $('.dp-builtin').addEventListener('click', () => this.#useModel('fastdepth', null));
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
    await this.#loadFastDepth();
    const mode = this.getAttribute('view');
    if (['split', 'side', 'cloud'].includes(mode)) this.#setMode(mode);
    const src = this.getAttribute('src');
    if (src) await this.#loadPicture(() => fetchImage(new URL(src, document.baseURI).href), src.split('/').pop());
    else await this.#loadSample(SAMPLES[0]);
  }

  async #loadFastDepth() {
    this.setProgress('Loading FastDepth (5.8 MB)…');
    try {
      const info = await this.call('loadFastDepth', {}, {
        onProgress: (p) => this.setProgress(`Loading FastDepth… ${(p.loaded / 1e6).toFixed(1)}${p.total ? ` / ${(p.total / 1e6).toFixed(1)}` : ''} MB`),
      });
      if (this.#model === 'fastdepth') this.#modelInfo = info;
    } finally { this.setProgress(null); }
  }

  closeSession() {
    this.#stopVideo(null);
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#cloud?.destroy();
    this.#cloud = null;
    if (this.#model !== 'fastdepth') this.call('unload', { key: this.#model }).catch(() => {});
  }

  async reopen() {
    // The engine may be new (after a crash) or the element was re-attached: reload models.
    document.addEventListener('visibilitychange', this.#onVisibility);
    const user = this.#model !== 'fastdepth' ? this.#userSpec : null;
    await this.#loadFastDepth();
    if (user) {
      try { await this.call('loadModel', { key: this.#model, ...user }); } catch (_) { this.#useModel('fastdepth', null); }
    }
    if (this.#frame) await this.#runFrame(this.#frame);
  }

  backendChanged() { if (this.#frame && !this.#video) this.#runFrame(this.#frame); }

  badge(s) {
    const b = super.badge(s);
    const info = this.#modelInfo;
    if (info?.executor === 'tract') {
      return { ...b, path: 'cpu', text: 'CPU · tract (WASM)', title: `This model runs on tract in WebAssembly: ${info.reason}` };
    }
    if (this.#depth && this.#depth.path !== s.path) {
      const gpu = this.#depth.path === 'gpu';
      return { ...b, path: this.#depth.path, text: gpu ? b.text : 'CPU · tract (WASM)', title: this.#depth.fallback ? `The GPU failed, the CPU took over: ${this.#depth.fallback}` : b.title };
    }
    return b;
  }

  /** The last result (tests and host pages): {width, height, min, max, output, path, ms, model, frames, skipped}. */
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
    if (stream) this.#q('.dp-webcam').onclick = () => this.#stopVideo('Webcam stopped.'); // replaced on stop
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
    cam.onclick = null;
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

  #userSpec = null;

  async #chooseModel(file) {
    this.clearError();
    if (file.size === 0) { this.showError(`“${file.name}” is empty (0 bytes).`); return; }
    if (file.size > MAX_MODEL_MB * 1e6) { this.showError(`“${file.name}” is ${(file.size / 1e6).toFixed(0)} MB; models up to ${MAX_MODEL_MB} MB load here. FastDepth stays in use.`); return; }
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
      this.#userSpec = { name: p.name, bytes: p.bytes, spec };
      const old = this.#model;
      this.#useModel(key, info);
      if (old !== 'fastdepth') this.call('unload', { key: old }).catch(() => {});
      f.width.value = info.width; f.height.value = info.height;
    } catch (e) {
      form.hidden = false;
      const noSize = /input size/.test(e.message);
      this.showError(`${p.name}: ${e.message}.${noSize ? ' Set the input size below.' : ''} ${this.#modelInfo?.name || 'FastDepth'} stays in use.`);
      if (first && !noSize) { form.hidden = true; this.#pendingModel = null; }
    } finally { this.setProgress(null); }
  }

  #useModel(key, info) {
    this.#model = key;
    if (key === 'fastdepth') { this.#userSpec = null; this.#loadFastDepth().then(() => this.#refresh()); }
    else { this.#modelInfo = info; this.#refresh(); }
    const name = this.#q('.dp-model-name');
    name.textContent = key === 'fastdepth'
      ? 'FastDepth (NYU Depth v2, metres)'
      : `${info.name} · ${info.width}×${info.height} · ${info.output === 'metric' ? 'metres' : 'relative inverse depth'} · ${info.executor === 'wgsl' ? 'our WGSL executor' : `tract (${info.reason})`}`;
    this.#q('.dp-builtin').hidden = key === 'fastdepth';
    this.refreshBadge();
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
    if (!this.#video) this.setProgress(`Estimating depth of ${frame.width}×${frame.height}…`);
    const t0 = performance.now();
    try {
      // A copy goes to the engine; the frame keeps its pixels for the point cloud and PLY.
      const rgba = new Uint8Array(frame.rgba);
      const out = await this.call('predict', { key: this.#model, rgba, width: frame.width, height: frame.height }, { transfer: [rgba.buffer], key: `depth-${this.#id}` });
      if (seq !== this.#seq) return;
      this.#depth = out;
      const t = performance.now();
      const st = this.#stats;
      st.frames++;
      st.times.push(t);
      while (st.times.length > 10) st.times.shift(); // frame rate over the last 10 frames
      await this.#paintDepth();
      this.refreshBadge();
      this.#showStats(out, t - t0);
      this.#last = {
        width: out.width, height: out.height, min: out.min, max: out.max, output: out.output, path: out.path, fallback: out.fallback,
        ms: out.ms, model: this.#modelInfo?.name, frames: st.frames, skipped: st.skipped, time: frame.time ?? null, fps: this.#fps(),
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

  /** Colours the last depth map (same rule as `edgeplay depth --colormap`). */
  async #paintDepth() {
    const d = this.#depth;
    if (!d) return;
    const lut = await this.#lut(this.#map);
    const metric = d.output === 'metric';
    const px = new Uint8ClampedArray(d.width * d.height * 4);
    const { min: lo, max: hi } = d;
    for (let i = 0, n = d.width * d.height; i < n; i++) {
      const v = d.depth[i];
      const o = i * 4;
      if (Number.isFinite(v)) {
        const k = colorIndex(v, lo, hi, metric, this.#swap) * 3;
        px[o] = lut[k]; px[o + 1] = lut[k + 1]; px[o + 2] = lut[k + 2];
      }
      px[o + 3] = 255;
    }
    this.#depthPixels = px;
    this.#depthBitmap?.close?.();
    this.#depthBitmap = await createImageBitmap(new ImageData(px, d.width, d.height));
    const unit = metric ? 'm' : '';
    this.#view.setSides({
      left: { bitmap: this.#frame.bitmap, label: this.#frame.label },
      right: { bitmap: this.#depthBitmap, label: `depth · ${this.#modelInfo?.name ?? ''}` },
    });
    this.#legend(lut, lo, hi, metric, unit);
    if (this.#mode === 'cloud') this.#updateCloud();
  }

  #depthPixels = null;

  /** The colours of the last depth picture, RGBA (tests compare it with the CLI's). */
  get depthPixels() { return this.#depthPixels; }

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
    const d = this.#depth;
    if (!d) return;
    const at = this.#view.imageAt(e.clientX, e.clientY);
    const out = this.#q('.dp-probe');
    if (!at) { out.textContent = 'Point at the picture to read the depth.'; return; }
    const v = d.depth[at.y * d.width + at.x];
    out.textContent = `(${at.x}, ${at.y}): ${d.output === 'metric' ? `${v.toFixed(2)} m` : `${v.toPrecision(3)} (relative inverse depth)`}`;
  }

  #showStats(out, wallMs) {
    const info = this.#modelInfo;
    const rows = [
      ['Model', info ? `${info.name} · ${info.width}×${info.height} input` : '—'],
      ['Frame', `${out.width}×${out.height}`],
      ['Depth range', out.output === 'metric' ? `${out.min.toFixed(2)} – ${out.max.toFixed(2)} m` : `${out.min.toPrecision(3)} – ${out.max.toPrecision(3)} (relative)`],
      ['Time', `${out.ms.toFixed(0)} ms in the engine (${out.path === 'gpu' ? 'WebGPU' : 'CPU, tract'}), ${wallMs.toFixed(0)} ms in all`],
    ];
    if (this.#video) {
      const fps = this.#fps();
      rows.push(['Video', `${fps ? `${fps.toFixed(1)} depth frames/s` : '…'} · ${this.#stats.frames} done, ${this.#stats.skipped} skipped while busy`]);
      this.#q('.dp-fps').textContent = `${fps ? fps.toFixed(1) : '–'} fps · ${out.ms.toFixed(0)} ms/frame`;
    }
    if (out.fallback) rows.push(['Note', out.fallback]);
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
    const n = this.#q('.ep-notice');
    n.hidden = !text;
    n.textContent = text || '';
  }
}

if (!customElements.get('ep-depth')) customElements.define('ep-depth', EpDepth);
