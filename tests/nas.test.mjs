// <ep-nas>: the DONNA-style search in the browser gives the native CLI's numbers (same seed,
// same table), switches dataset, ranks every predictor like the CLI, shows a cell on hover,
// measures this device's latency table (WebGPU or wasm CPU), caches it per device, and
// recomputes a NASWOT score equal to the shipped one; with and without WebGPU.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, edgeplay, foreignRequests } from './harness.mjs';

const SAMPLES = 20, BUDGET = 40, SEED = 1, CHECK = 3;
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-nas test</title>
<body style="margin:16px;font:14px system-ui;width:1000px"><script type="module">import './www/edgeplay.js';</script>
<ep-nas eager samples="${SAMPLES}" budget="${BUDGET}" seed="${SEED}" reps="1" check="${CHECK}" animate="off"></ep-nas></body>`;
const DATA = path.join(ROOT, 'www/nas/data');

const native = (ds) => JSON.parse(edgeplay('nas', 'search', '--data', path.join(DATA, 'nats.bin'), '--naswot', path.join(DATA, 'naswot.f32'),
  '--dataset', ds, '--samples', String(SAMPLES), '--budget', String(BUDGET), '--seed', String(SEED), '--json'));

/** Waits for a search result newer than `after`; returns it. */
async function result(page, after = 0, timeout = 240000) {
  await page.waitForFunction((after) => (document.querySelector('ep-nas')?.result?.seq ?? 0) > after, after, { timeout, polling: 200 });
  return page.evaluate(() => document.querySelector('ep-nas').result);
}

const seq = (page) => page.evaluate(() => document.querySelector('ep-nas').result?.seq ?? 0);

for (const mode of MODES) {
  describe(`nas search (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'nas-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/nas-test.html`);
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    it('searches CIFAR-10 on MACs with the CLI\'s numbers and draws both fronts', async () => {
      const r = await result(page);
      const n = native('cifar10');
      assert.equal(r.dataset, 'cifar10');
      assert.equal(r.cost, 'macs');
      assert.equal(r.queried, n.true_accuracies_used);
      assert.equal(r.trueFront, n.true_front_size);
      assert.equal(r.front.length, n.front.length);
      // Same table, same seeded predictor and NSGA-II in wasm and natively: the same gap.
      assert.ok(Math.abs(r.gap - n.mean_gap) < 1e-9, `${r.gap} vs ${n.mean_gap}`);
      assert.ok(Math.abs(r.randomGap - n.random_gap_same_budget) < 1e-9, `${r.randomGap} vs ${n.random_gap_same_budget}`);
      const ui = await page.evaluate(() => {
        const s = document.querySelector('ep-nas').shadowRoot;
        const c = s.querySelector('.nas-plot canvas');
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        const px = { grey: 0, blue: 0, red: 0 };
        for (let i = 0; i < d.length; i += 4) {
          const [r, g, b, a] = [d[i], d[i + 1], d[i + 2], d[i + 3]];
          if (a < 40) continue;
          if (b > 180 && r < 120) px.blue++;
          else if (r > 180 && g < 120 && b < 60) px.red++;
          else if (Math.abs(r - g) < 12 && Math.abs(g - b) < 16 && r > 100 && r < 235) px.grey++;
        }
        return {
          points: s.querySelector('.nas-plot').dataset.points,
          queried: s.querySelector('.nas-plot').dataset.queried,
          shortfalls: s.querySelector('.nas-plot').dataset.shortfalls,
          px,
          badge: s.querySelector('.ep-badge').textContent,
          gpuChip: s.querySelector('[data-cost="gpu"]').disabled,
          title: s.querySelector('.nas-cell-title').textContent,
          arch: s.querySelector('.nas-arch')?.textContent,
          summary: s.querySelector('.nas-summary').textContent,
        };
      });
      assert.equal(ui.points, '15625');
      assert.equal(ui.queried, String(BUDGET));
      assert.equal(ui.shortfalls, String(n.true_front_gaps.filter((g) => g[2] > 0).length)); // one gap bar per missed front point
      for (const [k, v] of Object.entries(ui.px)) assert.ok(v > 200, `${k} pixels: ${JSON.stringify(ui.px)}`);
      if (mode === 'webgpu') { assert.match(ui.badge, /^WebGPU · /); assert.equal(ui.gpuChip, false); } else {
        assert.equal(ui.badge, 'CPU · WASM');
        assert.equal(ui.gpuChip, true);
      }
      // The most accurate found architecture is pinned and is one of the CLI's front.
      assert.match(ui.title, /pinned/);
      assert.ok(n.front.some((f) => f.arch === ui.arch), ui.arch);
      assert.match(ui.summary, new RegExp(`Mean gap to the true front \\(${n.true_front_size} points\\) ${n.mean_gap.toFixed(2)}`));
      await page.locator('ep-nas').screenshot({ path: path.join(RESULTS, `nas-${mode}.png`) });
    });

    it('switches to CIFAR-100 and searches again, as the CLI does', async () => {
      const before = await seq(page);
      await page.locator('ep-nas [data-ds="cifar100"]').click();
      const r = await result(page, before);
      const n = native('cifar100');
      assert.equal(r.dataset, 'cifar100');
      assert.ok(Math.abs(r.gap - n.mean_gap) < 1e-9, `${r.gap} vs ${n.mean_gap}`);
      assert.equal(r.trueFront, n.true_front_size);
      assert.equal(await page.locator('ep-nas [data-ds="cifar100"]').getAttribute('aria-pressed'), 'true');
      assert.equal(await page.locator('ep-nas .nas-plot').getAttribute('data-y'), 'CIFAR-100 test accuracy (%)');
    });

    it('ranks all 15,625 with every predictor, τ as the CLI prints', async () => {
      await page.locator('ep-nas .nas-tau summary').click();
      const rows = await page.evaluate(() => new Promise((resolve) => {
        const el = document.querySelector('ep-nas');
        el.addEventListener('taus', (e) => resolve(e.detail), { once: true });
        el.shadowRoot.querySelector('.nas-tau-run').click();
      }));
      const n = native('cifar100').taus;
      assert.equal(rows.length, n.length);
      for (const row of rows) {
        const m = n.find((x) => x.features === row.features && x.model === row.model);
        assert.ok(m && Math.abs(m.kendall_tau - row.tau) < 1e-9, `${row.features}/${row.model}: ${row.tau} vs ${m?.kendall_tau}`);
      }
      assert.equal(await page.locator('ep-nas .nas-table tbody tr').count(), 5);
    });

    it('shows a cell diagram and its numbers on hover', async () => {
      const box = await page.locator('ep-nas .nas-plot .u-over').boundingBox();
      const before = await page.locator('ep-nas .nas-cell-title').textContent();
      // Sweep along the plot until the pointer is near some architecture.
      let title = before;
      for (let f = 0.05; f < 1 && title === before; f += 0.05) {
        await page.mouse.move(box.x + box.width * f, box.y + box.height * 0.5);
        await page.waitForTimeout(150);
        title = await page.locator('ep-nas .nas-cell-title').textContent();
      }
      assert.notEqual(title, before);
      assert.match(title, /^#\d+/);
      assert.ok(await page.locator('ep-nas .nas-diagram').isVisible());
      const edges = await page.locator('ep-nas .nas-diagram path[marker-end]').count();
      assert.equal(edges, 6);
      assert.match(await page.locator('ep-nas .nas-arch').textContent(), /^\|[a-z_0-9x]+~0\|\+\|/);
      // Keyboard: the arrows step along the found front.
      await page.mouse.move(0, 0);
      await page.locator('ep-nas .nas-plot').focus();
      await page.keyboard.press('Home'); // no effect
      await page.keyboard.press('ArrowLeft');
      const pinned = () => page.evaluate(() => document.querySelector('ep-nas').shadowRoot.querySelector('.nas-cell-title').textContent);
      await page.waitForFunction(() => /pinned.*found front/.test(document.querySelector('ep-nas').shadowRoot.querySelector('.nas-cell-title').textContent));
      const t1 = await pinned();
      // (the first key pins the cheapest found point when the pinned one is not on the front)
      await page.keyboard.press('ArrowRight');
      await page.waitForFunction((t1) => document.querySelector('ep-nas').shadowRoot.querySelector('.nas-cell-title').textContent !== t1, t1);
      const t2 = await pinned();
      assert.match(t2, /pinned.*found front/);
      await page.keyboard.press('ArrowLeft');
      await page.waitForFunction((t1) => document.querySelector('ep-nas').shadowRoot.querySelector('.nas-cell-title').textContent === t1, t1);
    });

    it('recomputes a NASWOT score here equal to the shipped one', async () => {
      const d = await page.evaluate(() => new Promise((resolve) => {
        const el = document.querySelector('ep-nas');
        el.addEventListener('naswot', (e) => resolve(e.detail), { once: true });
        el.shadowRoot.querySelector('.nas-naswot').click();
      }));
      assert.equal(Math.fround(d.here), Math.fround(d.shipped));
      assert.match(await page.locator('ep-nas .nas-naswot-out').textContent(), /equal to the shipped score/);
    });

    it('Stop during a measurement keeps the current view; a search still runs afterwards', async () => {
      const s = await seq(page);
      await page.locator('ep-nas .nas-measure').click();
      await page.waitForFunction(() => /Timing on this/.test(document.querySelector('ep-nas').shadowRoot.querySelector('.nas-busy .ep-busy-text').textContent), null, { polling: 20 });
      await page.locator('ep-nas .nas-busy .ep-busy-cancel').click();
      assert.ok(await page.locator('ep-nas .nas-busy').isHidden());
      assert.ok(await page.locator('ep-nas .ep-error').isHidden());
      assert.equal(await page.locator('ep-nas [data-cost="macs"]').getAttribute('aria-pressed'), 'true');
      assert.equal(await page.evaluate(() => document.querySelector('ep-nas').latency), null);
      await page.locator('ep-nas .nas-run').click();
      const r = await result(page, s);
      assert.equal(r.cost, 'macs');
      assert.equal(r.dataset, 'cifar100');
    });

    it('measures this device, searches on its latency and caches the table', async () => {
      const before = await seq(page);
      await page.locator('ep-nas .nas-measure').click();
      const r = await result(page, before, 400000);
      const device = mode === 'webgpu' ? 'gpu' : 'cpu';
      assert.equal(r.cost, device);
      const l = await page.evaluate(() => document.querySelector('ep-nas').latency);
      assert.equal(l.device, device);
      assert.equal(l.pieces, 22);
      assert.equal(l.check.measured.length, CHECK);
      for (const v of [...l.check.measured, ...l.check.predicted]) assert.ok(v > 0 && Number.isFinite(v), String(v));
      // The three checked networks span the cost axis (cheapest, median, largest): the table
      // must at least order them the same way as the whole-network timings, mostly.
      assert.ok(l.check.spearman > 0, `Spearman ${l.check.spearman}`);
      assert.match(await page.locator('ep-nas .nas-lut').textContent(), /Checked on 3 whole networks: table sum vs measured Kendall τ/);
      assert.match(await page.locator('ep-nas .nas-plot').getAttribute('data-x'), /^latency on this (GPU|CPU)/);
      // A new page on the same device finds the table without measuring.
      const again = await page.context().newPage();
      again.on('pageerror', (e) => errors.push(String(e)));
      await again.goto(`${srv.url}/nas-test.html`);
      await result(again);
      await again.locator('ep-nas [data-ds="cifar100"]').click(); // the table above is CIFAR-100's
      await result(again, 1);
      await again.locator(`ep-nas [data-cost="${device}"]`).click();
      const r2 = await result(again, 2);
      assert.equal(r2.cost, device);
      assert.match(await again.locator('ep-nas .nas-lut').textContent(), /cached/);
      await again.close();
    });

    it('no console errors and no request leaves the origin', () => {
      assert.deepEqual(errors, []);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
