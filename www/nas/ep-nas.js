// <ep-nas>: DONNA-style hardware-aware architecture search on the NATS-Bench topology space.
// A scatter of all 15,625 architectures (true accuracy vs MACs, parameters, or latency
// measured on this device's GPU or CPU), the true Pareto front, and a search animated
// generation by generation: an accuracy predictor fitted to a few looked-up accuracies,
// NSGA-II on predicted accuracy and cost, the best new candidates looked up, refit.
// Hover or click a point for its cell diagram and numbers.
// Attributes: `dataset` (cifar10 | cifar100 | imagenet16), `cost` (macs | params | gpu | cpu),
// `samples` (initial look-ups, default 40), `budget` (true accuracies in all, default 156),
// `seed` (default 1), `animate` ("off" shows each round at once), `reps` (timing repetitions),
// `check` (whole networks timed to check the latency table, default 6).

import { uPlot, PLOT_CSS, logTicks, onWidthChange } from '../shell/plot.js';
import { EpWidget } from '../shell/widget.js';
import { Progress } from '../shell/progress.js';
import * as runtime from '../shell/runtime.js';

const here = (p) => new URL(p, import.meta.url).href;
const DATASETS = { cifar10: 'CIFAR-10', cifar100: 'CIFAR-100', imagenet16: 'ImageNet16-120' };
const DS_INDEX = { cifar10: 0, cifar100: 1, imagenet16: 2 };
const COSTS = {
  macs: { label: 'MACs', axis: 'multiply–accumulates per image', fmt: (v) => `${(v / 1e6).toFixed(2)} M MACs` },
  params: { label: 'Parameters', axis: 'parameters', fmt: (v) => `${(v / 1e6).toFixed(3)} M params` },
  gpu: { label: 'Latency · this GPU', axis: 'latency on this GPU (ms, from the measured table)', fmt: (v) => `${v.toFixed(3)} ms (GPU, table)` },
  cpu: { label: 'Latency · this CPU', axis: 'latency on this CPU in wasm (ms, from the measured table)', fmt: (v) => `${v.toFixed(3)} ms (CPU, table)` },
};
const OPS = {
  none: { colour: '#ced4da', dash: '2 4' },
  skip: { colour: '#868e96' },
  'conv1×1': { colour: '#3b6cf6' },
  'conv3×3': { colour: '#862e9c' },
  'pool3×3': { colour: '#2b8a3e' },
};
const EDGES = [[0, 1], [0, 2], [1, 2], [0, 3], [1, 3], [2, 3]];
const C = { all: 'rgba(134, 142, 150, 0.28)', front: '#1c1f24', queried: '#3b6cf6', pop: 'rgba(247, 103, 7, 0.85)', found: '#d9480f', added: '#f59f00', gap: 'rgba(224, 49, 49, 0.45)' };
const STORE = 'edgeplay:nas-latency:v1';
const fmtPct = (v) => `${v.toFixed(2)} %`;
/** 1, 2, 5 × 10^k between `lo` and `hi` (a log axis's ticks). */
let uid = 0;

export class EpNas extends EpWidget {
  static title = 'Hardware-aware architecture search (DONNA) on NATS-Bench';
  static feature = 'nas';
  static engines = ['nas'];
  static css = here('./nas.css');

  #id = `nas-${++uid}`;
  #pieces = [];
  #ds = 'cifar10';
  #cost = 'macs';
  #samples = 40;
  #budget = 156;
  #seed = 1;
  #animate = true;
  #reps = { gpu: 5, cpu: 3 };
  #check = 6;
  #space = {}; // dataset -> {accuracy, macs, params, naswot}
  #luts = {}; // `${device}:${dataset}` -> {pieceMs, check, device}
  #costs = null; // current cost of every architecture
  #trueFront = [];
  #search = null; // {queried, front, pop, added, gap, randomGap, frontGaps, round, done}
  #frames = []; // queued animation frames
  #anim = 0;
  #searchGen = 0;
  #measuring = false;
  #measureGen = 0;
  #view = 0; // bumps on every new selection of dataset and cost
  #hover = -1;
  #pinned = -1;
  #pix = null; // Float32Array of point positions in canvas pixels (last draw)
  #plot = null;
  #resizer = null;
  #seq = 0;
  /** The latest finished search (also sent as the `result` event). */
  result = null;
  /** The latest latency table measured or loaded: {device, dataset, pieces, check}. */
  latency = null;

  render() {
    const a = (n) => (this.getAttribute(n) || '').trim();
    if (DATASETS[a('dataset')]) this.#ds = a('dataset');
    if (COSTS[a('cost')]) this.#cost = a('cost');
    const int = (n, lo, hi, d) => { const v = parseInt(a(n), 10); return Number.isFinite(v) ? Math.min(hi, Math.max(lo, v)) : d; };
    this.#budget = int('budget', 4, 1000, 156);
    this.#samples = int('samples', 2, this.#budget, 40);
    this.#seed = int('seed', 0, 1e9, 1);
    this.#check = int('check', 2, 50, 6);
    const reps = int('reps', 1, 50, 0);
    if (reps) this.#reps = { gpu: reps, cpu: reps };
    this.#animate = a('animate') !== 'off' && !matchMedia('(prefers-reduced-motion: reduce)').matches;
    const el = document.createElement('div');
    el.className = 'nas';
    el.innerHTML = `
      <link rel="stylesheet" href="${PLOT_CSS}">
      <div class="ep-row">
        <span class="ep-label">Data</span>
        ${Object.entries(DATASETS).map(([k, v]) => `<button type="button" class="ep-chip" data-ds="${k}">${v}</button>`).join('')}
      </div>
      <div class="ep-row">
        <span class="ep-label">Cost</span>
        ${Object.entries(COSTS).map(([k, v]) => `<button type="button" class="ep-chip" data-cost="${k}">${v.label}</button>`).join('')}
        <button type="button" class="ep-chip nas-measure" title="Time every building block of the network on this device (GPU through WebGPU and CPU in wasm), then check the table against whole networks">Measure my device</button>
      </div>
      <div class="ep-row">
        <span class="ep-label">Search</span>
        <label class="nas-field">initial look-ups <input class="nas-samples" type="range" min="10" max="100" step="5" value="${this.#samples}"><output class="nas-samples-value"></output></label>
        <label class="nas-field">budget <input class="nas-budget" type="number" min="4" max="1000" value="${this.#budget}"> true accuracies</label>
        <label class="nas-field">seed <input class="nas-seed" type="number" min="0" value="${this.#seed}"></label>
        <label class="nas-field" title="Use the table's true accuracies instead of the predictor (an upper bound for the search itself)"><input class="nas-oracle" type="checkbox"> oracle</label>
        <label class="nas-field"><input class="nas-animate" type="checkbox" ${this.#animate ? 'checked' : ''}> animate</label>
        <button type="button" class="ep-chip nas-run">Search</button>
      </div>
      <div class="nas-busy-slot"></div>
      <div class="nas-panels">
        <figure class="nas-panel">
          <div class="nas-plot"></div>
          <div class="nas-legend ep-hint">
            <span><i class="nas-k" style="background:${C.all}"></i>all 15,625 (true accuracy)</span>
            <span><i class="nas-k nas-k-line" style="background:${C.front}"></i>true Pareto front</span>
            <span><i class="nas-k" style="background:${C.queried}"></i>looked up</span>
            <span><i class="nas-k nas-k-ring" style="border-color:${C.pop}"></i>NSGA-II population</span>
            <span><i class="nas-k nas-k-line" style="background:${C.found}"></i>found front</span>
            <span><i class="nas-k nas-k-bar" style="background:${C.gap}"></i>gap at a true front point</span>
          </div>
        </figure>
        <aside class="nas-cell">
          <div class="nas-cell-title ep-hint">Hover or click a point</div>
          <svg class="nas-diagram" viewBox="0 0 310 150" role="img" aria-label="cell diagram" hidden></svg>
          <p class="ep-hint nas-diagram-note" hidden>Edges run from lower to higher nodes; a node sums its inputs. Dashed: <em>none</em>, or not on a path from input to output.</p>
          <dl class="ep-stats nas-cell-stats"></dl>
          <button type="button" class="ep-chip nas-naswot" hidden title="Run the NASWOT proxy for this architecture here (wasm CPU) and compare with the shipped score">Recompute NASWOT here</button>
          <span class="nas-naswot-out ep-hint"></span>
        </aside>
      </div>
      <p class="ep-notice nas-summary" hidden></p>
      <p class="ep-notice nas-lut" hidden></p>
      <details class="nas-tau">
        <summary>How well does each predictor rank all 15,625? (Kendall τ)</summary>
        <div class="ep-row"><button type="button" class="ep-chip nas-tau-run">Fit every predictor</button><span class="ep-hint nas-tau-note"></span></div>
        <table class="nas-table"><thead><tr><th>features</th><th>ridge</th><th>random forest</th></tr></thead><tbody></tbody></table>
      </details>
      <p class="ep-caption">Ground truth: NATS-Bench topology space (Dong et al.), accuracies after 200 epochs. The search sees only the accuracies it
        looks up (blue); its predictor uses features measured on each network — the cell's live structure, MACs, parameters and the NASWOT
        score (Mellor et al.) of the real network on natural image crops. Gap: for each point of the true front, how many accuracy points
        the best looked-up architecture within its cost falls short, averaged. Latency is the sum of this device's measured table.
        <code>edgeplay nas</code> prints the same numbers.</p>`;
    el.querySelectorAll('[data-ds]').forEach((b) => b.addEventListener('click', () => this.#select(b.dataset.ds, this.#cost)));
    el.querySelectorAll('[data-cost]').forEach((b) => b.addEventListener('click', () => this.#select(this.#ds, b.dataset.cost)));
    el.querySelector('.nas-measure').addEventListener('click', () => this.#measureAll());
    const samples = el.querySelector('.nas-samples');
    samples.addEventListener('input', () => { this.#samples = +samples.value; this.#showSamples(); });
    el.querySelector('.nas-budget').addEventListener('change', (e) => {
      this.#budget = Math.min(1000, Math.max(4, parseInt(e.target.value, 10) || 156));
      e.target.value = this.#budget;
      this.#showSamples();
    });
    el.querySelector('.nas-seed').addEventListener('change', (e) => { this.#seed = Math.min(1e9, Math.max(0, parseInt(e.target.value, 10) || 0)); e.target.value = this.#seed; });
    el.querySelector('.nas-animate').addEventListener('change', (e) => { this.#animate = e.target.checked; });
    el.querySelector('.nas-run').addEventListener('click', () => this.#runSearch());
    this.#progress = new Progress({ label: 'Stop', onCancel: () => this.#stop(), className: 'nas-busy' });
    el.querySelector('.nas-busy-slot').replaceWith(this.#progress.el);
    el.querySelector('.nas-tau-run').addEventListener('click', () => this.#taus());
    el.querySelector('.nas-naswot').addEventListener('click', () => this.#naswotHere());
    // Keyboard: ←/→ step along the found front (the true front before a search).
    const plot = el.querySelector('.nas-plot');
    plot.tabIndex = 0;
    plot.setAttribute('aria-label', 'Scatter of all architectures; left and right arrows step along the front');
    plot.addEventListener('keydown', (e) => {
      if (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight') return;
      const ids = (this.#search?.front.length ? this.#search.front : this.#trueFront).slice().sort((a, b) => this.#costs[a] - this.#costs[b]);
      if (!ids.length) return;
      e.preventDefault();
      const at = ids.indexOf(this.#pinned);
      const next = at < 0 ? 0 : Math.max(0, Math.min(ids.length - 1, at + (e.key === 'ArrowRight' ? 1 : -1)));
      this.#pinned = ids[next];
      this.#showCell(this.#pinned);
      this.#plot?.redraw(false, false);
    });
    // Rebuild the plot only when its width changes (not on every change of the page's height).
    this.#resizer = onWidthChange(plot, () => this.#draw(true));
    this.#showSamples(el);
    return el;
  }

  async start() {
    this.#busy(true, 'Loading the architecture table…', 0);
    try {
      this.#pieces = (await this.#open()).pieces;
    } finally {
      this.#busy(false);
    }
    this.#loadStored();
    await this.#select(this.#ds, this.#cost);
  }

  /** The worker-side session (reopened if the element was detached and attached again). */
  #opened = null;
  #open() {
    this.#opened ??= this.call('open', { session: this.#id });
    return this.#opened;
  }

  /** A call on this element's session. */
  async #call(fn, args = {}, opts = {}) {
    await this.#open();
    return this.call(fn, { session: this.#id, ...args }, opts);
  }

  closeSession() {
    if (!this.#opened) return;
    this.#view++;
    this.#stop();
    this.#opened = null;
    this.call('close', { session: this.#id }).catch(() => {});
  }

  /** Detached and re-attached, or the NAS engine restarted: a fresh session, same view. */
  async reopen() {
    this.#view++;
    this.#stop();
    this.#opened = null;
    await this.#select(this.#ds, this.#cost);
  }

  /** The predictor and search run in wasm on the CPU; the GPU is what gets timed. */
  badge(s) {
    return {
      ...super.badge(s),
      title: s.path === 'gpu'
        ? `Latency is measured on this GPU through WebGPU (${s.timestamps ? 'GPU timestamp queries' : 'wall clock'}) and on the CPU in wasm; the predictor and NSGA-II run on the CPU in WebAssembly`
        : `No WebGPU here${s.reason ? ` (${s.reason})` : ''}: latency is measured on the CPU in WebAssembly, where the predictor and search also run`,
    };
  }

  backendChanged() { this.#showChips(); }

  #q(sel) { return this.shadowRoot.querySelector(sel); }

  #showSamples(root = this.shadowRoot) {
    const s = root.querySelector('.nas-samples');
    s.max = String(Math.min(100, this.#budget));
    if (this.#samples > this.#budget) this.#samples = this.#budget;
    root.querySelector('.nas-samples-value').textContent = String(this.#samples);
  }

  #progress = null;
  #busy(on, text = '', frac = 0) {
    if (on) this.#progress.show(text, frac); else this.#progress.hide();
  }

  #gpuHere() { return this.engineStatus?.path === 'gpu'; }

  #showChips() {
    this.shadowRoot.querySelectorAll('[data-ds]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.ds === this.#ds)));
    this.shadowRoot.querySelectorAll('[data-cost]').forEach((b) => {
      const k = b.dataset.cost;
      b.setAttribute('aria-pressed', String(k === this.#cost));
      const lat = k === 'gpu' || k === 'cpu';
      b.disabled = k === 'gpu' && !this.#gpuHere() && !this.#luts[`gpu:${this.#ds}`];
      b.title = k === 'gpu' && b.disabled ? 'No WebGPU adapter on this page (or CPU only is ticked)'
        : lat && !this.#luts[`${k}:${this.#ds}`] ? 'Not measured yet: choosing it times the building blocks on this device first' : '';
    });
  }

  // ---- latency tables --------------------------------------------------------------------

  #deviceKey(device) {
    const s = this.engineStatus ?? {};
    return device === 'gpu' ? `gpu:${s.adapter || '?'}` : `cpu:${navigator.hardwareConcurrency || '?'}:${navigator.userAgent}`;
  }

  #loadStored() {
    try {
      const all = JSON.parse(localStorage.getItem(STORE) || '{}');
      for (const device of ['gpu', 'cpu']) {
        const mine = all[this.#deviceKey(device)] || {};
        for (const [ds, t] of Object.entries(mine)) {
          if (DATASETS[ds] && Array.isArray(t.pieceMs) && t.pieceMs.length === this.#pieces.length) this.#luts[`${device}:${ds}`] = { ...t, device, cached: true };
        }
      }
    } catch (_) { /* storage blocked (sandboxed frame, private mode): measure again */ }
  }

  #store(device, ds, t) {
    try {
      const all = JSON.parse(localStorage.getItem(STORE) || '{}');
      const k = this.#deviceKey(device);
      all[k] = { ...(all[k] || {}), [ds]: { pieceMs: t.pieceMs, check: t.check, when: t.when } };
      localStorage.setItem(STORE, JSON.stringify(all));
    } catch (_) { /* not cached; still used */ }
  }

  /** "Measure my device": this GPU (if any) and this CPU, then a search on the first. */
  async #measureAll() {
    const view = ++this.#view;
    await this.#stop();
    const ds = this.#ds;
    const devices = this.#gpuHere() ? ['gpu', 'cpu'] : ['cpu'];
    for (const d of devices) if (!(await this.#measure(d, ds)) || view !== this.#view) return;
    await this.#select(ds, devices[0]);
  }

  /** Times every piece, then `check` whole networks; caches the table per device. */
  async #measure(device, ds) {
    const gen = ++this.#measureGen;
    this.#measuring = true;
    this.clearError();
    const name = device === 'gpu' ? 'GPU' : 'CPU';
    const reps = this.#reps[device];
    const steps = this.#pieces.length + this.#check;
    try {
      // Browsers first run wasm from a baseline compiler and optimise hot code later; GPU
      // pipelines are compiled on first use. Untimed runs of the largest network come first.
      this.#busy(true, `Warming up this ${name} (the first runs are slower while the browser compiles)…`, 0);
      const macs = this.#space[ds].macs;
      const largest = macs.reduce((b, v, i) => (v > macs[b] ? i : b), 0);
      await this.#call('timeNetwork', { index: largest, device, dataset: ds, reps: 3 });
      if (gen !== this.#measureGen) return false;
      const pieceMs = [];
      for (let k = 0; k < this.#pieces.length; k++) {
        this.#busy(true, `Timing on this ${name}: ${this.#pieces[k]} (${k + 1} / ${this.#pieces.length})`, k / steps);
        pieceMs.push(await this.#call('measurePiece', { k, device, dataset: ds, reps }));
        if (gen !== this.#measureGen) return false;
      }
      const predicted = await this.#call('latencyCosts', { dataset: ds, pieceMs });
      const cells = this.#spreadSample(predicted, this.#check);
      const measured = [];
      for (let i = 0; i < cells.length; i++) {
        this.#busy(true, `Checking the table on this ${name}: whole network ${i + 1} / ${cells.length}`, (this.#pieces.length + i) / steps);
        measured.push(await this.#call('timeNetwork', { index: cells[i], device, dataset: ds, reps }));
        if (gen !== this.#measureGen) return false;
      }
      const [kendall, spearman] = await this.#call('rankCorrelation', { a: cells.map((c) => predicted[c]), b: measured });
      const t = { pieceMs, check: { cells, predicted: cells.map((c) => predicted[c]), measured, kendall, spearman }, when: Date.now(), device };
      this.#luts[`${device}:${ds}`] = t;
      this.#store(device, ds, t);
      this.#busy(false);
      this.#showChips();
      return true;
    } catch (e) {
      if (gen === this.#measureGen) { this.#busy(false); this.showError(e.message); }
      return false;
    } finally {
      if (gen === this.#measureGen) this.#measuring = false;
    }
  }

  /** `n` architectures spread evenly over the cost axis (by rank). */
  #spreadSample(costs, n) {
    const order = Array.from(costs.keys()).sort((a, b) => costs[a] - costs[b]);
    return Array.from({ length: n }, (_, i) => order[Math.round((i * (order.length - 1)) / Math.max(1, n - 1))]);
  }

  #showLut() {
    const box = this.#q('.nas-lut');
    const t = this.#luts[`${this.#cost}:${this.#ds}`];
    box.hidden = !t;
    if (!t) { this.latency = null; return; }
    const name = this.#cost === 'gpu' ? `this GPU (${this.engineStatus?.adapter || 'WebGPU'})` : 'this CPU (wasm)';
    const c = t.check;
    box.textContent = `Latency table of ${name} for ${DATASETS[this.#ds]}: ${t.pieceMs.length} building blocks`
      + `${t.cached ? ` (cached ${new Date(t.when).toLocaleString()}; “Measure my device” measures again)` : ''}. `
      + `Checked on ${c.cells.length} whole networks: table sum vs measured Kendall τ ${c.kendall.toFixed(3)}, Spearman ρ ${c.spearman.toFixed(3)} `
      + `(measured ${Math.min(...c.measured).toFixed(2)}–${Math.max(...c.measured).toFixed(2)} ms, table ${Math.min(...c.predicted).toFixed(2)}–${Math.max(...c.predicted).toFixed(2)} ms).`;
    this.latency = { device: this.#cost, dataset: this.#ds, pieces: t.pieceMs.length, check: c, cached: !!t.cached };
  }

  // ---- data, costs, fronts ---------------------------------------------------------------

  /** Shows dataset `ds` with cost `cost` (measuring this device first for a latency cost
   *  without a table), then searches. A newer selection, "Measure my device" or Stop
   *  supersedes it; state changes only once everything it needs has arrived. */
  async #select(ds, cost) {
    const view = ++this.#view;
    await this.#stop();
    this.clearError();
    try {
      if (!this.#space[ds]) {
        this.#busy(true, `Loading ${DATASETS[ds]}…`, 0);
        const sp = await this.#call('space', { dataset: ds });
        this.#space[ds] = sp;
        if (view !== this.#view) return;
        this.#busy(false);
      }
      if (cost === 'gpu' && !this.#gpuHere() && !this.#luts[`gpu:${ds}`]) {
        this.showError('No WebGPU adapter on this page (or CPU only is ticked): GPU latency cannot be measured here; showing MACs.');
        cost = 'macs';
      }
      const lat = cost === 'gpu' || cost === 'cpu';
      if (lat && !this.#luts[`${cost}:${ds}`] && !(await this.#measure(cost, ds))) return; // stopped or failed (shown)
      if (view !== this.#view) return;
      const costs = lat ? await this.#call('latencyCosts', { dataset: ds, pieceMs: this.#luts[`${cost}:${ds}`].pieceMs }) : this.#space[ds][cost];
      const front = await this.#call('trueFront', { dataset: ds, costs });
      if (view !== this.#view) return;
      this.#ds = ds;
      this.#cost = cost;
      this.#costs = costs;
      this.#trueFront = front;
      this.#search = null;
      this.#q('.nas-summary').hidden = true;
      this.#showChips();
      this.#showLut();
      this.#draw(true);
      if (this.#pinned >= 0) this.#showCell(this.#pinned);
      await this.#runSearch();
    } catch (e) {
      if (view === this.#view) { this.#busy(false); this.showError(e.message); }
    }
  }

  // ---- search ----------------------------------------------------------------------------

  /** Stops the search (and its animation) and any measurement. */
  async #stop() {
    this.#searchGen++;
    this.#measureGen++;
    this.#measuring = false;
    this.#frames = [];
    cancelAnimationFrame(this.#anim);
    this.#anim = 0;
    this.#busy(false);
    if (this.#opened) await this.#call('cancel').catch(() => {});
  }

  async #runSearch() {
    if (!this.#costs || this.#measuring) return;
    await this.#stop();
    const gen = ++this.#searchGen;
    this.clearError();
    const cfg = { dataset: this.#ds, cost: this.#cost, samples: this.#samples, budget: this.#budget, seed: this.#seed, oracle: this.#q('.nas-oracle').checked };
    this.#search = null;
    this.#q('.nas-summary').hidden = true;
    this.#busy(true, 'Looking up the first architectures…', 0);
    let rounds = 0;
    try {
      const out = await this.#call('search', { ...cfg, costs: this.#costs }, {
        onProgress: (r) => { if (gen === this.#searchGen) this.#enqueue(r, rounds++, cfg); },
      });
      if (out.cancelled || gen !== this.#searchGen) return;
      await this.#drained(gen);
      if (gen !== this.#searchGen) return;
      this.#busy(false);
      this.#finish(out, cfg, rounds - 1);
    } catch (e) {
      if (gen === this.#searchGen) { this.#busy(false); this.showError(e.message); }
    }
  }

  /** Turns a round into frames: its generations, then the look-ups and the new front. */
  #enqueue(r, round, cfg) {
    const frac = Math.min(1, r.queried.length / cfg.budget);
    const state = (pop, extra) => ({ queried: r.queried, front: r.front, pop, added: r.added, gap: r.gap, randomGap: r.randomGap, frontGaps: r.frontGaps, round, frac, budget: cfg.budget, ...extra });
    if (this.#animate) r.generations.forEach((pop, g) => this.#frames.push(state(pop, { generation: g, generations: r.generations.length, lookup: false })));
    this.#frames.push(state(r.generations.at(-1) ?? [], { lookup: true }));
    if (!this.#anim) this.#anim = requestAnimationFrame((t) => this.#tick(t));
  }

  #lastFrame = 0;
  #tick(t) {
    this.#anim = 0;
    if (!this.#frames.length) return;
    const wait = this.#animate ? 40 : 0;
    if (t - this.#lastFrame >= wait) {
      this.#lastFrame = t;
      const f = this.#frames.shift();
      // Without animation only the latest state matters.
      if (!this.#animate) { const last = this.#frames.at(-1); if (last) { this.#frames = []; Object.assign(f, last); } }
      this.#search = f;
      const head = f.round ? `Round ${f.round}` : 'Initial samples';
      this.#busy(true, f.lookup
        ? `${head}: ${f.queried.length} / ${f.budget} true accuracies looked up · gap ${f.gap.toFixed(2)} points`
        : `${head}: NSGA-II ${f.generation ? `generation ${f.generation} / ${f.generations - 1}` : 'initial population'} on predicted accuracy`, f.frac);
      this.#draw();
    }
    if (this.#frames.length) this.#anim = requestAnimationFrame((t2) => this.#tick(t2));
  }

  #drained(gen) {
    return new Promise((resolve) => {
      const poll = () => (this.#frames.length && gen === this.#searchGen ? setTimeout(poll, 30) : resolve());
      poll();
    });
  }

  #finish(out, cfg, rounds) {
    this.#search = { queried: out.queried, front: out.front, pop: [], added: [], gap: out.gap, randomGap: out.randomGap, frontGaps: out.frontGaps, round: rounds, lookup: true };
    if (this.#pinned < 0 && out.front.length) {
      const acc = this.#space[cfg.dataset].accuracy;
      this.#pinned = out.front.reduce((b, i) => (acc[i] > acc[b] ? i : b), out.front[0]);
      this.#showCell(this.#pinned);
    }
    this.#draw();
    const worst = out.frontGaps.reduce((w, g) => (g[1] > w[1] ? g : w), [-1, 0]);
    const sum = this.#q('.nas-summary');
    sum.hidden = false;
    sum.textContent = `${cfg.oracle ? 'Oracle search' : 'Search'} on ${DATASETS[cfg.dataset]}, cost ${COSTS[cfg.cost].label}: ${out.queried.length} true accuracies looked up, `
      + `found front of ${out.front.length}. Mean gap to the true front (${this.#trueFront.length} points) ${out.gap.toFixed(2)} accuracy points; `
      + `${out.queried.length} random architectures: ${out.randomGap.toFixed(2)}.`
      + (worst[0] >= 0 && worst[1] > 0 ? ` Largest shortfall ${worst[1].toFixed(2)} at ${COSTS[cfg.cost].fmt(this.#costs[worst[0]])}.` : '')
      + ` Seed ${cfg.seed}; the search took ${(out.ms / 1000).toFixed(1)} s in wasm.`;
    this.result = {
      seq: ++this.#seq, ...cfg, gap: out.gap, randomGap: out.randomGap, queried: out.queried.length, front: out.front.slice(),
      trueFront: this.#trueFront.length, rounds, ms: out.ms,
    };
    this.dispatchEvent(new CustomEvent('result', { detail: this.result }));
  }

  async #taus() {
    const note = this.#q('.nas-tau-note');
    const body = this.#q('.nas-table tbody');
    note.textContent = `Fitting 10 predictors to ${this.#samples} random architectures and ranking all 15,625…`;
    try {
      const [dataset, samples, seed] = [this.#ds, this.#samples, this.#seed];
      const rows = await this.#call('taus', { dataset, samples, seed });
      const by = new Map();
      for (const r of rows) { if (!by.has(r.features)) by.set(r.features, {}); by.get(r.features)[r.model] = r.tau; }
      const best = Math.max(...rows.map((r) => r.tau));
      body.replaceChildren(...[...by].map(([f, m]) => {
        const tr = document.createElement('tr');
        for (const v of [f, m.ridge, m.forest]) {
          const td = document.createElement('td');
          td.textContent = typeof v === 'number' ? v.toFixed(3) : v;
          if (v === best) td.className = 'nas-best';
          tr.append(td);
        }
        return tr;
      }));
      note.textContent = `${DATASETS[dataset]}, ${samples} true accuracies (seed ${seed}); one-hot ridge is the usual baseline.`;
      this.dispatchEvent(new CustomEvent('taus', { detail: rows }));
    } catch (e) {
      note.textContent = '';
      this.showError(e.message);
    }
  }

  // ---- plot ------------------------------------------------------------------------------

  #draw(rebuild = false) {
    const host = this.#q('.nas-plot');
    const sp = this.#space[this.#ds];
    if (!sp || !this.#costs || !host?.clientWidth) return;
    if (this.#plot && !rebuild) { this.#plot.redraw(false, false); return; }
    this.#plot?.destroy();
    const cost = this.#costs, acc = sp.accuracy;
    let x0 = Infinity, x1 = -Infinity;
    for (const v of cost) { if (v > 0) { x0 = Math.min(x0, v); x1 = Math.max(x1, v); } }
    const y1 = Math.max(...acc) + 0.8;
    const y0 = Math.max(0, Math.min(...this.#trueFront.map((i) => acc[i])) - 3);
    const draw = (u) => this.#paint(u, cost, acc);
    this.#plot = new uPlot({
      width: host.clientWidth, height: 380, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, distr: 3, log: 10, range: [x0 / 1.15, x1 * 1.15] }, y: { range: [y0, y1] } },
      axes: [{ label: COSTS[this.#cost].axis, size: 40, labelSize: 16, splits: (_u, _i, lo, hi) => logTicks(lo, hi), filter: (_u, ticks) => ticks, values: (_u, ticks) => ticks.map((v) => (v == null ? '' : this.#tick10(v))) },
        { label: `${DATASETS[this.#ds]} test accuracy (%)`, size: 44, labelSize: 16 }],
      series: [{}, { show: false }],
      hooks: { draw: [draw] },
    }, [[x0, x1], [null, null]], host);
    host.dataset.x = COSTS[this.#cost].axis;
    host.dataset.y = `${DATASETS[this.#ds]} test accuracy (%)`;
    const over = this.#plot.over;
    over.addEventListener('mousemove', (e) => this.#hoverAt(e));
    over.addEventListener('mouseleave', () => { this.#hover = -1; this.#plot?.redraw(false, false); if (this.#pinned >= 0) this.#showCell(this.#pinned); });
    over.addEventListener('click', (e) => { const i = this.#nearest(e); if (i >= 0) { this.#pinned = i; this.#showCell(i); this.#plot.redraw(false, false); } });
  }

  #tick10(v) {
    if (this.#cost === 'macs' || this.#cost === 'params') return v >= 1e6 ? `${+(v / 1e6).toPrecision(3)} M` : `${+(v / 1e3).toPrecision(3)} k`;
    return `${+v.toPrecision(3)}`;
  }

  #paint(u, cost, acc) {
    const ctx = u.ctx;
    const dpr = devicePixelRatio || 1;
    const n = cost.length;
    const pix = this.#pix?.length === 2 * n ? this.#pix : new Float32Array(2 * n);
    for (let i = 0; i < n; i++) { pix[2 * i] = u.valToPos(cost[i], 'x', true); pix[2 * i + 1] = u.valToPos(acc[i], 'y', true); }
    this.#pix = pix;
    ctx.save();
    ctx.beginPath();
    ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
    ctx.clip();
    const s = 2 * dpr;
    ctx.fillStyle = C.all;
    for (let i = 0; i < n; i++) ctx.fillRect(pix[2 * i] - s / 2, pix[2 * i + 1] - s / 2, s, s);
    const stairs = (ids, colour, width) => {
      const f = ids.slice().sort((a, b) => cost[a] - cost[b]);
      if (!f.length) return;
      ctx.strokeStyle = colour;
      ctx.lineWidth = width * dpr;
      ctx.beginPath();
      f.forEach((i, k) => {
        if (k === 0) ctx.moveTo(pix[2 * i], pix[2 * i + 1]);
        else { ctx.lineTo(pix[2 * i], pix[2 * f[k - 1] + 1]); ctx.lineTo(pix[2 * i], pix[2 * i + 1]); }
      });
      ctx.lineTo(u.bbox.left + u.bbox.width, pix[2 * f.at(-1) + 1]);
      ctx.stroke();
    };
    const dots = (ids, colour, r, ring = false) => {
      for (const i of ids) {
        ctx.beginPath();
        ctx.arc(pix[2 * i], pix[2 * i + 1], r * dpr, 0, 7);
        if (ring) { ctx.strokeStyle = colour; ctx.lineWidth = 1.3 * dpr; ctx.stroke(); } else { ctx.fillStyle = colour; ctx.fill(); }
      }
    };
    stairs(this.#trueFront, C.front, 1.2);
    const s2 = this.#search;
    if (s2) {
      dots(s2.pop, C.pop, 3.2, true);
      dots(s2.queried, C.queried, 2.6);
      if (s2.lookup) dots(s2.added, C.added, 4, true);
      stairs(s2.front, C.found, 2);
      dots(s2.front, C.found, 3.2);
      // The gap: at each true front point, a bar down to the best looked-up accuracy within
      // its cost.
      ctx.strokeStyle = C.gap;
      ctx.lineWidth = 3 * dpr;
      for (const [t, g] of s2.frontGaps) {
        if (!(g > 0)) continue;
        const x = pix[2 * t];
        ctx.beginPath();
        ctx.moveTo(x, pix[2 * t + 1]);
        ctx.lineTo(x, u.valToPos(acc[t] - g, 'y', true));
        ctx.stroke();
      }
    }
    for (const i of [this.#pinned, this.#hover]) {
      if (i < 0) continue;
      ctx.strokeStyle = '#000';
      ctx.lineWidth = 2 * dpr;
      ctx.beginPath();
      ctx.arc(pix[2 * i], pix[2 * i + 1], 6 * dpr, 0, 7);
      ctx.stroke();
    }
    ctx.restore();
    const host = this.#q('.nas-plot');
    host.dataset.points = String(n);
    host.dataset.queried = String(s2?.queried.length ?? 0);
    host.dataset.front = String(s2?.front.length ?? 0);
    host.dataset.shortfalls = String(s2?.frontGaps.filter(([, g]) => g > 0).length ?? 0);
    host.dataset.trueFront = String(this.#trueFront.length);
  }

  /** The architecture drawn nearest the pointer (within 10 px), or -1. */
  #nearest(e) {
    const pix = this.#pix;
    if (!pix || !this.#plot) return -1;
    const dpr = devicePixelRatio || 1;
    const r = this.#plot.over.getBoundingClientRect();
    const x = (e.clientX - r.left) * dpr + this.#plot.bbox.left, y = (e.clientY - r.top) * dpr + this.#plot.bbox.top;
    let best = -1, bd = (10 * dpr) ** 2;
    for (let i = 0; i < pix.length / 2; i++) {
      const d = (pix[2 * i] - x) ** 2 + (pix[2 * i + 1] - y) ** 2;
      if (d < bd) { bd = d; best = i; }
    }
    return best;
  }

  #hoverAt(e) {
    const i = this.#nearest(e);
    if (i === this.#hover) return;
    this.#hover = i;
    this.#plot.redraw(false, false);
    if (i >= 0) this.#showCell(i);
  }

  // ---- cell panel ------------------------------------------------------------------------

  #cellGen = 0;
  async #showCell(index) {
    const gen = ++this.#cellGen;
    let c;
    try {
      c = await this.#call('cell', { index, dataset: this.#ds }, { key: `${this.#id}-cell` });
    } catch (e) {
      if (e instanceof runtime.Superseded) return;
      this.showError(e.message);
      return;
    }
    if (gen !== this.#cellGen) return;
    const roles = [];
    if (this.#trueFront.includes(index)) roles.push('on the true front');
    if (this.#search?.front.includes(index)) roles.push('on the found front');
    else if (this.#search?.queried.includes(index)) roles.push('looked up by the search');
    this.#q('.nas-cell-title').textContent = `#${index}${index === this.#pinned ? ' (pinned)' : ''}${roles.length ? ` · ${roles.join(', ')}` : ''}`;
    this.#q('.nas-diagram').innerHTML = this.#diagram(c);
    this.#q('.nas-diagram').removeAttribute('hidden'); // an SVG element has no `hidden` property
    this.#q('.nas-diagram-note').hidden = false;
    const rows = [
      ['architecture', c.arch],
      ...Object.entries(DATASETS).map(([k, v]) => [v, fmtPct(c.accuracy[DS_INDEX[k]])]),
      ['MACs', `${(c.macs / 1e6).toFixed(2)} M`],
      ['parameters', `${(c.params / 1e6).toFixed(3)} M`],
      ['NASWOT score', c.naswot.toFixed(2)],
    ];
    const fg = this.#search?.frontGaps.find(([t]) => t === index);
    if (fg) rows.push(['search falls short here by', `${fg[1].toFixed(2)} points`]);
    if (this.#cost === 'gpu' || this.#cost === 'cpu') rows.push([`latency (${this.#cost.toUpperCase()}, table)`, `${this.#costs[index].toFixed(3)} ms`]);
    const dl = this.#q('.nas-cell-stats');
    dl.replaceChildren(...rows.flatMap(([k, v]) => { const dt = document.createElement('dt'), dd = document.createElement('dd'); dt.textContent = k; dd.textContent = v; return [dt, dd]; }));
    dl.querySelector('dd').className = 'nas-arch';
    const btn = this.#q('.nas-naswot');
    btn.hidden = false;
    btn.dataset.index = String(index);
    btn.dataset.shipped = String(c.naswot);
    this.#q('.nas-naswot-out').textContent = '';
  }

  /** The cell as a DAG: nodes in a row, each edge an arc labelled with its operation; edges
   *  that are `none` or on no input→output path are dashed. */
  #diagram(c) {
    const X = [20, 110, 200, 290], Y = 118;
    const parts = [];
    EDGES.forEach(([a, b], e) => {
      const op = c.ops[e];
      const st = OPS[op] ?? OPS.none;
      const dead = op === 'none' || !c.live[e];
      const h = [0, 34, 0, 82, 34, 0][e]; // arc height: longer hops arc higher
      const x1 = X[a], x2 = X[b], mx = (x1 + x2) / 2;
      const d = h ? `M${x1},${Y} Q${mx},${Y - 2 * h} ${x2},${Y}` : `M${x1},${Y} L${x2},${Y}`;
      const ly = h ? Y - h - 4 : Y + 24;
      parts.push(`<path d="${d}" fill="none" stroke="${dead ? '#ced4da' : st.colour}" stroke-width="${dead ? 1.5 : 2.5}"${dead ? ' stroke-dasharray="3 4"' : ''} marker-end="url(#arr)"/>`);
      parts.push(`<text x="${mx}" y="${ly}" text-anchor="middle" class="nas-op" fill="${dead ? '#adb5bd' : st.colour}">${op}</text>`);
    });
    X.forEach((x, i) => parts.push(`<circle cx="${x}" cy="${Y}" r="11" fill="#fff" stroke="#495057" stroke-width="1.5"/><text x="${x}" y="${Y + 4}" text-anchor="middle" class="nas-node">${i === 0 ? 'in' : i === 3 ? 'out' : i}</text>`));
    return `<defs><marker id="arr" viewBox="0 0 10 10" refX="23" refY="5" markerUnits="userSpaceOnUse" markerWidth="8" markerHeight="8" orient="auto"><path d="M0,1 L10,5 L0,9 z" fill="#868e96"/></marker></defs>${parts.join('')}`;
  }

  async #naswotHere() {
    const btn = this.#q('.nas-naswot');
    const out = this.#q('.nas-naswot-out');
    const index = +btn.dataset.index, shipped = +btn.dataset.shipped;
    out.textContent = 'running the network on 32 crops…';
    try {
      const t0 = performance.now();
      const v = await this.call('naswot', { index });
      if (+btn.dataset.index !== index) return;
      out.textContent = `${v.toFixed(2)} here in ${((performance.now() - t0) / 1000).toFixed(2)} s — ${Math.fround(v) === Math.fround(shipped) ? 'equal to the shipped score' : `shipped ${shipped.toFixed(2)}`}`;
      this.dispatchEvent(new CustomEvent('naswot', { detail: { index, here: v, shipped } }));
    } catch (e) {
      out.textContent = '';
      this.showError(e.message);
    }
  }
}

if (!customElements.get('ep-nas')) customElements.define('ep-nas', EpNas);
