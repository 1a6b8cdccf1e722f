// The progressive neural codec in WebAssembly (decodes match the native CLI; WGSL on WebGPU
// vs tract in wasm) and the <ep-compress> widget: slider, equal-size JPEG/WebP, RD curve,
// upload / bad-file / oversize paths, the split view, with and without WebGPU.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, edgeplay, foreignRequests } from './harness.mjs';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeplay-compress-'));
const W = 192, H = 128; // a crop of kodim23 keeps SwiftShader runs short

// A page with one widget on a crop made in the page (blob: URL, same origin).
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-compress test</title>
<body style="margin:16px;font:14px system-ui"><script type="module">
import './www/edgeplay.js';
const bmp = await createImageBitmap(await (await fetch('./www/samples/kodim23.png')).blob(), { colorSpaceConversion: 'none' });
const c = new OffscreenCanvas(${W}, ${H});
c.getContext('2d').drawImage(bmp, -300, -150);
window.__png = await c.convertToBlob({ type: 'image/png' });
const el = document.createElement('ep-compress');
el.setAttribute('src', URL.createObjectURL(window.__png));
el.setAttribute('eager', '');
el.setAttribute('height', '300');
document.body.append(el);
window.__rt = await import('./www/shell/runtime.js');
</script></body>`;

/** Waits until `fn(result)` holds for the widget's latest result; returns that result. */
async function until(page, fn, timeout = 120000) {
  await page.waitForFunction(`(() => { const r = document.querySelector('ep-compress')?.result; return !!r && (${fn})(r); })()`, null, { timeout, polling: 100 });
  return page.evaluate(() => JSON.parse(JSON.stringify(document.querySelector('ep-compress').result)));
}

/** A cheap hash of the viewer canvas (what the user sees). */
const canvasHash = (page) => page.evaluate(() => {
  const c = document.querySelector('ep-compress').shadowRoot.querySelector('.cp-canvas');
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let h = 0; for (let i = 0; i < d.length; i += 7) h = (h * 31 + d[i]) >>> 0;
  return h;
});

for (const mode of MODES) {
  describe(`compression playground (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'compress-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      // Under 'auto' the page measures both paths and keeps the faster (the CPU, on SwiftShader);
      // force the GPU here so the WGSL kernels are what this mode tests. The measured choice
      // has its own test below.
      if (mode === 'webgpu') await page.addInitScript(() => { globalThis.EDGEPLAY_BACKEND = 'gpu'; });
      await page.goto(`${srv.url}/compress-test.html`);
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    it('encodes once with both progressive codecs and shows both sides', async () => {
      const r = await until(page, (r) => r.encoded?.progressive && r.left?.codec === 'progressive' && r.right?.codec === 'spiht' && r.left.bytes > 0);
      assert.deepEqual([r.width, r.height], [W, H]);
      assert.equal(r.encoded.progressive.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      assert.equal(r.left.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      assert.ok(r.left.psnr > 15 && r.right.psnr > 15, `PSNR ${r.left.psnr} / ${r.right.psnr}`);
      const badge = await page.locator('ep-compress .ep-badge').getAttribute('data-path');
      assert.equal(badge, mode === 'webgpu' ? 'gpu' : 'cpu');
    });

    it('the slider (keyboard) changes the pixels, and quality grows with the rate', async () => {
      const slider = page.locator('ep-compress .cp-slider');
      await slider.focus();
      await page.keyboard.press('Home');
      const low = await until(page, (r) => r.bpp < 0.021 && r.left?.target === r.budget && r.right?.target === r.budget);
      const hLow = await canvasHash(page);
      await page.keyboard.press('End');
      const high = await until(page, (r) => r.bpp > 1.9 && r.left?.target === r.budget && r.right?.target === r.budget);
      const hHigh = await canvasHash(page);
      assert.notEqual(hLow, hHigh, 'the picture did not change');
      for (const side of ['left', 'right']) {
        assert.ok(high[side].psnr > low[side].psnr + 3, `${side}: ${low[side].psnr} dB → ${high[side].psnr} dB`);
        assert.ok(high[side].bytes > low[side].bytes);
        assert.ok(low[side].bytes <= low.budget);
      }
      const text = await page.locator('ep-compress .cp-rate-value').textContent();
      assert.match(text, /bpp · [\d,]+ B/);
    });

    it('JPEG and WebP sides land within 3 % of the byte budget', async () => {
      await page.evaluate(() => document.querySelector('ep-compress').setBpp(1));
      await page.locator('ep-compress select[data-side=left]').selectOption('jpeg');
      await page.locator('ep-compress select[data-side=right]').selectOption('webp');
      const r = await until(page, (r) => r.left?.codec === 'jpeg' && r.right?.codec === 'webp' && r.left.target === r.budget && r.right.target === r.budget);
      for (const side of ['left', 'right']) {
        const off = Math.abs(r[side].bytes - r.budget) / r.budget;
        assert.ok(off <= 0.03, `${r[side].codec}: ${r[side].bytes} B for a budget of ${r.budget} B`);
        assert.ok(r[side].psnr > 20);
      }
      await page.locator('ep-compress select[data-side=left]').selectOption('progressive');
      await page.locator('ep-compress select[data-side=right]').selectOption('spiht');
      await until(page, (r) => r.left?.codec === 'progressive' && r.right?.codec === 'spiht');
    });

    it('draws the RD curve from the one bitstream of each codec', async () => {
      const r = await until(page, (r) => r.rd, 300000);
      const db = (c) => r.rd.values[c].filter(Boolean).map((v) => v.psnr);
      for (const c of ['progressive', 'spiht']) {
        const v = db(c);
        assert.ok(v.length >= 6, `${c}: ${v.length} points`);
        assert.ok(v.at(-1) > v[0] + 3, `${c}: ${v}`);
        for (let i = 1; i < v.length; i++) assert.ok(v[i] > v[i - 1] - 0.5, `${c} dips: ${v}`);
      }
      assert.ok(db('jpeg').length >= 3 && db('webp').length >= 3);
      const axes = await page.locator('ep-compress .cp-rd .u-legend').textContent();
      assert.match(axes, /Progressive neural.*SPIHT/s);
    });

    it('the divider moves with the mouse', async () => {
      const box = await page.locator('ep-compress .cp-stage').boundingBox();
      const before = await until(page, (r) => r.view);
      await page.mouse.move(box.x + box.width * before.view.split, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      const after = await until(page, (r) => r.view && r.view.split < 0.25);
      assert.ok(Math.abs(after.view.split - 0.2) < 0.03, `split ${after.view.split}`);
      await page.locator('ep-compress [data-zoom="1"]').click();
      const one = await until(page, (r) => r.view && !r.view.fit);
      assert.ok(Math.abs(one.view.scale - 1) < 1e-9, `1:1 scale ${one.view.scale}`);
      await page.locator('ep-compress [data-zoom="fit"]').click();
      await page.locator('ep-compress .cp-stage').screenshot({ path: path.join(RESULTS, `compress-stage-${mode}.png`) });
      await page.locator('ep-compress').screenshot({ path: path.join(RESULTS, `compress-${mode}.png`) });
    });

    it('decodes the native CLI\'s progressive stream like the native decoder', async () => {
      const png = await page.evaluate(async () => btoa(String.fromCharCode(...new Uint8Array(await window.__png.arrayBuffer()))));
      const src = path.join(tmp, 'crop.png');
      fs.writeFileSync(src, Buffer.from(png, 'base64'));
      const stream = path.join(tmp, 'crop.eppc');
      edgeplay('--backend', 'cpu', 'encode', '--codec', 'progressive', src, stream);
      const bytes = fs.readFileSync(stream);
      let lastPsnr = 0;
      for (const frac of [0.1, 0.4, 1]) {
        const n = Math.round(bytes.length * frac);
        const out = path.join(tmp, `crop-${frac}.png`);
        edgeplay('--backend', 'cpu', 'decode', '--bytes', String(n), stream, out);
        const r = await page.evaluate(async ({ b64, n, ref }) => {
          const stream = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
          const bmpOf = async (bytes) => {
            const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), { colorSpaceConversion: 'none' });
            const c = new OffscreenCanvas(bmp.width, bmp.height);
            c.getContext('2d').drawImage(bmp, 0, 0);
            return c.getContext('2d').getImageData(0, 0, bmp.width, bmp.height).data;
          };
          const want = await bmpOf(Uint8Array.from(atob(ref), (c) => c.charCodeAt(0)));
          const d = await window.__rt.engine('neural').call('compress', 'decodeStream', { stream, bytes: n });
          const orig = await bmpOf(new Uint8Array(await window.__png.arrayBuffer()));
          let maxDiff = 0, se = 0, cnt = 0;
          for (let i = 0; i < want.length; i++) {
            if (i % 4 === 3) continue;
            maxDiff = Math.max(maxDiff, Math.abs(want[i] - d.rgba[i]));
            se += (orig[i] - d.rgba[i]) ** 2; cnt++;
          }
          return { path: d.path, w: d.width, h: d.height, maxDiff, psnr: 10 * Math.log10(255 * 255 / (se / cnt)) };
        }, { b64: bytes.toString('base64'), n, ref: fs.readFileSync(out).toString('base64') });
        assert.deepEqual([r.w, r.h], [W, H]);
        assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
        assert.ok(r.maxDiff <= 2, `max pixel difference to native ${r.maxDiff} at ${n} bytes`);
        assert.ok(r.psnr > lastPsnr, `PSNR ${r.psnr} at ${n} bytes after ${lastPsnr}`);
        lastPsnr = r.psnr;
      }
      const bad = await page.evaluate(async () => {
        try { await window.__rt.engine('neural').call('compress', 'decodeStream', { stream: new Uint8Array([69, 80, 80, 67, 9, 9, 9]), bytes: 7 }); return 'no error'; }
        catch (e) { return e.message; }
      });
      assert.match(bad, /version|short|header/i);
    });

    if (mode === 'webgpu') {
      it('WGSL transforms on WebGPU agree with tract in wasm (rel. error ≤ 1e-3)', async () => {
        const rows = await page.evaluate(() => window.__rt.engine('neural').call('compress', 'selfcheck', { width: 128, height: 64, seed: 7 }));
        assert.deepEqual(rows.map((r) => r.part), ['g_a', 'h_a', 'g_s']);
        for (const r of rows) assert.ok(r.relErr <= 1e-3, `${r.part}: ${r.relErr}`);
      });

      it('generated WGSL kernels agree with the CPU interpreter on random odd-shaped layers', async () => {
        const rows = await page.evaluate(() => window.__rt.engine('neural').call('compress', 'kernelsSelfcheck', { seed: 3 }));
        assert.equal(rows.length, 18);
        for (const r of rows) assert.ok(r.relErr <= 1e-4, `${r.layer}: ${r.relErr}`);
        // The two residual adds are fused into the kernels before them: 4 dispatches, not 6.
        assert.equal(rows.at(-1).dispatches, 4);
      });
    }
    it('upload, bad file and oversized image', async () => {
      const input = page.locator('ep-compress input[type=file]');
      await input.setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not an image') });
      await page.locator('ep-compress .ep-error').waitFor({ state: 'visible' });
      assert.match(await page.locator('ep-compress .ep-error-text').textContent(), /not an image/);
      await page.locator('ep-compress .ep-error-close').click();
      // The previous image is still there and the slider still works.
      await page.evaluate(() => document.querySelector('ep-compress').setBpp(0.5));
      await until(page, (r) => r.width === 192 && r.left?.target === r.budget);
      // A wide image: over the 2048-pixel limit, scaled down with a notice.
      const big = await page.evaluate(async () => {
        const c = new OffscreenCanvas(2600, 64);
        const g = c.getContext('2d');
        for (let x = 0; x < 2600; x += 40) { g.fillStyle = `hsl(${x % 360} 70% 50%)`; g.fillRect(x, 0, 40, 64); }
        return btoa(String.fromCharCode(...new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer())));
      });
      await input.setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: Buffer.from(big, 'base64') });
      const r = await until(page, (r) => r.image === 'wide.png' && r.encoded?.spiht && r.right?.codec === 'spiht', 300000);
      assert.equal(r.width, 2048);
      assert.match(await page.locator('ep-compress .ep-notice').textContent(), /Scaled down from 2600×64/);
      assert.deepEqual(errors, []);
      assert.deepEqual(foreignRequests(requests), []);
    });

  });
}
