// The embeddable package (pkg/dist, built by scripts/build-pkg.mjs) from a plain static
// server with no special headers: two widgets on a page and one inside an iframe.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, foreignRequests, waveletResult } from './harness.mjs';

for (const mode of MODES) {
  describe(`embed example (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      srv = await serve(ROOT);
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/examples/embed.html`);
    });
    after(async () => {
      await page?.screenshot({ path: path.join(RESULTS, `embed-${mode}.png`), fullPage: true });
      await browser?.close();
      await srv?.close();
    });

    it('runs two widgets on one page', async () => {
      const a = await waveletResult(page, '#first');
      const b = await waveletResult(page, '#second');
      assert.deepEqual([a.image, a.levels, a.width], ['Parrots', 2, 768]);
      assert.deepEqual([b.levels, b.width, b.height], [4, 512, 768]); // kodim19 is portrait
      assert.match(b.image, /kodim19\.png$/);
      assert.equal(a.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      assert.equal(b.path, a.path);
    });

    it('shares one engine worker per module between the widgets of a document', async () => {
      // One imaging engine for the page (two wavelets and a SPIHT/JPEG compress) and one for
      // the iframe's document.
      await page.frame({ url: /embed-frame\.html$/ }).waitForFunction(() => document.querySelector('#framed')?.result?.seq > 0, null, { timeout: 60000 });
      const workers = page.workers().filter((w) => w.url().includes('engine-worker'));
      assert.deepEqual(workers.map((w) => new URL(w.url()).searchParams.get('module')), ['imaging', 'imaging']);
    });

    it('runs inside an iframe', async () => {
      const frame = page.frame({ url: /embed-frame\.html$/ });
      assert.ok(frame);
      await frame.waitForFunction(() => document.querySelector('#framed')?.result?.seq > 0, null, { timeout: 60000 });
      const r = await frame.evaluate(() => { const r = { ...document.querySelector('#framed').result }; delete r.rgba; return r; });
      assert.match(r.image, /kodim03\.png$/);
      assert.equal(r.levels, 3);
      const badge = await frame.locator('#framed .ep-badge').textContent();
      assert.equal(badge.startsWith(mode === 'webgpu' ? 'WebGPU · ' : 'CPU · WASM'), true, badge);
    });

    it('runs <ep-compress> from the package without fetching the neural model it does not show', async () => {
      await page.locator('#compress').scrollIntoViewIfNeeded();
      await page.waitForFunction(() => { const r = document.querySelector('#compress')?.result; return r?.left?.codec === 'spiht' && r?.right?.codec === 'jpeg'; }, null, { timeout: 120000 });
      const r = await page.evaluate(() => JSON.parse(JSON.stringify(document.querySelector('#compress').result)));
      assert.match(r.image, /kodim03\.png$/);
      assert.ok(Math.abs(r.bpp - 0.5) < 0.01, `bpp ${r.bpp}`);
      assert.ok(r.left.psnr > 25 && r.right.psnr > 20, `${r.left.psnr} / ${r.right.psnr}`);
      assert.deepEqual(requests.filter((u) => u.includes('/models/pcodec/')), []);
    });

    it('fetches only the imaging wasm module (no neural, Wi-Fi or NAS module)', () => {
      const wasm = requests.filter((u) => u.endsWith('.wasm')).map((u) => u.split('/').pop());
      assert.ok(wasm.includes('edgeplay-web-imaging_bg.wasm'), wasm.join(', '));
      assert.deepEqual(wasm.filter((f) => !f.startsWith('edgeplay-web-imaging')), []);
    });

    it('logs no errors and stays on 127.0.0.1', () => {
      assert.deepEqual(errors, []);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
