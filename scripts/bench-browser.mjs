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
const status = await page.evaluate(async () => (await import('./www/shell/runtime.js')).status());
console.log(`CDF 9/7 forward+inverse, ${levels} levels, median of ${reps}, Chromium ${browser.version()}, adapter: ${status.adapter ?? 'none'}`);
console.log('');
console.log('| size | CPU (wasm) ms | WebGPU ms (GPU timestamps) | WebGPU incl. upload+readback ms | wasm CPU / WebGPU |');
console.log('|---|---:|---:|---:|---:|');
for (const [width, height] of sizes) {
  const rows = await page.evaluate(async (a) => (await import('./www/shell/runtime.js')).call('wavelet', 'bench', a),
    { width, height, levels, reps });
  const get = (p) => rows.find((r) => r.path === p);
  const cpu = get('cpu-wasm'), gpu = get('webgpu'), wall = get('webgpu+transfer');
  const f = (r) => (r ? r.medianMs.toFixed(2) : '—');
  console.log(`| ${width}×${height} | ${f(cpu)} | ${f(gpu)}${gpu && gpu.clock !== 'gpu-timestamp' ? ' (wall clock)' : ''} | ${f(wall)} | ${gpu ? (cpu.medianMs / gpu.medianMs).toFixed(2) + '×' : '—'} |`);
}
await browser.close();
await srv.close();
