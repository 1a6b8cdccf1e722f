// <ep-wifi>: WiCluster-style Wi-Fi positioning on real channel measurements. A floor map
// with the sketch's zones and access point, true and predicted test points joined by error
// lines; the learned chart (2-D PCA) coloured by cluster or zone; a slider for how many
// labelled packets per zone training may use (retrains live); the metrics with baselines.
// Attributes: `data` ("path1"…"path5", "office", "home"; default "path3"), `steps` (training
// steps, default 1500).

import uPlot from '../vendor/uplot/uPlot.esm.js';
import { EpWidget } from '../shell/widget.js';
import { Progress } from '../shell/progress.js';

const here = (p) => new URL(p, import.meta.url).href;
const LABELLED = [10, 20, 50, 100, 200, 500, 1000, 0]; // packets per zone; 0 = all
const MAIN = 'WiCluster-style';
const colour = (i, a = 1) => `hsla(${(i * 137.508) % 360}, 62%, ${i % 2 ? 42 : 52}%, ${a})`;
const fmtM = (x) => `${x.toFixed(2)} m`;
const fmtPct = (x) => `${(100 * x).toFixed(1)} %`;
const GAP = 2; // metres between storeys drawn side by side

let uid = 0;

export class EpWifi extends EpWidget {
  static title = 'Wi-Fi positioning without precise labels (WiCluster)';
  static feature = 'wifi';
  static engines = ['wifi'];
  static css = here('./wifi.css');

  #id = `wifi-${++uid}`;
  #data = null; // summary from the engine
  #source = 'path3';
  #run = null; // { outcome, baselines, trainMs, inputs, labelled }
  #show = MAIN; // whose predictions the map shows
  #colourBy = 'cluster';
  #labelled = LABELLED.length - 1;
  #inputs = 'csi+rssi';
  #steps = 1500;
  #timer = 0;
  #plots = { map: null, chart: null };
  #loadGen = 0;
  #seq = 0;
  /** The latest training's numbers (also sent as the `result` event). */
  result = null;

  render() {
    const d = (this.getAttribute('data') || '').trim();
    if (/^(path[1-5]|office|home)$/.test(d)) this.#source = d;
    const steps = parseInt(this.getAttribute('steps') || '', 10);
    if (steps > 0) this.#steps = Math.min(20000, steps);
    const el = document.createElement('div');
    el.className = 'wf';
    el.innerHTML = `
      <link rel="stylesheet" href="${here('../vendor/uplot/uPlot.min.css')}">
      <div class="ep-row">
        <span class="ep-label">Data</span>
        ${[1, 2, 3, 4, 5].map((p) => `<button type="button" class="ep-chip" data-src="path${p}" title="CSUIndoorLoc corridor path ${p} (real captures)">Path ${p}</button>`).join('')}
        <button type="button" class="ep-chip" data-src="office" title="Simulated 2-D office">Sim: office</button>
        <button type="button" class="ep-chip" data-src="home" title="Simulated 3-D two-storey home">Sim: home</button>
        <label class="ep-chip ep-upload" title="Nexmon captures named ref_<point>_….pcap / test_<point>_….pcap and a CSV with location,x_m,y_m[,zone][,rssi][,split]">Your captures…<input type="file" multiple accept=".pcap,.pcapng,.csv,application/vnd.tcpdump.pcap,text/csv" hidden></label>
      </div>
      <p class="ep-notice wf-about"></p>
      <div class="ep-row">
        <label class="ep-label" for="lab">Labels</label>
        <input id="lab" class="wf-labelled" type="range" min="0" max="${LABELLED.length - 1}" step="1" value="${this.#labelled}">
        <output class="wf-labelled-value" for="lab"></output>
        <label class="wf-inputs-label">Inputs <select class="wf-inputs"><option value="csi+rssi">CSI + RSSI</option><option value="csi">CSI only</option></select></label>
        <button type="button" class="ep-chip wf-retrain">Retrain</button>
      </div>
      <div class="wf-busy-slot"></div>
      <div class="wf-panels">
        <figure class="wf-panel">
          <figcaption><span class="ep-label">Floor map</span>
            <label>predictions of <select class="wf-show"></select></label></figcaption>
          <div class="wf-map"></div>
          <div class="wf-legend ep-hint">
            <span><i class="wf-k wf-k-ap"></i>access point (sketch)</span>
            <span><i class="wf-k wf-k-ref"></i>reference point</span>
            <span><i class="wf-k wf-k-true"></i>test point (truth)</span>
            <span><i class="wf-k wf-k-pred"></i>predicted, with error line</span>
          </div>
        </figure>
        <figure class="wf-panel">
          <figcaption><span class="ep-label">Learned chart</span>
            <label>colour by <select class="wf-colour"><option value="cluster">cluster (k-means)</option><option value="zone">zone</option></select></label></figcaption>
          <div class="wf-chart"></div>
          <div class="ep-hint wf-chart-note"></div>
        </figure>
      </div>
      <table class="wf-table">
        <thead><tr><th>method</th><th>trained with</th><th>zone acc.</th><th>median</th><th>mean</th></tr></thead>
        <tbody></tbody>
      </table>
      <p class="ep-caption">WiCluster-style: an embedding of the CSI learned with a triplet loss (samples of one capture or
        adjacent moments are positives) and a clustering loss on zone labels, then mapped to metres using only the sketch —
        zone boxes of at least 2 m and the access point. Reference points' precise coordinates are never used for training
        (they are drawn for orientation). Numbers are per test point; <code>edgeplay wifi</code> prints the same table.</p>`;
    el.querySelectorAll('[data-src]').forEach((b) => b.addEventListener('click', () => this.#load(b.dataset.src)));
    const lab = el.querySelector('.wf-labelled');
    lab.addEventListener('input', () => { this.#labelled = +lab.value; this.#showLabelled(); this.#retrainSoon(); });
    el.querySelector('.wf-inputs').addEventListener('change', (e) => { this.#inputs = e.target.value; this.#train(); });
    el.querySelector('.wf-retrain').addEventListener('click', () => this.#train());
    this.#progress = new Progress({ onCancel: () => this.#cancel(), className: 'wf-busy' });
    el.querySelector('.wf-busy-slot').replaceWith(this.#progress.el);
    el.querySelector('.wf-show').addEventListener('change', (e) => { this.#show = e.target.value; this.#drawMap(); });
    el.querySelector('.wf-colour').addEventListener('change', (e) => { this.#colourBy = e.target.value; this.#drawChart(); });
    const input = el.querySelector('input[type=file]');
    input.addEventListener('change', () => { if (input.files.length) this.#loadFiles([...input.files]); input.value = ''; });
    const frame = this.shadowRoot.querySelector('.ep-frame');
    frame.addEventListener('dragover', (e) => { e.preventDefault(); frame.classList.add('ep-drop-active'); });
    frame.addEventListener('dragleave', () => frame.classList.remove('ep-drop-active'));
    frame.addEventListener('drop', (e) => {
      e.preventDefault();
      frame.classList.remove('ep-drop-active');
      if (e.dataTransfer?.files?.length) this.#loadFiles([...e.dataTransfer.files]);
    });
    this.#resizer = new ResizeObserver(() => { this.#drawMap(); this.#drawChart(); });
    this.#resizer.observe(el);
    this.#showLabelled(el);
    return el;
  }

  #resizer = null;

  async start() {
    await this.#load(this.#source);
  }

  closeSession() { this.call('close', { session: this.#id }).catch(() => {}); }

  /** The session's data set is gone (crash) or closed (detached): load the current source again. */
  async reopen() { await this.#load(this.#source === 'files' ? 'path3' : this.#source); }

  /** Training and inference run in WebAssembly on every page: say so, whatever the adapter. */
  badge(s) {
    return {
      path: 'cpu',
      text: 'CPU · WASM',
      title: `Training and inference run on the CPU in WebAssembly (candle autodiff; the network is small enough that a GPU would not pay)${s.path === 'gpu' ? `; the page's WebGPU adapter (${s.adapter}) serves the other widgets` : ''}`,
      toggle: false,
    };
  }

  #q(sel) { return this.shadowRoot.querySelector(sel); }

  #showLabelled(root = this.shadowRoot) {
    const v = LABELLED[this.#labelled];
    root.querySelector('.wf-labelled-value').textContent = v === 0 ? 'all packets labelled with their zone' : `${v} labelled packets per zone`;
    root.querySelector('.wf-labelled').setAttribute('aria-valuetext', v === 0 ? 'all' : `${v} per zone`);
  }

  #progress = null;
  #busy(on, text = '', frac = 0) {
    if (on) this.#progress.show(text, frac); else this.#progress.hide();
  }

  async #load(source) {
    const gen = ++this.#loadGen;
    this.clearError();
    this.shadowRoot.querySelectorAll('[data-src]').forEach((b) => b.setAttribute('aria-pressed', String(b.dataset.src === source)));
    try {
      await this.call('cancel', { session: this.#id });
      let data;
      if (source.startsWith('path')) {
        this.#busy(true, 'Loading captures…', 0);
        data = await this.call('loadPath', { session: this.#id, path: +source.slice(4) }, {
          onProgress: (p) => this.#busy(true, `Loading captures… ${p.loaded} / ${p.total}`, p.loaded / p.total),
        });
      } else {
        this.#busy(true, 'Simulating the scene (ray tracing every packet)…', 0);
        data = await this.call('loadSim', { session: this.#id, scene: source, seed: 1 });
      }
      if (gen !== this.#loadGen) return;
      this.#source = source;
      this.#setData(data);
      await this.#train();
    } catch (e) {
      if (gen === this.#loadGen) { this.#busy(false); this.showError(e.message); }
    }
  }

  async #loadFiles(list) {
    const gen = ++this.#loadGen;
    this.clearError();
    try {
      await this.call('cancel', { session: this.#id });
      this.#busy(true, `Reading ${list.length} files…`, 0);
      const files = [];
      for (const f of list) {
        if (/\.csv$/i.test(f.name)) files.push({ name: f.name, text: await f.text() });
        else if (/\.pcap(ng)?$/i.test(f.name)) files.push({ name: f.name, bytes: new Uint8Array(await f.arrayBuffer()) });
      }
      if (!files.length) throw new Error('None of these files is a capture (.pcap, .pcapng) or a location table (.csv).');
      const data = await this.call('loadFiles', { session: this.#id, files });
      if (gen !== this.#loadGen) return;
      this.#source = 'files';
      this.shadowRoot.querySelectorAll('[data-src]').forEach((b) => b.setAttribute('aria-pressed', 'false'));
      this.#setData(data);
      await this.#train();
    } catch (e) {
      if (gen === this.#loadGen) { this.#busy(false); this.showError(e.message); }
    }
  }

  #setData(data) {
    this.#data = data;
    this.#run = null;
    const refs = data.points.filter((p) => !p.test).length;
    const about = this.#q('.wf-about');
    about.textContent = `${data.simulated ? 'SIMULATED — ' : ''}${data.name}: ${refs} reference and ${data.points.length - refs} test points, `
      + `${data.zones.length} zones, ${data.referenceSamples} training samples of ${data.window} packets. Access point: ${data.apNote}.`
      + (data.notes.length ? ` Notes: ${data.notes.slice(0, 3).join('; ')}${data.notes.length > 3 ? ` (+${data.notes.length - 3} more)` : ''}.` : '');
    about.classList.toggle('wf-sim', data.simulated);
    const sel = this.#q('.wf-inputs');
    sel.querySelector('[value="csi+rssi"]').disabled = !data.hasRssi;
    if (!data.hasRssi) this.#inputs = 'csi';
    else if (this.#inputs === 'csi' && sel.value !== 'csi') this.#inputs = 'csi+rssi';
    sel.value = this.#inputs;
    this.#drawMap();
    this.#drawChart();
    this.#fillTable();
  }

  #retrainSoon() {
    clearTimeout(this.#timer);
    this.#timer = setTimeout(() => this.#train(), 350);
  }

  async #cancel() {
    await this.call('cancel', { session: this.#id }).catch(() => {});
    this.#busy(false);
  }

  async #train() {
    if (!this.#data) return;
    this.clearError();
    const labelled = LABELLED[this.#labelled];
    const inputs = this.#inputs;
    this.#busy(true, 'Training…', 0);
    try {
      const r = await this.call('train', {
        session: this.#id, inputs, seed: 1, steps: this.#steps, labelled, csiNoise: 0.5,
      }, {
        onProgress: (p) => this.#busy(true, `Training step ${p.step} / ${p.steps} · triplet ${p.triplet.toFixed(3)} · cluster ${p.cluster.toFixed(3)} · geometry ${p.geometry.toFixed(2)} · ${(p.ms / 1000).toFixed(1)} s`, p.step / p.steps),
      });
      if (r.cancelled) return;
      this.#run = { ...r, inputs, labelled };
      this.#busy(false);
      this.#fillTable();
      this.#drawMap();
      this.#drawChart();
      this.result = {
        seq: ++this.#seq, source: this.#source, inputs, labelled, trainMs: r.trainMs, simulated: this.#data.simulated,
        metrics: r.outcome.metrics, clusterPurity: r.outcome.cluster_purity, labelledSamples: r.outcome.labelled_samples,
        baselines: r.baselines.map((b) => ({ method: b.method, metrics: b.metrics })),
        chartPoints: r.outcome.chart.length, testPoints: this.#data.points.filter((p) => p.test).length,
      };
      this.dispatchEvent(new CustomEvent('result', { detail: this.result }));
    } catch (e) {
      this.#busy(false);
      this.showError(e.message);
    }
  }

  /** Rows: the pipeline, then the baselines. */
  #rows() {
    if (!this.#run) return [];
    const o = this.#run.outcome;
    const tag = this.#run.inputs === 'csi+rssi' ? 'CSI + RSSI' : 'CSI';
    return [{ method: `${MAIN} (${tag})`, key: MAIN, supervision: 'zone labels + sketch', metrics: o.metrics, prediction: o.prediction },
      ...this.#run.baselines.map((b) => ({ ...b, key: b.method }))];
  }

  #fillTable() {
    const body = this.#q('.wf-table tbody');
    const rows = this.#rows();
    body.replaceChildren(...rows.map((r) => {
      const tr = document.createElement('tr');
      if (r.key === MAIN) tr.className = 'wf-main';
      for (const v of [r.method, r.supervision, fmtPct(r.metrics.zone_accuracy), fmtM(r.metrics.median_m), fmtM(r.metrics.mean_m)]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.append(td);
      }
      return tr;
    }));
    const sel = this.#q('.wf-show');
    const keep = this.#show;
    sel.replaceChildren(...rows.map((r) => new Option(r.method, r.key, false, r.key === keep)));
    if (!rows.some((r) => r.key === keep)) this.#show = MAIN;
    const note = this.#q('.wf-chart-note');
    if (this.#run) {
      const o = this.#run.outcome;
      note.textContent = `k-means with one cluster per zone; purity on test samples ${fmtPct(o.cluster_purity)}. `
        + `${o.labelled_samples} labelled samples; trained in ${(this.#run.trainMs / 1000).toFixed(1)} s.`;
    } else note.textContent = '';
  }

  /** Plan coordinates: storeys (3-D) side by side. */
  #plan(p) {
    const d = this.#data;
    if (d.dims < 3) return [p[0], p[1]];
    const width = Math.max(...d.zones.map((z) => z.hi[0])) - Math.min(...d.zones.map((z) => z.lo[0]));
    const storey = p[2] >= 3 ? 1 : 0;
    return [p[0] + storey * (width + GAP), p[1]];
  }

  #drawMap() {
    const host = this.#q('.wf-map');
    const d = this.#data;
    this.#plots.map?.destroy();
    this.#plots.map = null;
    if (!d || !host.clientWidth) return;
    const boxes = d.zones.map((z) => { const a = this.#plan(z.lo), b = this.#plan([z.hi[0], z.hi[1], z.lo[2]]); return [a[0], a[1], b[0], b[1]]; });
    let x0 = Math.min(...boxes.map((b) => b[0])) - 1, x1 = Math.max(...boxes.map((b) => b[2])) + 1;
    let y0 = Math.min(...boxes.map((b) => b[1])) - 1, y1 = Math.max(...boxes.map((b) => b[3])) + 1;
    const width = host.clientWidth;
    // Equal metres per pixel on both axes; the height follows, within limits.
    const plotW = width - 60;
    let height = Math.round(plotW * (y1 - y0) / (x1 - x0)) + 50;
    height = Math.max(180, Math.min(420, height));
    const need = (x1 - x0) * (height - 50) / plotW;
    if (need > y1 - y0) { const c = (y0 + y1) / 2; y0 = c - need / 2; y1 = c + need / 2; } else {
      const needX = (y1 - y0) * plotW / (height - 50); const c = (x0 + x1) / 2; x0 = c - needX / 2; x1 = c + needX / 2;
    }
    const plan = this.#plan.bind(this);
    const run = this.#run;
    const rows = this.#rows();
    const shown = rows.find((r) => r.key === this.#show) ?? rows[0];
    const tests = d.points.filter((p) => p.test);
    const refs = d.points.filter((p) => !p.test);
    const storeyW = d.dims === 3 ? Math.max(...d.zones.map((z) => z.hi[0])) - Math.min(...d.zones.map((z) => z.lo[0])) : 0;
    const draw = (u) => {
      const ctx = u.ctx;
      ctx.textAlign = 'left';
      ctx.textBaseline = 'alphabetic';
      const px = (p) => [u.valToPos(p[0], 'x', true), u.valToPos(p[1], 'y', true)];
      const dpr = devicePixelRatio || 1;
      ctx.save();
      ctx.beginPath();
      ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
      ctx.clip();
      d.zones.forEach((z, i) => {
        const [a, b] = [px([boxes[i][0], boxes[i][1]]), px([boxes[i][2], boxes[i][3]])];
        ctx.fillStyle = colour(i, 0.13);
        ctx.strokeStyle = colour(i, 0.7);
        ctx.lineWidth = dpr;
        ctx.fillRect(a[0], b[1], b[0] - a[0], a[1] - b[1]);
        ctx.strokeRect(a[0], b[1], b[0] - a[0], a[1] - b[1]);
        if (b[0] - a[0] > 26 * dpr) {
          ctx.fillStyle = colour(i, 0.95);
          ctx.font = `${10 * dpr}px system-ui, sans-serif`;
          ctx.fillText(z.name, a[0] + 3 * dpr, b[1] + 11 * dpr);
        }
      });
      if (d.dims === 3) {
        ctx.fillStyle = '#495057';
        ctx.font = `${12 * dpr}px system-ui, sans-serif`;
        ctx.fillText('ground floor', px([0, y1])[0] + 4 * dpr, u.bbox.top + 14 * dpr);
        ctx.fillText('upper floor', px([storeyW + GAP, y1])[0] + 4 * dpr, u.bbox.top + 14 * dpr);
      }
      ctx.fillStyle = '#adb5bd';
      for (const p of refs) { const [x, y] = px(plan(p.pos)); ctx.beginPath(); ctx.arc(x, y, 2 * dpr, 0, 7); ctx.fill(); }
      if (shown) {
        tests.forEach((p, i) => {
          const q = shown.prediction.pos[i];
          if (!q) return;
          const [a, b] = [px(plan(p.pos)), px(plan(q))];
          ctx.strokeStyle = 'rgba(217, 72, 15, 0.55)';
          ctx.lineWidth = 1.2 * dpr;
          ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke();
          ctx.fillStyle = '#d9480f';
          ctx.beginPath(); ctx.arc(b[0], b[1], 3 * dpr, 0, 7); ctx.fill();
        });
      }
      for (const p of tests) {
        const [x, y] = px(plan(p.pos));
        ctx.strokeStyle = '#1c1f24'; ctx.lineWidth = 1.5 * dpr;
        ctx.beginPath(); ctx.arc(x, y, 3.5 * dpr, 0, 7); ctx.stroke();
      }
      const [ax, ay] = px(plan(d.ap));
      ctx.fillStyle = '#3b6cf6';
      ctx.beginPath(); ctx.moveTo(ax, ay - 7 * dpr); ctx.lineTo(ax - 6 * dpr, ay + 5 * dpr); ctx.lineTo(ax + 6 * dpr, ay + 5 * dpr); ctx.closePath(); ctx.fill();
      ctx.restore();
    };
    const xValues = d.dims === 3 ? (_u, ticks) => ticks.map((v) => (v > storeyW + GAP / 2 ? v - storeyW - GAP : v).toFixed(0)) : undefined;
    this.#plots.map = new uPlot({
      width, height, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, range: [x0, x1] }, y: { range: [y0, y1] } },
      axes: [{ label: 'x (m)', values: xValues, size: 36, labelSize: 14 }, { label: 'y (m)', size: 40, labelSize: 14 }],
      series: [{}, { show: false }],
      hooks: { draw: [draw] },
    }, [[x0, x1], [null, null]], host);
    host.dataset.points = String(run ? tests.length : 0);
  }

  #drawChart() {
    const host = this.#q('.wf-chart');
    this.#plots.chart?.destroy();
    this.#plots.chart = null;
    if (!this.#run || !host.clientWidth) { host.replaceChildren(); return; }
    const pts = this.#run.outcome.chart;
    const xs = pts.map((p) => p.x), ys = pts.map((p) => p.y);
    const pad = (a, b) => { const m = (b - a) * 0.06 || 1; return [a - m, b + m]; };
    const [x0, x1] = pad(Math.min(...xs), Math.max(...xs));
    const [y0, y1] = pad(Math.min(...ys), Math.max(...ys));
    const by = this.#colourBy;
    const draw = (u) => {
      const ctx = u.ctx;
      const dpr = devicePixelRatio || 1;
      ctx.save();
      for (const p of pts) {
        const x = u.valToPos(p.x, 'x', true), y = u.valToPos(p.y, 'y', true);
        const c = colour(by === 'zone' ? p.zone : p.cluster, p.test ? 1 : 0.55);
        ctx.beginPath(); ctx.arc(x, y, (p.test ? 3.5 : 2.2) * dpr, 0, 7);
        if (p.test) { ctx.strokeStyle = c; ctx.lineWidth = 1.5 * dpr; ctx.stroke(); } else { ctx.fillStyle = c; ctx.fill(); }
      }
      ctx.restore();
    };
    this.#plots.chart = new uPlot({
      width: host.clientWidth, height: 300, legend: { show: false }, cursor: { show: false },
      scales: { x: { time: false, range: [x0, x1] }, y: { range: [y0, y1] } },
      axes: [{ label: 'principal axis 1', size: 36, labelSize: 14, values: () => [] }, { label: 'principal axis 2', size: 30, labelSize: 14, values: () => [] }],
      series: [{}, { show: false }],
      hooks: { draw: [draw] },
    }, [[x0, x1], [null, null]], host);
    host.dataset.points = String(pts.length);
  }
}

if (!customElements.get('ep-wifi')) customElements.define('ep-wifi', EpWifi);
