// Shared test harness: a plain static server (no special headers, like any static host),
// Debian's Chromium through playwright-core, with or without WebGPU, and guards that
// collect console errors and every request URL.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript', '.css': 'text/css',
  '.wasm': 'application/wasm', '.png': 'image/png', '.jpg': 'image/jpeg', '.json': 'application/json', '.md': 'text/markdown',
  '.mp4': 'video/mp4', '.webm': 'video/webm',
};

/** Serves `dir` on 127.0.0.1 on a free port. */
export async function serve(dir) {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.join(dir, decodeURIComponent(url.pathname));
    if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, data) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
      res.end(data);
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(r)) };
}

export const MODES = ['webgpu', 'cpu'];

export async function launch(mode) {
  const args = ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-quic', '--no-first-run', '--disable-dev-shm-usage',
    // Chromium's fake camera, granted without a prompt (the depth widget's webcam test).
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'];
  if (mode === 'webgpu') args.push('--enable-unsafe-webgpu', '--enable-features=Vulkan', '--use-angle=swiftshader');
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true, args });
}

/** A page that records console errors, page errors and all request URLs. */
export async function newPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const page = await context.newPage();
  const errors = [];
  const requests = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  page.on('pageerror', (e) => errors.push(String(e)));
  context.on('request', (r) => requests.push(r.url()));
  page.on('worker', (w) => w.on('console', (m) => { if (m.type() === 'error') errors.push(`worker: ${m.text()}`); }));
  return { context, page, errors, requests };
}

/** Every URL that is not on 127.0.0.1 (data:/blob: URLs stay in the page). */
export function foreignRequests(requests) {
  return requests.filter((u) => !/^(data|blob):/.test(u) && new URL(u).hostname !== '127.0.0.1');
}

/** The native CLI, built by the test script before the browser tests. */
export function edgeplay(...args) {
  const bin = path.join(path.resolve(ROOT, process.env.CARGO_TARGET_DIR || 'target'), 'release/edgeplay');
  return execFileSync(bin, args, { encoding: 'utf8', env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR || '/tmp' } });
}

export const RESULTS = path.join(ROOT, 'test-results');
fs.mkdirSync(RESULTS, { recursive: true });

/** Waits for <ep-wavelet> (the first matching `selector`) to publish a result newer than `after`. */
export async function waveletResult(page, selector = 'ep-wavelet', after = 0, timeout = 60000) {
  await page.waitForFunction(({ selector, after }) => {
    const el = document.querySelector(selector);
    return el && el.result && el.result.seq > after;
  }, { selector, after }, { timeout });
  return page.evaluate((selector) => { const r = { ...document.querySelector(selector).result }; delete r.rgba; return r; }, selector);
}

/** RGBA of the widget's decomposition canvas, and of a PNG (base64) decoded by the same browser. */
export async function comparePixels(page, selector, pngBase64) {
  return page.evaluate(async ({ selector, pngBase64 }) => {
    const canvas = document.querySelector(selector).shadowRoot.querySelector('.wv-canvas');
    const got = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
    const bytes = Uint8Array.from(atob(pngBase64), (c) => c.charCodeAt(0));
    const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
    const oc = new OffscreenCanvas(bmp.width, bmp.height);
    const ctx = oc.getContext('2d');
    ctx.drawImage(bmp, 0, 0);
    const want = ctx.getImageData(0, 0, bmp.width, bmp.height).data;
    if (want.length !== got.length) return { sameSize: false, w: canvas.width, h: canvas.height, ew: bmp.width, eh: bmp.height };
    let sum = 0, max = 0, off = 0;
    for (let i = 0; i < got.length; i++) {
      const d = Math.abs(got[i] - want[i]);
      sum += d; if (d > max) max = d; if (d > 2) off++;
    }
    return { sameSize: true, mean: sum / got.length, max, fracOff: off / got.length };
  }, { selector, pngBase64 });
}
