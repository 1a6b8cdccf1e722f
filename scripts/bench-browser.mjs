// Browser benchmark (not a test): CDF 9/7 forward+inverse in Chromium, WebAssembly CPU vs
// WebGPU (SwiftShader here, a real GPU elsewhere). Needs `trunk build` first.
//   node scripts/bench-browser.mjs [--sizes 768x512,2048x2048] [--levels 5] [--reps 7]
import path from 'node:path';
import { ROOT, serve, launch, newPage } from '../tests/harness.mjs';

const arg = (k, d) => { const i = process.argv.indexOf(`--${k}`); return i > 0 ? process.argv[i + 1] : d; };
const sizes = arg('sizes', '768x512,2048x2048').split(',').map((s) => s.split('x').map(Number));
const levels = +arg('levels', 5);
const reps = +arg('reps', 7);

const srv = await serve(path.join(ROOT, 'dist'));
const browser = await launch('webgpu');
const { page } = await newPage(browser);
await page.goto(`${srv.url}/`);
const status = await page.evaluate(async () => (await import('./www/shell/runtime.js')).engine('imaging').getStatus());
console.log(`CDF 9/7 forward+inverse, ${levels} levels, median of ${reps}, Chromium ${browser.version()}, adapter: ${status.adapter ?? 'none'}`);
console.log('');
console.log('| size | CPU (wasm) ms | WebGPU ms (GPU timestamps) | WebGPU incl. upload+readback ms | wasm CPU / WebGPU |');
console.log('|---|---:|---:|---:|---:|');
for (const [width, height] of sizes) {
  const rows = await page.evaluate(async (a) => (await import('./www/shell/runtime.js')).engine('imaging').call('wavelet', 'bench', a),
    { width, height, levels, reps });
  const get = (p) => rows.find((r) => r.path === p);
  const cpu = get('cpu-wasm'), gpu = get('webgpu'), wall = get('webgpu+transfer');
  const f = (r) => (r ? r.medianMs.toFixed(2) : '—');
  console.log(`| ${width}×${height} | ${f(cpu)} | ${f(gpu)}${gpu && gpu.clock !== 'gpu-timestamp' ? ' (wall clock)' : ''} | ${f(wall)} | ${gpu ? (cpu.medianMs / gpu.medianMs).toFixed(2) + '×' : '—'} |`);
}
await browser.close();
await srv.close();

// SPIHT in wasm: encode (full stream) and prefix decode + inverse DWT at 0.5 bpp, 768x512
// colour, on the CPU path and on WebGPU.
{
  const srv2 = await serve(path.join(ROOT, 'dist'));
  const b2 = await launch('webgpu');
  const { page: p2 } = await newPage(b2);
  await p2.goto(`${srv2.url}/`);
  const rows = await p2.evaluate(async (reps) => {
    const rt = await import('./www/shell/runtime.js');
    const bmp = await createImageBitmap(await (await fetch('./www/samples/kodim23.png')).blob(), { colorSpaceConversion: 'none' });
    const c = new OffscreenCanvas(bmp.width, bmp.height);
    c.getContext('2d').drawImage(bmp, 0, 0);
    const rgba = c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data;
    const out = [];
    for (const ac of [false, true]) {
      const enc = await rt.engine('imaging').call('spiht', 'encodeBench', { rgba: rgba.slice(), width: bmp.width, height: bmp.height, ac, reps: 3 });
      const stream = await rt.engine('imaging').call('spiht', 'encode', { rgba: rgba.slice(), width: bmp.width, height: bmp.height, ac });
      const bytes = Math.floor(0.5 * bmp.width * bmp.height / 8);
      for (const backend of ['cpu', 'auto']) {
        await rt.setBackend(backend);
        await rt.engine('imaging').call('spiht', 'bench', { stream: stream.slice(), bytes, reps: 2 }); // warm-up
        const d = await rt.engine('imaging').call('spiht', 'bench', { stream: stream.slice(), bytes, reps });
        out.push({ codec: ac ? 'spiht-ac' : 'spiht', encMs: enc.ms, ...d });
      }
    }
    await rt.setBackend('auto');
    return out;
  }, reps);
  console.log('');
  console.log(`SPIHT in wasm, kodim23 768×512 colour, prefix decode at 0.5 bpp, median of ${reps}`);
  console.log('');
  console.log('| codec | encode (full stream) ms | inverse DWT on | decode total ms | SPIHT passes ms | inverse DWT + colour ms |');
  console.log('|---|---:|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.codec} | ${r.encMs.toFixed(0)} | ${r.path === 'gpu' ? 'WebGPU' : 'CPU (wasm)'} | ${r.totalMs.toFixed(1)} | ${r.decodeMs.toFixed(1)} | ${r.inverseMs.toFixed(1)} |`);
  }
  await b2.close();
  await srv2.close();
}
