// One wasm module per feature: a page loads only the modules its elements need, each module
// runs in its own worker, and a panic in one module restarts only that module — the widgets
// that used it reopen their sessions and say so, the others keep working.
// (The build has the test hooks: `trunk build --features test-hooks`.)

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, foreignRequests, waveletResult } from './harness.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>modules test</title>
<body style="margin:16px;font:14px system-ui;width:1000px"><script type="module">
import * as rt from './www/shell/runtime.js'; window.__rt = rt; import './www/edgeplay.js';</script>
<ep-wavelet id="wv" eager levels="3"></ep-wavelet>
<ep-wifi id="wf" eager data="path3" steps="40"></ep-wifi></body>`;

const wasmOf = (requests, m) => requests.filter((u) => u.includes(`/edgeplay-web-${m}_bg.wasm`));

for (const mode of MODES) {
  describe(`wasm modules and crash recovery (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'modules-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/modules-test.html`);
    });
    after(async () => {
      await page?.screenshot({ path: path.join(RESULTS, `modules-${mode}.png`), fullPage: true });
      await browser?.close();
      await srv?.close();
    });

    it('fetches only the imaging and Wi-Fi modules, each in its own worker', async () => {
      await waveletResult(page, '#wv');
      await page.waitForFunction(() => document.querySelector('#wf')?.result?.seq > 0, null, { timeout: 180000 });
      assert.equal(wasmOf(requests, 'imaging').length, 1);
      assert.equal(wasmOf(requests, 'wifi').length, 1);
      assert.deepEqual([...wasmOf(requests, 'neural'), ...wasmOf(requests, 'nas')], []);
      assert.deepEqual((await page.evaluate(() => window.__rt.startedEngines())).sort(), ['imaging', 'wifi']);
      const workers = page.workers().map((w) => w.url()).filter((u) => u.includes('engine-worker'));
      assert.deepEqual(workers.map((u) => new URL(u).searchParams.get('module')).sort(), ['imaging', 'wifi']);
    });

    it('a panic in the imaging module restarts it; <ep-wavelet> reopens, <ep-wifi> keeps working', async () => {
      const before = await page.evaluate(() => ({ wv: document.querySelector('#wv').result.seq, wf: document.querySelector('#wf').result.seq }));
      const imagingFetches = wasmOf(requests, 'imaging').length;
      const reopened = page.evaluate(() => new Promise((r) => document.querySelector('#wv').addEventListener('reopened', (e) => r(e.detail), { once: true })));
      const crash = await page.evaluate(() => window.__rt.engine('imaging').debugPanic('modules test').then(() => 'no error', (e) => e.message));
      assert.match(crash, /imaging engine crashed .*and was restarted/);
      const detail = await reopened;
      assert.equal(detail.module, 'imaging');
      const r = await waveletResult(page, '#wv', before.wv);
      assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      assert.equal(await page.locator('#wv .ep-restart').isVisible(), true);
      const text = await page.locator('#wv .ep-restart').textContent();
      assert.match(text, /imaging engine crashed and was restarted; this demo was reopened/);
      assert.equal(await page.locator('#wv .ep-error').isVisible(), false);
      // The imaging wasm was fetched again (a fresh instance); Wi-Fi's was not.
      assert.equal(wasmOf(requests, 'imaging').length, imagingFetches + 1);
      assert.equal(wasmOf(requests, 'wifi').length, 1);
      assert.equal(await page.evaluate(() => window.__rt.engine('imaging').restarts), 1);
      assert.equal(await page.evaluate(() => window.__rt.engine('wifi').restarts), 0);
      // <ep-wifi> was not disturbed and still trains: a label-slider change retrains.
      assert.equal(await page.evaluate(() => document.querySelector('#wf').result.seq), before.wf);
      assert.equal(await page.locator('#wf .ep-restart').isVisible(), false);
      await page.locator('#wf .wf-labelled').fill('1');
      await page.waitForFunction((s) => document.querySelector('#wf').result.seq > s, before.wf, { timeout: 180000 });
    });

    it('a re-attached element reopens its session', async () => {
      const seq = await page.evaluate(() => document.querySelector('#wv').result.seq);
      await page.evaluate(() => {
        const el = document.querySelector('#wv');
        el.remove();
        return new Promise((r) => setTimeout(() => { document.body.prepend(el); r(); }, 50));
      });
      await waveletResult(page, '#wv', seq);
    });

    it('logs no errors but the forced panic, and stays on 127.0.0.1', () => {
      // The panic hook prints the forced panic (and the trap) to the console; nothing else.
      const other = errors.filter((e) => !/debug_panic: modules test|unreachable|RuntimeError/.test(e));
      assert.deepEqual(other, []);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
