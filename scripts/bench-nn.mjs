// Browser benchmark (not a test): each network the page runs, on every executor, in one
// Chromium page on one adapter (SwiftShader here; a real GPU elsewhere) —
//   our WGSL executor (tiled kernels), our first simple kernels (the baseline), tract in wasm
//   (our CPU path), onnxruntime-web's WebGPU backend and its wasm backend (1 thread)
// on the same ONNX files: the codec's analysis g_a and synthesis g_s at 768×512, FastDepth and
// the depth student at 224×224. Wall clock including upload and readback (ORT: `run` plus
// `getData()` of the output), median of --reps after one warm-up; our GPU time from timestamp
// queries where the adapter has them. Ratios are against onnxruntime-web WebGPU, measured in the
// same page one after the other. Needs `trunk build` and `npm install` (onnxruntime-web) first.
//   node scripts/bench-nn.mjs [--reps 3] [--nets g_a,g_s,fastdepth,student] [--no-baseline] [--json FILE]
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch, newPage } from '../tests/harness.mjs';

const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const reps = +arg('reps', 3);
const nets = arg('nets', 'g_a,g_s,fastdepth,student').split(',');
const baseline = !process.argv.includes('--no-baseline');
const jsonOut = arg('json', null);

const srv = await serve(ROOT); // dist/ for the page, node_modules/ for onnxruntime-web
const browser = await launch('webgpu');
const { page } = await newPage(browser);
fs.writeFileSync(path.join(ROOT, 'dist', 'bench-nn.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>nn bench</title>');
await page.goto(`${srv.url}/dist/bench-nn.html`);
page.setDefaultTimeout(0);

const r = await page.evaluate(async ({ reps, nets, baseline }) => {
  const tables = await (await fetch('./www/models/pcodec/tables.json')).json();
  const NETS = {
    g_a: { name: 'codec analysis g_a', file: 'pcodec/g_a.onnx', shape: [3, 512, 768] },
    g_s: { name: 'codec synthesis g_s', file: 'pcodec/g_s.onnx', shape: [tables.m, 32, 48] },
    fastdepth: { name: 'FastDepth', file: 'fastdepth/fastdepth.onnx', shape: [3, 224, 224] },
    student: { name: 'depth student', file: 'depth/student.onnx', shape: [3, 224, 224] },
  };
  const rt = await import('./www/shell/runtime.js');
  const e = rt.engine('neural');
  const status = await e.getStatus();
  const median = (t) => { const s = [...t].sort((a, b) => a - b); return s[s.length >> 1]; };
  const ortRun = async (ort, ep, bytes, [c, h, w]) => {
    const s = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
    const data = Float32Array.from({ length: c * h * w }, (_, i) => ((i * 2654435761) % 1000) / 500 - 1);
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', data, [1, c, h, w]) };
    const once = async () => { const res = await s.run(feeds); await res[s.outputNames[0]].getData?.(); };
    await once();
    const t = [];
    for (let i = 0; i < reps; i++) { const t0 = performance.now(); await once(); t.push(performance.now() - t0); }
    await s.release?.();
    return { medianMs: median(t), minMs: Math.min(...t) };
  };
  const ortMods = {};
  for (const [ep, mod] of [['wasm', 'ort.wasm.min.mjs'], ['webgpu', 'ort.webgpu.min.mjs']]) {
    ortMods[ep] = await import(`/node_modules/onnxruntime-web/dist/${mod}`);
    ortMods[ep].env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
    ortMods[ep].env.wasm.numThreads = 1; // tract in wasm is single-threaded too
  }
  const rows = [];
  for (const key of nets) {
    const n = NETS[key];
    if (!n) throw new Error(`no network ${key} (${Object.keys(NETS)})`);
    const bytes = new Uint8Array(await (await fetch(`./www/models/${n.file}`)).arrayBuffer());
    const [c, h, w] = n.shape;
    const row = { key, name: n.name, shape: n.shape };
    const engines = ['wgsl', ...(baseline ? ['wgsl-simple'] : []), 'tract'];
    for (const engine of engines) {
      try {
        // The baseline kernels take tens of seconds on a software adapter: one timed run.
        row[engine] = await e.call('compress', 'timeNetwork', { bytes: bytes.slice(), c, h, w, engine, reps: engine === 'wgsl-simple' ? 1 : reps });
      } catch (err) { row[engine] = { error: String(err.message ?? err) }; }
    }
    for (const ep of ['webgpu', 'wasm']) {
      try { row[`ort-${ep}`] = await ortRun(ortMods[ep], ep, bytes, n.shape); } catch (err) { row[`ort-${ep}`] = { error: String(err.message ?? err) }; }
    }
    rows.push(row);
  }
  return { adapter: status.adapter, rows };
}, { reps, nets, baseline });

const ms = (x) => (x?.medianMs == null ? '—' : x.medianMs >= 100 ? x.medianMs.toFixed(0) : x.medianMs.toFixed(1));
const ratio = (a, b) => (a?.medianMs && b?.medianMs ? (a.medianMs / b.medianMs).toFixed(2) : '—');
console.log(`Chromium ${browser.version()}, WebGPU adapter: ${r.adapter ?? 'none'}; median of ${reps} after one warm-up (baseline kernels: 1 run), wall clock incl. upload and readback, ms\n`);
console.log('| network (input) | our WGSL | GPU time (timestamps) | onnxruntime-web WebGPU | ours / ORT WebGPU | our first kernels | speed-up vs first kernels | tract in wasm (CPU path) | ORT wasm (1 thread) |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const row of r.rows) {
  const g = row.wgsl?.gpuMs == null ? '—' : row.wgsl.gpuMs.toFixed(0);
  const speedup = row['wgsl-simple']?.medianMs && row.wgsl?.medianMs ? `${(row['wgsl-simple'].medianMs / row.wgsl.medianMs).toFixed(1)}×` : '—';
  console.log(`| ${row.name} (${row.shape.join('×')}) | ${ms(row.wgsl)} | ${g} | ${ms(row['ort-webgpu'])} | ${ratio(row.wgsl, row['ort-webgpu'])} | ${ms(row['wgsl-simple'])} | ${speedup} | ${ms(row.tract)} | ${ms(row['ort-wasm'])} |`);
}
for (const row of r.rows) for (const [k, v] of Object.entries(row)) if (v?.error) console.log(`\n${row.name} ${k}: ${v.error}`);
if (jsonOut) fs.writeFileSync(jsonOut, JSON.stringify({ chromium: browser.version(), reps, ...r }, null, 1));
await browser.close();
await srv.close();
