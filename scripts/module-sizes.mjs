// Bytes of each wasm module (raw, gzip -9, brotli -11) and, per widget, what a page that
// embeds only that widget downloads and how long it takes from navigation to the widget's
// first result on localhost (Chromium, CPU path and WebGPU). Needs `trunk build` first.
//   node scripts/module-sizes.mjs [--no-browser]

import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { ROOT, serve, launch, newPage } from '../tests/harness.mjs';

const wasmDir = path.join(ROOT, 'dist', 'www', 'wasm');
if (!fs.existsSync(wasmDir)) { console.error('dist/www/wasm is missing: run `trunk build` first'); process.exit(1); }
const kb = (n) => (n / 1024).toFixed(0);
const sizes = {};
console.log('| module | wasm raw KB | gzip KB | brotli KB | JS glue KB |');
console.log('|---|---:|---:|---:|---:|');
for (const f of fs.readdirSync(wasmDir).filter((f) => f.endsWith('_bg.wasm')).sort()) {
  const b = fs.readFileSync(path.join(wasmDir, f));
  const gz = zlib.gzipSync(b, { level: 9 }).length;
  const br = zlib.brotliCompressSync(b, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: b.length } }).length;
  const glue = fs.statSync(path.join(wasmDir, f.replace('_bg.wasm', '.js'))).size;
  const name = f.replace('edgeplay-web-', '').replace('_bg.wasm', '');
  sizes[name] = { raw: b.length, gz, br };
  console.log(`| ${name} | ${kb(b.length)} | ${kb(gz)} | ${kb(br)} | ${kb(glue)} |`);
}
if (process.argv.includes('--no-browser')) process.exit(0);

const WIDGETS = [
  ['ep-wavelet', '<ep-wavelet eager></ep-wavelet>', 'result'],
  ['ep-compress (SPIHT vs JPEG)', '<ep-compress eager codecs="spiht,jpeg"></ep-compress>', 'result'],
  ['ep-compress (neural vs SPIHT)', '<ep-compress eager codecs="progressive,spiht"></ep-compress>', 'encoded'],
  ['ep-wifi', '<ep-wifi eager steps="300"></ep-wifi>', 'result'],
  ['ep-nas', '<ep-nas eager animate="off"></ep-nas>', 'result'],
  ['ep-depth', '<ep-depth eager></ep-depth>', 'result'],
];
const srv = await serve(path.join(ROOT, 'dist'));
const rows = [];
for (const mode of ['cpu', 'webgpu']) {
  const browser = await launch(mode);
  for (const [name, html, event] of WIDGETS) {
    fs.writeFileSync(path.join(ROOT, 'dist', 'size-test.html'), `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,">
<script>window.__t = new Promise((r) => addEventListener('${event}', () => r(performance.now()), { capture: true, once: true }));</script>
<script type="module" src="./www/edgeplay.js"></script><body>${html}</body>`);
    const { context, page, requests } = await newPage(browser);
    await page.goto(`${srv.url}/size-test.html`);
    const ms = await page.evaluate(() => window.__t);
    const mods = [...new Set(requests.filter((u) => u.endsWith('_bg.wasm')).map((u) => u.split('/').pop().replace('edgeplay-web-', '').replace('_bg.wasm', '')))].sort();
    const gz = mods.reduce((a, m) => a + sizes[m].gz, 0);
    rows.push({ mode, name, event, ms, mods, gz });
    await context.close();
  }
  await browser.close();
}
await srv.close();
fs.rmSync(path.join(ROOT, 'dist', 'size-test.html'), { force: true });
console.log('\n| widget alone on a page | wasm modules fetched | their gzip KB | first result, CPU path (ms) | first result, WebGPU/SwiftShader (ms) |');
console.log('|---|---|---:|---:|---:|');
for (const [name] of WIDGETS) {
  const c = rows.find((r) => r.mode === 'cpu' && r.name === name);
  const g = rows.find((r) => r.mode === 'webgpu' && r.name === name);
  console.log(`| ${name} | ${c.mods.join(', ')} | ${kb(c.gz)} | ${c.ms.toFixed(0)} | ${g.ms.toFixed(0)} |`);
}
