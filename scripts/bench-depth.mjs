// Browser benchmark (not a test): FastDepth per frame at 224×224 in one Chromium page —
// tract in wasm (our CPU path) vs onnxruntime-web's wasm backend, and our WGSL kernels vs
// onnxruntime-web's WebGPU backend, on the same ONNX file and the same adapter (SwiftShader
// here, a real GPU elsewhere). Ours is timed through the widget's engine call on a 224×224
// picture (the resizes are then identities), so it includes the copy in and the readback;
// onnxruntime-web's `run` includes its upload and readback too. Median after one warm-up.
// Needs `trunk build` and `npm install` (onnxruntime-web) first.
//   node scripts/bench-depth.mjs [--reps 5]
//
// `--models`: every network of the widget's menu (www/models/depth/models.json) instead, on both
// paths in one page — tract in wasm (CPU) and our WGSL executor on WebGPU — through the same
// engine call (the GPU forced: under 'auto' the engine would pick the faster path), on a picture of `--frame WxH` (default 224x224; 640x480 is what models.json's
// native figures use, resizes included); median of `--reps` after one warm-up per network and
// path (rounds interleaved over the networks), ms per frame and frames/s, next to the native
// CLI's frames/s from models.json.
//   node scripts/bench-depth.mjs --models [--reps 5] [--frame 640x480]
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch, newPage } from '../tests/harness.mjs';

const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const reps = +arg('reps', 5);
const models = process.argv.includes('--models');
const [fw, fh] = arg('frame', '224x224').split('x').map(Number);
if (!(fw > 0 && fh > 0)) throw new Error('--frame WxH, e.g. 640x480');

const srv = await serve(ROOT); // dist/ for the page, node_modules/ for onnxruntime-web
const browser = await launch('webgpu');
const { page } = await newPage(browser);
// An empty page: no widget competes for the CPU.
fs.writeFileSync(path.join(ROOT, 'dist', 'bench-depth.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>depth bench</title>');
await page.goto(`${srv.url}/dist/bench-depth.html`);
page.setDefaultTimeout(0);
const median = (t) => { const s = [...t].sort((a, b) => a - b); return s[s.length >> 1]; };

if (models) {
  const r = await page.evaluate(async ({ reps, fw, fh }) => {
    const catalog = await (await fetch('./www/models/depth/models.json')).json();
    const rt = await import('./www/shell/runtime.js');
    const e = rt.engine('depth');
    const status = await e.getStatus();
    const rgba = new Uint8Array(fw * fh * 4).map((_, i) => (i * 2654435761) % 251);
    const rows = [];
    for (const m of catalog.models) {
      await e.call('depth', 'loadBuiltin', { key: m.key, file: m.file, name: m.name });
      rows.push({ key: m.key, name: m.name, native_fps: m.native_fps });
    }
    for (const backend of ['cpu', 'gpu']) {
      await rt.setBackend(backend);
      const run = (row) => e.call('depth', 'predict', { key: row.key, rgba: rgba.slice(), width: fw, height: fh });
      for (const row of rows) row[backend] = { path: (await run(row)).path, t: [] }; // warm-up
      // Interleaved rounds: a slow spell of the machine hits every network alike.
      for (let i = 0; i < reps; i++) for (const row of rows) row[backend].t.push((await run(row)).ms);
    }
    await rt.setBackend('auto');
    return { adapter: status.adapter, bench: catalog.bench, rows };
  }, { reps, fw, fh });
  const ms = (x) => (x ? median(x.t).toFixed(0) : '—');
  const fps = (x) => (x ? (1000 / median(x.t)).toFixed(1) : '—');
  const gpu = (row) => (row.gpu?.path === 'gpu' ? row.gpu : null);
  console.log(`Depth networks of models.json, ${fw}×${fh} frame, Chromium ${browser.version()}, WebGPU adapter: ${r.adapter ?? 'none'}; median of ${reps} interleaved rounds after one warm-up, through the widget's engine call (incl. both resizes, copy in and readback)\n`);
  console.log('| network | CPU (tract in wasm) ms | CPU frames/s | WebGPU (our WGSL) ms | WebGPU frames/s | native CLI frames/s (models.json) |');
  console.log('|---|---:|---:|---:|---:|---:|');
  for (const row of r.rows) {
    console.log(`| ${row.name} | ${ms(row.cpu)} | ${fps(row.cpu)} | ${ms(gpu(row))} | ${fps(gpu(row))} | ${typeof row.native_fps === 'number' ? row.native_fps.toFixed(1) : '—'} |`);
  }
  if (r.bench) console.log(`\nnative CLI: ${r.bench}`);
  if (r.rows.some((row) => !gpu(row))) console.log('\nno WebGPU path here: the GPU columns are empty');
  await browser.close();
  await srv.close();
  process.exit(0);
}

const ortTimes = await page.evaluate(async (reps) => {
  const bytes = new Uint8Array(await (await fetch('./www/models/fastdepth/fastdepth.onnx')).arrayBuffer());
  const data = Float32Array.from({ length: 3 * 224 * 224 }, (_, i) => ((i * 2654435761) % 1000) / 1000);
  const out = {};
  for (const [name, mod, ep] of [['wasm', 'ort.wasm.min.mjs', 'wasm'], ['webgpu', 'ort.webgpu.min.mjs', 'webgpu']]) {
    try {
      const ort = await import(`/node_modules/onnxruntime-web/dist/${mod}`);
      ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
      ort.env.wasm.numThreads = 1; // tract in wasm is single-threaded too
      const s = await ort.InferenceSession.create(bytes, { executionProviders: [ep], graphOptimizationLevel: 'all' });
      const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', data, [1, 3, 224, 224]) };
      const r0 = await s.run(feeds);
      await r0[s.outputNames[0]].getData?.();
      const t = [];
      for (let r = 0; r < reps; r++) {
        const t0 = performance.now();
        const res = await s.run(feeds);
        await res[s.outputNames[0]].getData?.(); // read back (GPU tensors)
        t.push(performance.now() - t0);
      }
      out[name] = t;
    } catch (e) { out[name] = String(e); }
  }
  return out;
}, reps);

const ours = await page.evaluate(async (reps) => {
  const rt = await import('./www/shell/runtime.js');
  const e = rt.engine('depth');
  const status = await e.getStatus();
  await e.call('depth', 'loadFastDepth', {});
  const rgba = new Uint8Array(224 * 224 * 4).map((_, i) => (i * 2654435761) % 251);
  const out = { adapter: status.adapter };
  for (const backend of ['cpu', 'gpu']) {
    await rt.setBackend(backend);
    const run = async () => { const r = await e.call('depth', 'predict', { key: 'fastdepth', rgba: rgba.slice(), width: 224, height: 224 }); return r; };
    const first = await run();
    const t = [];
    for (let r = 0; r < reps; r++) t.push((await run()).ms);
    out[backend] = { path: first.path, t };
  }
  await rt.setBackend('auto');
  return out;
}, reps);

const f = (t) => (Array.isArray(t) ? median(t).toFixed(0) : '—');
console.log(`FastDepth 224×224, Chromium ${browser.version()}, WebGPU adapter: ${ours.adapter ?? 'none'}, median of ${reps} after one warm-up (ms per frame)\n`);
console.log('| path | ours | onnxruntime-web 1.30 | ours / onnxruntime-web |');
console.log('|---|---:|---:|---:|');
const ratio = (a, b) => (Array.isArray(a) && Array.isArray(b) ? (median(a) / median(b)).toFixed(2) : '—');
console.log(`| CPU: tract in wasm vs ORT wasm (1 thread) | ${f(ours.cpu.t)} | ${f(ortTimes.wasm)} | ${ratio(ours.cpu.t, ortTimes.wasm)} |`);
const gpuOurs = ours.gpu?.path === 'gpu' ? ours.gpu.t : null;
console.log(`| WebGPU: our WGSL vs ORT WebGPU | ${f(gpuOurs)} | ${f(ortTimes.webgpu)} | ${ratio(gpuOurs, ortTimes.webgpu)} |`);
for (const [k, v] of Object.entries(ortTimes)) if (!Array.isArray(v)) console.log(`\nonnxruntime-web ${k}: ${v}`);
await browser.close();
await srv.close();
