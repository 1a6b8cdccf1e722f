// <ep-channel>: a fading wireless channel seen through noisy pilots, and four trackers
// following it live — Kalman filters with the AR(2) model of the true Doppler (genie) and of
// one fixed Doppler, an LSTM, and the hypernetwork Kalman filter (HKF). Doppler, SNR and pilot
// spacing change the running channel at once; the NMSE-vs-Doppler curves of every tracker
// mark the current Doppler and the networks' training range. "Retrain" trains both networks
// again from the seed in the engine (progress, Cancel); the shipped weights come from the
// same code (`edgeplay channel --train --save`).
// Attributes: `setting` (wide | narrow, default wide), `doppler` (0.001–0.1, default 0.01),
// `snr` (dB, default 10), `spacing` (1, 2, 4, 8; default 2), `train-steps` (steps per network
// when retraining; default 1500 as shipped), `seqs` (sequences per curve point, default 64),
// `paused` (no live run until Play).

import { EpWidget } from '../shell/widget.js';
import { Superseded } from '../shell/runtime.js';
import { Progress } from '../shell/progress.js';
import { uPlot, PLOT_CSS, logTicks, onWidthChange, vline } from '../shell/plot.js';
import { TRACKERS, SETTINGS, DOPPLER, SNR, SPACINGS, CURVE_DOPPLERS, speedKmh } from './meta.js';

const here = (p) => new URL(p, import.meta.url).href;
const SPAN = 400; // steps on the live trace
const RATE = 120; // live steps a second
const CURVE_SEED = 11;
const VIEWS = { re: 'real part', im: 'imaginary part', mag: 'magnitude (dB)' };
const fmtD = (d) => (d >= 0.01 ? d.toFixed(3) : d.toFixed(4)).replace(/0+$/, '');
const fmtDb = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} dB` : '–');

let uid = 0;

export class EpChannel extends EpWidget {
  static title = 'Channel tracking with a hypernetwork Kalman filter';
  static feature = 'channel';
  static engines = ['channel'];
  static css = here('./channel.css');

  #id = `channel-${++uid}`;
  #setting = 'wide';
  #doppler = 0.01;
  #snr = 10;
  #spacing = 2;
  #trainSteps = 1500;
  #seqs = 64;
  #view = 're';
  #hidden = new Set();
  #playing = true;
  #info = null;
  #trace = null; // { n: [], h: [[re, im]], y: [], est: [[...]...] }
  #last = null; // last chunk
  #curve = null; // { points, snr, spacing, setting }
  #plots = { trace: null, curve: null };
  #progress = null;
  #loop = 0;
  #inFlight = false;
  #lastTick = 0;
  #visible = true;
  #io = null;
  #ro = [];
  #curveTimer = 0;
  #training = false;
  #openGen = 0;
  /** The latest curves and training (also sent as the `result` event). */
  result = null;

  render() {
    const attr = (n) => this.getAttribute(n);
    if (Object.hasOwn(SETTINGS, attr('setting') ?? '')) this.#setting = attr('setting');
    const d = parseFloat(attr('doppler'));
    if (d >= DOPPLER.min && d <= DOPPLER.max) this.#doppler = d;
    const s = parseFloat(attr('snr'));
    if (s >= SNR.min && s <= SNR.max) this.#snr = s;
    const sp = parseInt(attr('spacing'), 10);
    if (SPACINGS.includes(sp)) this.#spacing = sp;
    const ts = parseInt(attr('train-steps'), 10);
    if (ts > 0) this.#trainSteps = Math.min(20000, ts);
    const sq = parseInt(attr('seqs'), 10);
    if (sq > 0) this.#seqs = Math.min(1024, sq);
    if (this.hasAttribute('paused')) this.#playing = false;
    const el = document.createElement('div');
    el.className = 'ch';
    const logMin = Math.log10(DOPPLER.min), logMax = Math.log10(DOPPLER.max);
    el.innerHTML = `
      <link rel="stylesheet" href="${PLOT_CSS}">
      <div class="ep-row">
        <label class="ep-label" for="dop">Doppler</label>
        <input id="dop" class="ch-doppler" type="range" min="${logMin}" max="${logMax}" step="0.01" value="${Math.log10(this.#doppler)}"
          aria-label="normalised Doppler (log scale)">
        <output class="ch-doppler-value" for="dop"></output>
      </div>
      <div class="ep-row">
        <label class="ep-label" for="snr">SNR</label>
        <input id="snr" class="ch-snr" type="range" min="${SNR.min}" max="${SNR.max}" step="1" value="${this.#snr}" aria-label="pilot SNR in dB">
        <output class="ch-snr-value" for="snr"></output>
        <label class="ch-small">a pilot every <select class="ch-spacing">${SPACINGS.map((p) => `<option value="${p}">${p}</option>`).join('')}</select> steps</label>
      </div>
      <div class="ep-row">
        <span class="ep-label">Networks</span>
        ${Object.entries(SETTINGS).map(([k, v]) => `<button type="button" class="ep-chip" data-setting="${k}"
          title="HKF and LSTM trained on Doppler ${v.doppler[0]}–${v.doppler[1]}">${v.label} (${v.doppler[0]}–${v.doppler[1]})</button>`).join('')}
        <button type="button" class="ep-chip ch-train" title="Train both networks again from the seed, here in your browser">Retrain</button>
        <button type="button" class="ep-chip ch-play"></button>
        <label class="ch-small">show <select class="ch-view">${Object.entries(VIEWS).map(([k, v]) => `<option value="${k}">${v}</option>`).join('')}</select></label>
      </div>
      <div class="ch-busy-slot"></div>
      <div class="ch-panels">
        <figure class="ch-panel">
          <figcaption><span class="ep-label">Live: the channel and every tracker's estimate</span></figcaption>
          <div class="ch-trace"></div>
          <ul class="ch-legend"></ul>
          <p class="ep-hint ch-hkf-note"></p>
        </figure>
        <figure class="ch-panel">
          <figcaption><span class="ep-label">NMSE vs Doppler</span> <span class="ep-hint ch-curve-note"></span></figcaption>
          <div class="ch-curve"></div>
          <p class="ep-hint">Shaded: the Doppler range the networks were trained on. Dashed line: the slider.</p>
        </figure>
      </div>
      <p class="ep-caption">A Rayleigh fading channel (Jakes spectrum, sum of sinusoids) observed through pilots in noise.
        Doppler is normalised to the symbol rate. The genie filter is told the true Doppler; the fixed filter keeps the one
        Doppler that suits the whole training range; HKF's hypernetwork (a GRU over the pilots and the filter's innovations)
        retunes its Kalman filter's AR(2) model and process noise at every step; the LSTM estimates the channel directly.
        Move the Doppler slider outside the shaded range to see who generalises.
        <code>edgeplay channel</code> prints the full tables from the same code (after Pratik et al., Globecom 2021).</p>`;
    const q = (s) => el.querySelector(s);
    q('.ch-doppler').addEventListener('input', (e) => { this.#doppler = +(10 ** +e.target.value).toPrecision(3); this.#showValues(); this.#drawCurve(); });
    q('.ch-snr').addEventListener('input', (e) => { this.#snr = +e.target.value; this.#showValues(); this.#curvesSoon(); });
    q('.ch-spacing').value = String(this.#spacing);
    q('.ch-spacing').addEventListener('change', (e) => { this.#spacing = +e.target.value; this.#curvesSoon(0); });
    q('.ch-view').addEventListener('change', (e) => { this.#view = e.target.value; this.#drawTrace(true); });
    q('.ch-play').addEventListener('click', () => { this.#playing = !this.#playing; this.#showValues(); this.#kick(); });
    q('.ch-train').addEventListener('click', () => this.#retrain());
    el.querySelectorAll('[data-setting]').forEach((b) => b.addEventListener('click', () => this.#open(b.dataset.setting)));
    this.#progress = new Progress({ onCancel: () => this.#cancel(), className: 'ch-busy' });
    q('.ch-busy-slot').replaceWith(this.#progress.el);
    this.#ro.push(onWidthChange(q('.ch-trace'), () => this.#drawTrace(true)));
    this.#ro.push(onWidthChange(q('.ch-curve'), () => this.#drawCurve(true)));
    this.#io = new IntersectionObserver((es) => { this.#visible = es.some((e) => e.isIntersecting); this.#kick(); });
    this.#io.observe(this);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#root = el;
    this.#showValues();
    return el;
  }

  #root = null;
  #q(s) { return this.#root.querySelector(s); }

  async start() { await this.#open(this.#setting, { rethrow: true }); }

  #onVisibility = () => this.#kick();

  closeSession() {
    this.#stopLoop();
    ++this.#openGen;
    clearTimeout(this.#curveTimer);
    this.#io?.disconnect();
    document.removeEventListener('visibilitychange', this.#onVisibility);
    this.#info = null;
    this.#training = false;
    this.#showTraining();
    this.#progress?.hide();
    this.call('close', { session: this.#id }).catch(() => {});
  }

  async reopen() {
    this.#io?.observe(this);
    document.addEventListener('visibilitychange', this.#onVisibility);
    this.#playing = !this.hasAttribute('paused') || this.#playing;
    await this.#open(this.#setting, { rethrow: true });
  }

  /** Everything runs in WebAssembly on the CPU (candle), whatever the adapter. */
  badge(s) {
    return {
      path: 'cpu',
      text: 'CPU · WASM',
      title: `The simulator, the filters and the networks (training too) run on the CPU in WebAssembly (candle; networks of a few thousand weights do not pay for a GPU)${s.path === 'gpu' ? `; the page's WebGPU adapter (${s.adapter}) serves the other widgets` : ''}`,
      toggle: false,
    };
  }

  /** NMSE (dB) of every tracker at one condition, as `edgeplay channel` computes it (the CLI's
   *  Doppler table uses seed 11 + 1000 × row). */
  async evaluate({ doppler, snr, spacing, seqs, seed }) {
    return this.call('nmse', { session: this.#id, doppler, snr, spacing, seqs, seed });
  }

  #showValues() {
    const kmh = speedKmh(this.#doppler);
    this.#q('.ch-doppler-value').textContent = `${fmtD(this.#doppler)} ≈ ${kmh < 10 ? kmh.toFixed(1) : kmh.toFixed(0)} km/h`;
    this.#q('.ch-doppler').setAttribute('aria-valuetext', `normalised Doppler ${fmtD(this.#doppler)}, about ${kmh.toFixed(0)} km/h`);
    this.#q('.ch-doppler-value').title = 'f_D × symbol time; the speed assumes a 3.5 GHz carrier and 14 symbols a millisecond';
    this.#q('.ch-snr-value').textContent = `${this.#snr} dB`;
    this.#q('.ch-play').textContent = this.#playing ? 'Pause' : 'Play';
    this.#root.querySelectorAll('[data-setting]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.setting === this.#setting)));
  }

  /** Loads a shipped setting's networks (a retraining in progress is dropped). On failure the
   *  previous setting stays selected (and its networks keep running), or `rethrow` passes the
   *  error on (start and reopen: the base class reports it). */
  async #open(setting, { rethrow = false } = {}) {
    const gen = ++this.#openGen;
    const previous = this.#info ? this.#setting : null;
    this.#setting = setting;
    this.#showValues();
    this.#stopLoop();
    try {
      this.#progress.show(`Loading the ${SETTINGS[setting].label} networks…`, null, { cancel: false });
      const info = await this.call('open', { session: this.#id, setting, seed: 1, doppler: this.#doppler, snr: this.#snr, spacing: this.#spacing });
      if (gen !== this.#openGen || info.cancelled) return;
      this.#info = info;
      this.#training = false;
      this.#showTraining();
      this.#trace = null;
      this.#progress.hide();
      this.clearError();
      this.#kick();
      await this.#curves();
    } catch (e) {
      if (gen !== this.#openGen) return;
      this.#progress.hide();
      if (previous) { this.#setting = previous; this.#showValues(); this.#kick(); }
      if (rethrow) throw e;
      this.showError(e.message);
    }
  }

  // ---- the live run -------------------------------------------------------------------

  #stopLoop() { cancelAnimationFrame(this.#loop); this.#loop = 0; }

  #kick() {
    if (this.#loop || !this.#info || !this.#playing || !this.#visible || document.hidden || !this.isConnected) return;
    this.#lastTick = performance.now();
    this.#loop = requestAnimationFrame((t) => this.#tick(t));
  }

  async #tick(now) {
    this.#loop = 0;
    if (!this.#playing || !this.#visible || document.hidden || !this.isConnected || !this.#info) return;
    if (this.#inFlight) { this.#kick(); return; }
    const steps = Math.max(1, Math.min(200, Math.round(((now - this.#lastTick) / 1000) * RATE)));
    this.#lastTick = now;
    this.#inFlight = true;
    try {
      const c = await this.call('live', { session: this.#id, doppler: this.#doppler, snr: this.#snr, spacing: this.#spacing, steps });
      this.#append(c);
      this.#drawTrace();
    } catch (e) {
      // (After an engine crash, reopen() clears the error and restarts the run.)
      this.showError(e.message);
      this.#playing = false;
      this.#showValues();
    } finally {
      this.#inFlight = false;
    }
    this.#kick();
  }

  #append(c) {
    const t = this.#trace ??= { n: [], h: [], y: [], est: TRACKERS.map(() => []) };
    for (let i = 0; i < c.h.length; i++) {
      t.n.push(c.start + i);
      t.h.push(c.h[i]);
      t.y.push(c.y[i]);
      c.est.forEach((e, k) => t.est[k].push(e[i]));
    }
    const drop = t.n.length - SPAN;
    if (drop > 0) {
      t.n.splice(0, drop); t.h.splice(0, drop); t.y.splice(0, drop);
      t.est.forEach((e) => e.splice(0, drop));
    }
    this.#last = c;
    this.#showLegend();
  }

  #value(p) {
    if (!p) return null;
    if (this.#view === 're') return p[0];
    if (this.#view === 'im') return p[1];
    return 10 * Math.log10(p[0] * p[0] + p[1] * p[1] + 1e-12);
  }

  #drawTrace(rebuild = false) {
    const host = this.#q('.ch-trace');
    const t = this.#trace;
    if (!t || !host.clientWidth) return;
    const data = [t.n, t.h.map((p) => this.#value(p)), t.y.map((p) => this.#value(p)), ...t.est.map((e) => e.map((p) => this.#value(p)))];
    const yRange = this.#view === 'mag' ? [-30, 10] : [-2.5, 2.5];
    if (rebuild || !this.#plots.trace) {
      this.#plots.trace?.destroy();
      this.#plots.trace = new uPlot({
        width: host.clientWidth, height: 260, legend: { show: false }, cursor: { show: false },
        scales: { x: { time: false }, y: { range: yRange } },
        axes: [{ label: 'step (symbol)', size: 34, labelSize: 14 }, { label: VIEWS[this.#view], size: 44, labelSize: 14 }],
        series: [
          {},
          { stroke: '#1c1f24', width: 2.5 },
          { stroke: 'transparent', points: { show: true, size: 4, fill: '#868e96', stroke: '#868e96' } },
          ...TRACKERS.map((tr) => ({ stroke: tr.colour, width: 1.5, dash: tr.dash, show: !this.#hidden.has(tr.key) })),
        ],
      }, data, host);
    } else {
      this.#plots.trace.setData(data);
    }
    host.dataset.steps = String(t.n.at(-1) + 1);
  }

  #showLegend() {
    const c = this.#last;
    const ul = this.#q('.ch-legend');
    if (ul.children.length !== TRACKERS.length + 2) {
      ul.innerHTML = `<li><i class="ch-k" style="background:#1c1f24"></i>channel</li><li><i class="ch-k ch-k-dot"></i>pilots</li>` +
        TRACKERS.map((t) => `<li title="${t.about}"><label><input type="checkbox" data-k="${t.key}" checked>
          <i class="ch-k" style="background:${t.colour}"></i>${t.label} <b class="ch-nmse" data-k="${t.key}"></b></label></li>`).join('');
      ul.querySelectorAll('input[data-k]').forEach((box) => box.addEventListener('change', () => {
        if (box.checked) this.#hidden.delete(box.dataset.k); else this.#hidden.add(box.dataset.k);
        this.#drawTrace(true);
      }));
    }
    TRACKERS.forEach((t, k) => { ul.querySelector(`b[data-k="${t.key}"]`).textContent = fmtDb(c.nmse_db[k]); });
    ul.title = `NMSE over the last ${c.window} steps (since the last change of conditions at most)`;
    const k = TRACKERS.findIndex((t) => t.key === 'hkf');
    const p = c.hkf.at(-1);
    if (p) {
      this.#q('.ch-hkf-note').textContent = `HKF's Kalman filter now: a₁ = ${p[0].toFixed(4)}, a₂ = ${p[1].toFixed(4)}, process noise q = ${p[2].toExponential(1)} · genie's model: a₁ = ${c.genie[0].toFixed(4)}, a₂ = ${c.genie[1].toFixed(4)}, q = ${c.genie[2].toExponential(1)}`;
    }
    this.dataset.hkfNmse = String(c.nmse_db[k]);
  }

  // ---- NMSE curves --------------------------------------------------------------------

  #curvesSoon(ms = 300) {
    clearTimeout(this.#curveTimer);
    this.#curveTimer = setTimeout(() => this.#curves(), ms);
  }

  async #curves() {
    if (!this.#info) return;
    const want = { snr: this.#snr, spacing: this.#spacing, setting: this.#setting };
    const note = this.#q('.ch-curve-note');
    // A sweep still running is for old conditions: stop it (cancel bypasses the queue).
    await this.call('cancel', { session: this.#id, what: 'curves' }).catch(() => {});
    try {
      const points = [];
      const r = await this.call('curves', { session: this.#id, dopplers: CURVE_DOPPLERS, snr: want.snr, spacing: want.spacing, seqs: this.#seqs, seed: CURVE_SEED }, {
        key: 'curves',
        onProgress: (p) => {
          points.push(p.point);
          note.textContent = `computing ${p.done} / ${p.total}…`;
          this.#curve = { ...want, points: [...points], partial: true };
          this.#drawCurve();
        },
      });
      if (r.cancelled) return;
      this.#curve = { ...want, points: r.points };
      note.textContent = `SNR ${want.snr} dB, a pilot every ${want.spacing}, ${this.#seqs} sequences × 128 steps a point`;
      this.#drawCurve();
      this.result = { setting: this.#info.setting, curve: this.#curve, trackers: TRACKERS.map((t) => t.label) };
      this.dispatchEvent(new CustomEvent('result', { detail: this.result }));
    } catch (e) {
      if (e instanceof Superseded || !this.#info) return;
      this.showError(e.message);
    }
  }

  #drawCurve(rebuild = false) {
    const host = this.#q('.ch-curve');
    const c = this.#curve;
    if (!c || !host.clientWidth) return;
    const xs = c.points.map((p) => p.doppler);
    const data = [xs, ...TRACKERS.map((_, k) => c.points.map((p) => p.nmse_db[k]))];
    const range = this.#info?.setting?.ranges?.doppler ?? SETTINGS[this.#setting].doppler;
    const draw = (u) => {
      const ctx = u.ctx;
      const x0 = u.valToPos(range[0], 'x', true), x1 = u.valToPos(range[1], 'x', true);
      ctx.save();
      ctx.fillStyle = 'rgba(43, 138, 62, 0.08)';
      ctx.fillRect(x0, u.bbox.top, x1 - x0, u.bbox.height);
      ctx.restore();
      vline(u, this.#doppler);
    };
    if (rebuild || !this.#plots.curve || c.partial || this.#plots.curve._n !== xs.length) {
      this.#plots.curve?.destroy();
      this.#plots.curve = new uPlot({
        width: host.clientWidth, height: 260, legend: { show: false },
        scales: { x: { time: false, distr: 3, range: [DOPPLER.min, DOPPLER.max] }, y: { auto: true } },
        axes: [{ label: 'normalised Doppler', size: 34, labelSize: 14, splits: () => logTicks(DOPPLER.min, DOPPLER.max) },
          { label: 'NMSE (dB)', size: 44, labelSize: 14 }],
        series: [{}, ...TRACKERS.map((t) => ({ label: t.label, stroke: t.colour, width: 2, dash: t.dash, points: { show: true, size: 5 } }))],
        hooks: { draw: [draw] },
      }, data, host);
      this.#plots.curve._n = xs.length;
    } else {
      this.#plots.curve.redraw(false);
    }
    host.dataset.points = String(xs.length);
  }

  // ---- retraining ---------------------------------------------------------------------

  async #retrain() {
    if (this.#training || !this.#info) return;
    this.#training = true;
    this.#showTraining();
    const s = this.#info.setting;
    const t0 = performance.now();
    this.#progress.show('Training HKF in your browser: starting…', 0);
    try {
      const r = await this.call('train', {
        session: this.#id, name: s.name, doppler: s.ranges.doppler, snr: s.ranges.snr_db, spacing: s.ranges.spacing,
        seed: s.seed, steps: this.#trainSteps,
      }, {
        onProgress: (p) => {
          const net = p.net === 'hkf' ? 'HKF' : 'LSTM';
          const done = (p.net === 'hkf' ? 0 : p.steps) + p.step;
          this.#progress.show(`Training ${net} in your browser: step ${p.step} / ${p.steps}, training NMSE ${p.nmseDb.toFixed(1)} dB · ${((performance.now() - t0) / 1000).toFixed(0)} s`, done / (2 * p.steps));
        },
      });
      this.#progress.hide();
      if (r.cancelled) return;
      this.#info = r.info;
      this.#trace = null;
      this.dispatchEvent(new CustomEvent('trained', { detail: { ms: r.ms, setting: r.info.setting } }));
      await this.#curves();
    } catch (e) {
      this.#progress.hide();
      this.showError(e.message);
    } finally {
      this.#training = false;
      this.#showTraining();
    }
  }

  #showTraining() {
    const b = this.#root?.querySelector('.ch-train');
    if (!b) return;
    b.disabled = this.#training;
    b.textContent = this.#training ? 'Training…' : 'Retrain';
  }

  async #cancel() {
    this.#progress.hide();
    await this.call('cancel', { session: this.#id, what: 'train' }).catch(() => {});
  }
}

if (!customElements.get('ep-channel')) customElements.define('ep-channel', EpChannel);
