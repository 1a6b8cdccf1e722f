// SPIHT in WebAssembly: the wasm encoder produces the native CLI's stream bit for bit, and
// prefix decodes (inverse DWT on WebGPU or the CPU) match the native decoder's pixels.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, MODES, serve, launch, newPage, edgeplay } from './harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeplay-spiht-'));
const SAMPLE = path.join(ROOT, 'www/samples/kodim23.png');

function nativeStream(ac) {
  const out = path.join(tmp, `k23-${ac ? 'ac' : 'bin'}.ep`);
  edgeplay('encode', ...(ac ? ['--ac'] : []), SAMPLE, out);
  return fs.readFileSync(out);
}

for (const mode of MODES) {
  describe(`SPIHT in wasm (${mode})`, () => {
    let srv, browser, page, errors;
    before(async () => {
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors } = await newPage(browser));
      await page.goto(`${srv.url}/`);
      await page.evaluate(async () => {
        const bmp = await createImageBitmap(await (await fetch('./www/samples/kodim23.png')).blob(), { colorSpaceConversion: 'none' });
        const c = new OffscreenCanvas(bmp.width, bmp.height);
        c.getContext('2d').drawImage(bmp, 0, 0);
        window.__img = { rgba: c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data, width: bmp.width, height: bmp.height };
        window.__rt = await import('./www/shell/runtime.js');
      });
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    for (const ac of [false, true]) {
      it(`encodes bit-exactly like the native encoder (${ac ? 'SPIHT-AC' : 'binary'})`, async () => {
        const native = nativeStream(ac);
        const wasm = await page.evaluate(async (ac) => {
          const { rgba, width, height } = window.__img;
          const s = await window.__rt.engine('imaging').call('spiht', 'encode', { rgba: rgba.slice(), width, height, ac });
          let h = 0; for (const b of s) h = (h * 31 + b) >>> 0;
          return { len: s.length, hash: h, head: Array.from(s.slice(0, 18)) };
        }, ac);
        let h = 0; for (const b of native) h = (h * 31 + b) >>> 0;
        assert.equal(wasm.len, native.length);
        assert.deepEqual(wasm.head, Array.from(native.subarray(0, 18)));
        assert.equal(wasm.hash, h);
      });
    }

    it('decodes prefixes like the native decoder, and quality grows with the rate', async () => {
      const stream = nativeStream(true);
      let lastPsnr = 0;
      for (const bpp of [0.05, 0.25, 1]) {
        const bytes = Math.floor(bpp * 768 * 512 / 8);
        const out = path.join(tmp, `dec-${bpp}.png`);
        edgeplay('--backend', 'cpu', 'decode', '--bytes', String(bytes), path.join(tmp, 'k23-ac.ep'), out);
        const r = await page.evaluate(async ({ b64, bytes, png }) => {
          const stream = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const d = await window.__rt.engine('imaging').call('spiht', 'decode', { stream, bytes });
          const ref = Uint8Array.from(atob(png), (c) => c.charCodeAt(0));
          const bmp = await createImageBitmap(new Blob([ref], { type: 'image/png' }), { colorSpaceConversion: 'none' });
          const c = new OffscreenCanvas(bmp.width, bmp.height);
          c.getContext('2d').drawImage(bmp, 0, 0);
          const want = c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data;
          const orig = window.__img.rgba;
          let maxDiff = 0, se = 0, n = 0;
          for (let i = 0; i < want.length; i++) {
            if (i % 4 === 3) continue;
            maxDiff = Math.max(maxDiff, Math.abs(want[i] - d.rgba[i]));
            se += (orig[i] - d.rgba[i]) ** 2; n++;
          }
          return { path: d.path, width: d.width, height: d.height, bytes: d.bytes, maxDiff, psnr: 10 * Math.log10(255 * 255 / (se / n)) };
        }, { b64: stream.toString('base64'), bytes, png: fs.readFileSync(out).toString('base64') });
        assert.deepEqual([r.width, r.height, r.bytes], [768, 512, bytes]);
        assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
        assert.ok(r.maxDiff <= 1, `max pixel difference to native ${r.maxDiff}`);
        assert.ok(r.psnr > lastPsnr + 1, `PSNR ${r.psnr} at ${bpp} bpp after ${lastPsnr}`);
        lastPsnr = r.psnr;
      }
      assert.deepEqual(errors, []);
    });

    it('reports a clear error for a corrupt stream', async () => {
      const msg = await page.evaluate(async () => {
        try { await window.__rt.engine('imaging').call('spiht', 'decode', { stream: new Uint8Array([69, 80, 83, 80, 1, 0, 255, 255, 255, 255, 0, 0, 1, 0, 3, 1, 0, 9]), bytes: 18 }); return 'no error'; }
        catch (e) { return e.message; }
      });
      assert.match(msg, /too large|invalid header/i);
    });
  });
}
