// The playground page in Debian's Chromium, once with WebGPU (SwiftShader) and once without
// (the CPU / WebAssembly path). Served from dist/ (built by `trunk build`).

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import os from 'node:os';
import { ROOT, MODES, RESULTS, serve, launch, newPage, foreignRequests, edgeplay, waveletResult, comparePixels } from './harness.mjs';

const DIST = path.join(ROOT, 'dist');
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'edgeplay-'));

/** The native CLI's rendering of the same decomposition (CPU path: the reference). */
function nativeViz(input, levels) {
  const out = path.join(tmp, `${path.basename(input)}-${levels}.png`);
  edgeplay('--backend', 'cpu', 'wavelet', input, '--levels', String(levels), '--out', out);
  return fs.readFileSync(out).toString('base64');
}

for (const mode of MODES) {
  describe(`playground (${mode})`, () => {
    let srv, browser, page, errors, requests;

    before(async () => {
      srv = await serve(DIST);
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      // On SwiftShader (a CPU emulation of a GPU) the page's <ep-compress> keeps the shared
      // engine busy for minutes encoding 768x512 with the neural codec and tracing its RD
      // curve, which would starve these wavelet tests; it has its own suite
      // (compress.test.mjs), so here an inert element takes its name.
      if (mode === 'webgpu') await page.addInitScript(() => customElements.define('ep-compress', class extends HTMLElement {}));
      await page.goto(`${srv.url}/`);
    });

    after(async () => {
      await page?.screenshot({ path: path.join(RESULTS, `playground-${mode}.png`), fullPage: true });
      await browser?.close();
      await srv?.close();
    });

    it('loads with no console errors and the right badge', async () => {
      const r = await waveletResult(page);
      assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      const badge = await page.locator('ep-wavelet .ep-badge').textContent();
      if (mode === 'webgpu') assert.match(badge, /^WebGPU · \S+/);
      else assert.equal(badge, 'CPU · WASM');
      assert.deepEqual(errors, []);
    });

    it('renders the same subband image as the native CLI', async () => {
      const r = await waveletResult(page);
      assert.equal(r.width, 768);
      assert.equal(r.height, 512);
      assert.equal(r.levels, 3);
      const cmp = await comparePixels(page, 'ep-wavelet', nativeViz(path.join(ROOT, 'www/samples/kodim23.png'), 3));
      assert.ok(cmp.sameSize, JSON.stringify(cmp));
      // Float differences (GPU vs CPU, wasm vs native) move a few grey levels by one.
      assert.ok(cmp.mean < 0.05 && cmp.max <= 2, JSON.stringify(cmp));
      assert.ok(r.roundtripError < 1e-2, `roundtrip error ${r.roundtripError}`);
      if (mode === 'webgpu') {
        assert.ok(r.gpuCpuRelDiff <= 1e-4, `GPU vs CPU ${r.gpuCpuRelDiff}`);
        assert.equal(r.time.clock, 'gpu-timestamp');
      }
    });

    it('changes the picture with the levels slider', async () => {
      const before = await waveletResult(page);
      await page.locator('ep-wavelet .wv-levels').fill('5');
      const r = await waveletResult(page, 'ep-wavelet', before.seq);
      assert.equal(r.levels, 5);
      assert.equal(r.bands.length, 5 * 3 + 1);
      const cmp = await comparePixels(page, 'ep-wavelet', nativeViz(path.join(ROOT, 'www/samples/kodim23.png'), 5));
      assert.ok(cmp.sameSize && cmp.max <= 2, JSON.stringify(cmp));
    });

    it('decodes an uploaded PNG of odd size', async () => {
      // A 37x23 PNG made by the browser, uploaded through the file button.
      const b64 = await page.evaluate(async () => {
        const c = new OffscreenCanvas(37, 23);
        const g = c.getContext('2d');
        for (let y = 0; y < 23; y++) for (let x = 0; x < 37; x++) {
          g.fillStyle = `rgb(${(x * 7) % 256}, ${(y * 11) % 256}, ${((x * y) * 3) % 256})`;
          g.fillRect(x, y, 1, 1);
        }
        const buf = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
        let s = ''; for (const v of buf) s += String.fromCharCode(v);
        return btoa(s);
      });
      const file = path.join(tmp, 'odd.png');
      fs.writeFileSync(file, Buffer.from(b64, 'base64'));
      const seq = (await waveletResult(page)).seq;
      await page.locator('ep-wavelet input[type=file]').setInputFiles(file);
      const r = await waveletResult(page, 'ep-wavelet', seq);
      assert.equal(r.image, 'odd.png');
      assert.deepEqual([r.width, r.height], [37, 23]);
      const cmp = await comparePixels(page, 'ep-wavelet', nativeViz(file, 5));
      assert.ok(cmp.sameSize && cmp.max <= 2, JSON.stringify(cmp));
    });

    it('shows a clear message for empty and non-image files and keeps working', async () => {
      const empty = path.join(tmp, 'empty.png');
      fs.writeFileSync(empty, '');
      const text = path.join(tmp, 'notes.png');
      fs.writeFileSync(text, 'this is not an image');
      const err = page.locator('ep-wavelet .ep-error');
      await page.locator('ep-wavelet input[type=file]').setInputFiles(empty);
      await assert.doesNotReject(err.waitFor({ state: 'visible' }));
      assert.match(await err.textContent(), /empty \(0 bytes\)/);
      await page.locator('ep-wavelet .ep-error-close').click();
      await page.locator('ep-wavelet input[type=file]').setInputFiles(text);
      await err.waitFor({ state: 'visible' });
      assert.match(await err.textContent(), /not an image/);
      // Still usable: a sample loads and the error goes away.
      const seq = (await waveletResult(page)).seq;
      await page.locator('ep-wavelet [data-sample="1"]').click();
      const r = await waveletResult(page, 'ep-wavelet', seq);
      assert.equal(r.image, 'Lighthouse');
      assert.equal(await err.isVisible(), false);
      assert.deepEqual(errors, []);
    });

    if (mode === 'webgpu') {
      it('matches the CPU on random images of several sizes (SwiftShader)', async () => {
        for (const [w, h] of [[1, 1], [7, 5], [64, 64], [768, 512], [1023, 767]]) {
          const r = await page.evaluate(async ([w, h]) => {
            const rt = await import('./www/shell/runtime.js');
            return rt.engine('imaging').call('wavelet', 'selfcheck', { width: w, height: h, levels: 5, seed: w * 31 + h });
          }, [w, h]);
          assert.ok(r.forwardRelErr <= 1e-4, `${w}x${h} forward ${r.forwardRelErr}`);
          assert.ok(r.inverseRelErr <= 1e-4, `${w}x${h} inverse ${r.inverseRelErr}`);
          assert.ok(r.roundtripAbsErr <= 0.05, `${w}x${h} roundtrip ${r.roundtripAbsErr}`);
        }
      });

      it('the CPU toggle switches every badge and the path', async () => {
        const seq = (await waveletResult(page)).seq;
        await page.locator('ep-wavelet .ep-force-cpu input').check();
        const r = await waveletResult(page, 'ep-wavelet', seq);
        assert.equal(r.path, 'cpu');
        assert.equal(await page.locator('ep-wavelet .ep-badge').textContent(), 'CPU · WASM');
        await page.locator('ep-wavelet .ep-force-cpu input').uncheck();
        const r2 = await waveletResult(page, 'ep-wavelet', r.seq);
        assert.equal(r2.path, 'gpu');
      });

      it('falls back to the CPU after the GPU device is lost, without a reload', async () => {
        const lost = await page.evaluate(async () => (await import('./www/shell/runtime.js')).engine('imaging').simulateDeviceLoss());
        assert.equal(lost.lost, true);
        assert.equal(lost.status.path, 'cpu');
        assert.match(lost.status.reason, /lost/);
        const seq = (await waveletResult(page)).seq;
        await page.locator('ep-wavelet [data-sample="0"]').click();
        const r = await waveletResult(page, 'ep-wavelet', seq);
        assert.equal(r.path, 'cpu');
        assert.equal(await page.locator('ep-wavelet .ep-badge').textContent(), 'CPU · WASM');
        const cmp = await comparePixels(page, 'ep-wavelet', nativeViz(path.join(ROOT, 'www/samples/kodim23.png'), 5));
        assert.ok(cmp.sameSize && cmp.max <= 2, JSON.stringify(cmp));
      });
    }

    it('never requests anything outside 127.0.0.1', () => {
      assert.ok(requests.length > 5);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
