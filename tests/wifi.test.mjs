// <ep-wifi>: the WiCluster-style pipeline trained in the browser on the shipped sample of the
// real captures (numbers checked against the native CLI), the label slider, the user's own
// captures (good and broken), a simulated scene; with and without WebGPU.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, edgeplay, foreignRequests } from './harness.mjs';

const STEPS = 300;
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-wifi test</title>
<body style="margin:16px;font:14px system-ui;width:1000px"><script type="module">import './www/edgeplay.js';</script>
<ep-wifi eager data="path3" steps="${STEPS}"></ep-wifi></body>`;
const SAMPLE = path.join(ROOT, 'www/wifi/data');

/** Waits for a result newer than `after`; returns it. */
async function result(page, after = 0, timeout = 180000) {
  await page.waitForFunction((after) => (document.querySelector('ep-wifi')?.result?.seq ?? 0) > after, after, { timeout, polling: 200 });
  return page.evaluate(() => document.querySelector('ep-wifi').result);
}

const native = JSON.parse(edgeplay('wifi', '--data', SAMPLE, '--path', '3', '--steps', String(STEPS), '--json'))[0];

for (const mode of MODES) {
  describe(`wifi positioning (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'wifi-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/wifi-test.html`);
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    it('trains on the real sample and shows map, chart and table like the CLI', async () => {
      const r = await result(page);
      assert.equal(r.source, 'path3');
      assert.equal(r.inputs, 'csi+rssi');
      assert.equal(r.testPoints, 20);
      assert.equal(r.metrics.points, 20);
      assert.equal(r.chartPoints, 130 + 40);
      // Baselines are plain f32 arithmetic in one order: identical to the native build.
      const nrow = (m) => native.rows.find((x) => x.method === m).metrics;
      // (serde_json writes f32 in its shortest form: compare as f32.)
      const f32 = (m) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Math.fround(v)]));
      for (const b of r.baselines) assert.deepEqual(f32(b.metrics), f32(nrow(b.method)), b.method);
      // Training is seeded; wasm and native kernels may round differently, so: close.
      const nw = nrow('WiCluster-style (CSI + RSSI)');
      assert.ok(Math.abs(r.metrics.median_m - nw.median_m) < 1.0, `${r.metrics.median_m} vs ${nw.median_m}`);
      const floor = r.baselines.find((b) => b.method.startsWith('floor centre')).metrics;
      assert.ok(r.metrics.median_m < floor.median_m, `${r.metrics.median_m} vs ${floor.median_m}`);
      const ui = await page.evaluate(() => {
        const s = document.querySelector('ep-wifi').shadowRoot;
        return {
          rows: s.querySelectorAll('.wf-table tbody tr').length,
          badge: s.querySelector('.ep-badge').textContent,
          mapPoints: s.querySelector('.wf-map').dataset.points,
          chartPoints: s.querySelector('.wf-chart').dataset.points,
          canvases: [...s.querySelectorAll('.wf-map canvas, .wf-chart canvas')].map((c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let coloured = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] === d[i + 1] && d[i + 1] === d[i + 2])) coloured++;
            return coloured;
          }),
        };
      });
      assert.equal(ui.rows, 5);
      assert.equal(ui.badge, 'CPU · WASM'); // training runs in wasm whatever the adapter
      assert.equal(ui.mapPoints, '20');
      assert.equal(ui.chartPoints, '170');
      assert.equal(ui.canvases.length, 2);
      for (const n of ui.canvases) assert.ok(n > 500, `coloured pixels: ${ui.canvases}`);
      await page.locator('ep-wifi').screenshot({ path: path.join(RESULTS, `wifi-${mode}.png`) });
    });

    it('retrains with fewer labels from the keyboard', async () => {
      const before = (await page.evaluate(() => document.querySelector('ep-wifi').result.seq));
      const slider = page.locator('ep-wifi .wf-labelled');
      await slider.focus();
      await slider.press('Home');
      const r = await result(page, before);
      assert.equal(r.labelled, 10);
      assert.equal(r.labelledSamples, 11); // one 10-packet sample per zone
      assert.match(await page.locator('ep-wifi .wf-labelled-value').textContent(), /10 labelled packets per zone/);
    });

    it("loads the user's captures and tables; a broken capture gives a message", async () => {
      const files = fs.readFileSync(path.join(SAMPLE, 'index.json'), 'utf8');
      const p3 = JSON.parse(files).paths['3'];
      const list = [...p3.files, ...p3.tables].map((f) => path.join(SAMPLE, f));
      const before = (await page.evaluate(() => document.querySelector('ep-wifi').result.seq));
      await page.locator('ep-wifi input[type=file]').setInputFiles(list);
      const r = await result(page, before);
      assert.equal(r.source, 'files');
      assert.equal(r.testPoints, 20);
      // Not a capture at all → the widget says so, inside itself.
      await page.locator('ep-wifi input[type=file]').setInputFiles([
        { name: 'ref_204_1_3500.pcap', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not a pcap file') },
        { name: 'points.csv', mimeType: 'text/csv', buffer: Buffer.from('location,x_m,y_m\n204_1,1,2\n') },
      ]);
      await page.waitForFunction(() => !document.querySelector('ep-wifi').shadowRoot.querySelector('.ep-error').hidden);
      assert.match(await page.locator('ep-wifi .ep-error-text').textContent(), /ref_204_1_3500\.pcap: not a pcap or pcapng file/);
    });

    it('runs the simulated office, labelled as simulated', async () => {
      const before = (await page.evaluate(() => document.querySelector('ep-wifi').result.seq));
      await page.locator('ep-wifi [data-src="office"]').click();
      const r = await result(page, before);
      assert.equal(r.simulated, true);
      assert.equal(r.inputs, 'csi'); // no RSSI in the passive scene
      assert.match(await page.locator('ep-wifi .wf-about').textContent(), /^SIMULATED/);
      assert.ok(r.metrics.points > 100);
      if (mode === 'cpu') await page.locator('ep-wifi').screenshot({ path: path.join(RESULTS, 'wifi-sim-office.png') });
    });

    it('no console errors and no request leaves the origin', () => {
      assert.deepEqual(errors, []);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
