// Browser benchmark (not a test) of the compression playground, 768x512 (kodim23), Chromium:
//  1. the neural codec's transforms: tract compiled to wasm (our CPU path) vs onnxruntime-web's
//     wasm backend on the same ONNX files, and our WGSL kernels on WebGPU (SwiftShader here);
//  2. encode time of each progressive codec, CPU path and WebGPU;
//  3. slider update latency (decode of the prefix + PSNR/MS-SSIM, in the engine) per codec.
// Needs `trunk build` and `npm install` (onnxruntime-web) first.
//   node scripts/bench-compress.mjs [--reps 3] [--sweep 10] [--skip-gpu]
import path from 'node:path';
import { ROOT, serve, launch, newPage } from '../tests/harness.mjs';

const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const reps = +arg('reps', 3);
const sweep = +arg('sweep', 10);
const skipGpu = process.argv.includes('--skip-gpu');

const srv = await serve(ROOT); // dist/ for the page, node_modules/ for onnxruntime-web
const browser = await launch('webgpu');
const { page } = await newPage(browser);
await page.addInitScript(() => customElements.define('ep-compress', class extends HTMLElement {}));
await page.goto(`${srv.url}/dist/index.html`);
page.setDefaultTimeout(0);
const status = await page.evaluate(async () => (await import('./www/shell/runtime.js')).engine('imaging').getStatus());
console.log(`Chromium ${browser.version()}, WebGPU adapter: ${status.adapter ?? 'none'}; 768×512, median of ${reps} after one warm-up`);

// 1. transforms
const ort = await page.evaluate(async (reps) => {
  const ort = await import('/node_modules/onnxruntime-web/dist/ort.wasm.min.mjs');
  ort.env.wasm.wasmPaths = '/node_modules/onnxruntime-web/dist/';
  ort.env.wasm.numThreads = 1; // tract in wasm is single-threaded too (no cross-origin isolation needed)
  const tables = await (await fetch('./www/models/pcodec/tables.json')).json();
  const out = {};
  for (const [part, c, h, w] of [['g_a', 3, 512, 768], ['g_s', tables.m, 32, 48]]) {
    const bytes = new Uint8Array(await (await fetch(`./www/models/pcodec/${part}.onnx`)).arrayBuffer());
    const s = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
    const data = Float32Array.from({ length: c * h * w }, (_, i) => ((i * 2654435761) % 1000) / 500 - 1);
    const feeds = { [s.inputNames[0]]: new ort.Tensor('float32', data, [1, c, h, w]) };
    await s.run(feeds);
    const t = [];
    for (let r = 0; r < reps; r++) { const t0 = performance.now(); await s.run(feeds); t.push(performance.now() - t0); }
    t.sort((a, b) => a - b);
    out[part] = t[t.length >> 1];
  }
  return out;
}, reps);
const ours = await page.evaluate(async ({ reps, skipGpu }) => {
  const rt = await import('./www/shell/runtime.js');
  const out = {};
  for (const part of ['g_a', 'g_s']) {
    for (const engine of skipGpu ? ['cpu'] : ['cpu', 'gpu']) {
      try { out[`${part}-${engine}`] = (await rt.engine('neural').call('compress', 'timeTransform', { part, width: 768, height: 512, engine, reps })).medianMs; }
      catch (e) { out[`${part}-${engine}`] = null; }
    }
  }
  return out;
}, { reps, skipGpu });
const f = (x) => (x == null ? '—' : x.toFixed(0));
console.log('\nNeural codec transforms, 768×512 (ms, wall clock, single thread)\n');
console.log('| transform | tract (wasm, our CPU path) | onnxruntime-web 1.30 (wasm) | tract / onnxruntime-web | WGSL on WebGPU (incl. upload + readback) |');
console.log('|---|---:|---:|---:|---:|');
for (const part of ['g_a', 'g_s']) {
  console.log(`| ${part} | ${f(ours[`${part}-cpu`])} | ${f(ort[part])} | ${(ours[`${part}-cpu`] / ort[part]).toFixed(2)} | ${f(ours[`${part}-gpu`])} |`);
}

// 2 + 3. encode and slider latency through the widget's engine calls
const rows = await page.evaluate(async ({ sweep, skipGpu }) => {
  const rt = await import('./www/shell/runtime.js');
  const bmp = await createImageBitmap(await (await fetch('./www/samples/kodim23.png')).blob(), { colorSpaceConversion: 'none' });
  const c = new OffscreenCanvas(bmp.width, bmp.height);
  c.getContext('2d').drawImage(bmp, 0, 0);
  const rgba = c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data;
  const px = bmp.width * bmp.height;
  // A drag across the slider: log-spaced budgets from 0.05 to 1.5 bpp.
  const budgets = Array.from({ length: sweep }, (_, i) => Math.round((Math.exp(Math.log(0.05) + (i / (sweep - 1)) * Math.log(30)) * px) / 8));
  await rt.engine('neural').call('compress', 'loadModel', {});
  const out = [];
  for (const backend of skipGpu ? ['cpu'] : ['cpu', 'gpu']) {
    await rt.setBackend(backend);
    const st = await rt.engine('imaging').getStatus();
    const session = `bench-${backend}`;
    for (const e of ['imaging', 'neural']) await rt.engine(e).call('compress', 'setImage', { session, rgba: rgba.slice(), width: bmp.width, height: bmp.height });
    const enc = {};
    for (const codec of ['spiht', 'progressive']) enc[codec] = await rt.engine(codec === 'progressive' ? 'neural' : 'imaging').call('compress', 'encode', { session, codec });
    for (const codec of ['progressive', 'spiht', 'jpeg', 'webp']) {
      await rt.engine(codec === 'progressive' ? 'neural' : 'imaging').call('compress', 'quality', { session, codec, bytes: budgets[0] }); // warm-up (pipelines)
      const r = await rt.engine(codec === 'progressive' ? 'neural' : 'imaging').call('compress', 'benchSlider', { session, codec, budgets });
      out.push({ path: st.path, codec, encMs: enc[codec]?.ms ?? null, ...r });
    }
  }
  await rt.setBackend('auto');
  return out;
}, { sweep, skipGpu });
console.log(`\nSlider update latency, kodim23 768×512: decode of the budget + PSNR + MS-SSIM in the engine, a sweep of ${sweep} budgets (0.05–1.5 bpp, log-spaced)\n`);
console.log('| path | codec | encode ms | median ms | p95 ms |');
console.log('|---|---|---:|---:|---:|');
for (const r of rows) {
  const name = { progressive: 'progressive neural', spiht: 'SPIHT-AC', jpeg: 'JPEG (size search)', webp: 'WebP (size search)' }[r.codec];
  console.log(`| ${r.path === 'gpu' ? 'WebGPU' : 'CPU (wasm)'} | ${name} | ${r.encMs == null ? '—' : r.encMs.toFixed(0)} | ${r.medianMs.toFixed(1)} | ${r.p95Ms.toFixed(1)} |`);
}
await browser.close();
await srv.close();
