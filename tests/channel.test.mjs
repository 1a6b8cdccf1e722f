// <ep-channel>: the live trace and the NMSE curves of every tracker on the shipped networks,
// numbers equal to the native CLI's, the sliders, retraining in the page (a few steps, equal to
// the native CLI's training from the same seed), the narrow setting; with and without WebGPU.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, edgeplay, foreignRequests } from './harness.mjs';

const SEQS = 16;
const TRAIN_STEPS = 3;
const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-channel test</title>
<body style="margin:16px;font:14px system-ui;width:1100px"><script type="module">import './www/edgeplay.js';</script>
<ep-channel eager seqs="${SEQS}" train-steps="${TRAIN_STEPS}"></ep-channel></body>`;
// The CLI's Doppler table: row i is Doppler DOPPLERS[i] at seed 11 + 1000 i.
const ROW = 4;
const native = JSON.parse(edgeplay('channel', '--seqs', String(SEQS), '--json'));
const nativeTrained = JSON.parse(edgeplay('channel', '--train', '--steps', String(TRAIN_STEPS), '--seqs', String(SEQS), '--json'));
// wasm and native round a few libm functions (exp, tanh, cos) differently in the last place.
const TOL_DB = 1e-6;

/** Waits for a curve result newer than `seq` with the wanted properties; returns it. */
async function curve(page, pred = 'true', timeout = 240000) {
  await page.waitForFunction((pred) => {
    const r = document.querySelector('ep-channel')?.result;
    // eslint-disable-next-line no-new-func
    return r && !r.curve.partial && new Function('r', `return ${pred}`)(r);
  }, pred, { timeout, polling: 200 });
  return page.evaluate(() => document.querySelector('ep-channel').result);
}

const evaluate = (page, args) => page.evaluate((a) => document.querySelector('ep-channel').evaluate(a), args);

for (const mode of MODES) {
  describe(`channel tracking (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'channel-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/channel-test.html`);
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    it('runs live and draws every tracker\'s NMSE curve', async () => {
      const r = await curve(page);
      assert.equal(r.setting.name, 'wide');
      assert.deepEqual(r.trackers, ['pilots (held)', 'KF, fixed Doppler', 'LSTM', 'HKF', 'KF, genie Doppler']);
      assert.equal(r.curve.points.length, 13);
      for (const p of r.curve.points) assert.ok(p.nmse_db.length === 5 && p.nmse_db.every(Number.isFinite), JSON.stringify(p));
      // Inside the training range HKF beats the fixed filter on average.
      const inRange = r.curve.points.filter((p) => p.seen);
      const mean = (k) => inRange.reduce((a, p) => a + p.nmse_db[k], 0) / inRange.length;
      assert.ok(mean(3) < mean(1), `HKF ${mean(3)} vs fixed ${mean(1)}`);
      // The live run moves and every tracker has a running NMSE.
      const steps = async () => +(await page.evaluate(() => document.querySelector('ep-channel').shadowRoot.querySelector('.ch-trace').dataset.steps || 0));
      const s0 = await steps();
      await page.waitForTimeout(1500);
      assert.ok((await steps()) > s0 + 20, 'the live trace advances');
      const ui = await page.evaluate(() => {
        const s = document.querySelector('ep-channel').shadowRoot;
        return {
          badge: s.querySelector('.ep-badge').textContent,
          nmse: [...s.querySelectorAll('.ch-nmse')].map((b) => b.textContent),
          note: s.querySelector('.ch-hkf-note').textContent,
          curvePoints: s.querySelector('.ch-curve').dataset.points,
          canvases: [...s.querySelectorAll('.ch-trace canvas, .ch-curve canvas')].map((c) => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let coloured = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && !(d[i] === d[i + 1] && d[i + 1] === d[i + 2])) coloured++;
            return coloured;
          }),
        };
      });
      assert.equal(ui.badge, 'CPU · WASM');
      assert.equal(ui.nmse.length, 5);
      for (const t of ui.nmse) assert.match(t, /^-?\d+\.\d dB$/);
      assert.match(ui.note, /HKF's Kalman filter now: a₁ = /);
      assert.equal(ui.curvePoints, '13');
      assert.equal(ui.canvases.length, 2);
      for (const n of ui.canvases) assert.ok(n > 500, `coloured pixels: ${ui.canvases}`);
      await page.locator('ep-channel').screenshot({ path: path.join(RESULTS, `channel-${mode}.png`) });
    });

    it('computes the same NMSE as the native CLI', async () => {
      const want = native.doppler[ROW];
      const got = await evaluate(page, { doppler: want.doppler, snr: want.snr_db, spacing: want.spacing, seqs: SEQS, seed: 11 + 1000 * ROW });
      for (let k = 0; k < 5; k++) assert.ok(Math.abs(got.nmse_db[k] - want.nmse_db[k]) < TOL_DB, `${native.trackers[k]}: ${got.nmse_db[k]} vs ${want.nmse_db[k]}`);
    });

    it('follows the sliders: Doppler marks the curves, SNR recomputes them', async () => {
      const slider = page.locator('ep-channel .ch-doppler');
      await slider.focus();
      for (let i = 0; i < 40; i++) await slider.press('ArrowRight');
      const shown = await page.evaluate(() => document.querySelector('ep-channel').shadowRoot.querySelector('.ch-doppler-value').textContent);
      assert.match(shown, /^0\.0[2-9]\d* ≈ \d+ km\/h$/);
      const snr = page.locator('ep-channel .ch-snr');
      await snr.focus();
      for (let i = 0; i < 5; i++) await snr.press('ArrowRight');
      const r = await curve(page, 'r.curve.snr === 15');
      assert.equal(r.curve.points.length, 13);
      // Higher SNR: the genie filter's error at 0.01 falls.
      const old = native.doppler.find((p) => p.doppler === 0.01);
      const now = r.curve.points.find((p) => p.doppler === 0.01);
      assert.ok(now.nmse_db[4] < old.nmse_db[4], `${now.nmse_db[4]} vs ${old.nmse_db[4]}`);
    });

    it('retrains both networks in the page as the CLI does from the same seed', async () => {
      const trained = page.evaluate(() => new Promise((res) => document.querySelector('ep-channel').addEventListener('trained', (e) => res(e.detail), { once: true })));
      await page.locator('ep-channel .ch-train').click();
      const t = await trained;
      assert.equal(t.setting.hkf.steps, TRAIN_STEPS);
      const want = nativeTrained.doppler[ROW];
      const got = await evaluate(page, { doppler: want.doppler, snr: want.snr_db, spacing: want.spacing, seqs: SEQS, seed: 11 + 1000 * ROW });
      for (let k = 0; k < 5; k++) assert.ok(Math.abs(got.nmse_db[k] - want.nmse_db[k]) < TOL_DB, `${nativeTrained.trackers[k]}: ${got.nmse_db[k]} vs ${want.nmse_db[k]}`);
      // Three steps are not the shipped training: HKF is worse than before.
      const shipped = native.doppler[ROW].nmse_db[3];
      assert.ok(got.nmse_db[3] > shipped, `${got.nmse_db[3]} vs shipped ${shipped}`);
    });

    it('switches to the narrow setting', async () => {
      await page.locator('ep-channel [data-setting="narrow"]').click();
      const r = await curve(page, 'r.setting.name === "narrow"');
      assert.deepEqual(r.setting.ranges.doppler, [0.005, 0.01]);
      const pressed = await page.evaluate(() => document.querySelector('ep-channel').shadowRoot.querySelector('[data-setting="narrow"]').getAttribute('aria-pressed'));
      assert.equal(pressed, 'true');
      assert.deepEqual(errors, []);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
