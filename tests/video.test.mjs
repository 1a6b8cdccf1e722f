// <ep-video>: the sample clip is read in the page and coded with IPP and hierarchical B at
// every rate of the ladder, the BD-rate stated (its first 5 frames are nearly still, where
// B-frames do not pay: the saving itself is tested natively in crates/video/tests); the rate
// slider decodes other frames (higher PSNR at finer steps); motion vectors and the
// interpolated reference draw; the bits, PSNR and RD charts draw; a file that is not a video
// gives a message and the widget keeps working; Cancel stops an encode; nothing leaves
// 127.0.0.1. With WebGPU (SwiftShader: the motion search in WGSL) and without.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, foreignRequests } from './harness.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-video test</title>
<body style="margin:16px;font:14px system-ui;width:1000px"><script type="module">import './www/edgeplay.js';</script>
<ep-video eager autoencode frames="5"></ep-video></body>`;

const shadow = (page, fn, arg) => page.evaluate(([src, arg]) => new Function('s', 'el', 'arg', src)(document.querySelector('ep-video').shadowRoot, document.querySelector('ep-video'), arg), [fn, arg]);

async function until(page, pred, timeout = 400000) {
  await page.waitForFunction((src) => {
    const r = document.querySelector('ep-video')?.result;
    return !!r && new Function('r', `return ${src}`)(r);
  }, pred, { timeout, polling: 250 });
  return page.evaluate(() => document.querySelector('ep-video').result);
}

/** Sum of the pixels of a canvas (a fingerprint of what it shows) and how many are not blank. */
const canvasStats = (page, sel) => shadow(page, `
  const c = s.querySelector(arg);
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let sum = 0, ink = 0;
  for (let i = 0; i < d.length; i += 4) { sum += d[i] * 3 + d[i + 1] * 5 + d[i + 2] * 7; if (d[i + 3] > 0) ink++; }
  return { sum, ink, w: c.width, h: c.height };`, sel);

for (const mode of MODES) {
  describe(`video (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'video-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/video-test.html`);
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    it('codes the sample with both structures at every rate and states the BD-rate', async () => {
      const r = await until(page, 'r.ratesDone === 6 && r.bdRate !== null');
      assert.equal(r.frames, 5);
      assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      assert.ok(Number.isFinite(r.bdRate) && Math.abs(r.bdRate) < 100, `BD-rate of IB vs IPP ${r.bdRate}`);
      assert.ok(r.ipp.bpp > 0 && r.ib.bpp > 0 && r.ipp.psnr > 25 && r.ib.psnr > 25, JSON.stringify(r));
      const saving = await shadow(page, 'return s.querySelector(".vd-saving").textContent;');
      assert.match(saving, /BD-rate/);
      const badge = await shadow(page, 'return s.querySelector(".ep-badge").dataset.path;');
      assert.equal(badge, mode === 'webgpu' ? 'gpu' : 'cpu');
      await page.waitForTimeout(300);
      fs.mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: path.join(RESULTS, `video-${mode}.png`), fullPage: true });
    });

    it('the rate slider decodes other frames; charts and overlays draw', async () => {
      const set = (qi) => shadow(page, 'const r = s.querySelector(".vd-rate"); r.value = String(arg); r.dispatchEvent(new Event("input"));', qi);
      await set(0);
      const coarse = await until(page, 'r.step === 48');
      const a = await canvasStats(page, '.vd-c-ib');
      await set(5);
      const fine = await until(page, 'r.step === 3');
      const b = await canvasStats(page, '.vd-c-ib');
      assert.notEqual(a.sum, b.sum, 'the decoded frame changed with the rate');
      assert.ok(fine.ib.psnr > coarse.ib.psnr + 5 && fine.ib.bpp > coarse.ib.bpp, JSON.stringify({ coarse, fine }));
      for (const c of ['.vd-bits', '.vd-psnr', '.vd-rd']) assert.ok((await canvasStats(page, c)).ink > 500, `${c} is drawn`);
      // Frame 3 (a B-frame): vectors change the picture; the interpolated reference too.
      await shadow(page, 'const f = s.querySelector(".vd-frame"); f.value = "2"; f.dispatchEvent(new Event("input"));');
      const plain = await canvasStats(page, '.vd-c-ib');
      await shadow(page, 'const o = s.querySelector(".vd-overlay"); o.value = "vectors"; o.dispatchEvent(new Event("change"));');
      const vec = await canvasStats(page, '.vd-c-ib');
      await shadow(page, 'const o = s.querySelector(".vd-overlay"); o.value = "reference"; o.dispatchEvent(new Event("change"));');
      const ref = await canvasStats(page, '.vd-c-ib');
      assert.notEqual(plain.sum, vec.sum);
      assert.notEqual(plain.sum, ref.sum);
      const cap = await shadow(page, 'return s.querySelector(".vd-cap-ib").textContent;');
      assert.match(cap, /B1 · interpolated reference/);
      await shadow(page, 'const o = s.querySelector(".vd-overlay"); o.value = "vectors"; o.dispatchEvent(new Event("change"));');
      await page.screenshot({ path: path.join(RESULTS, `video-${mode}-vectors.png`), fullPage: true });
    });

    it('a file that is not a video gives a message; Cancel stops an encode; the widget keeps working', async () => {
      const bad = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ep-video-')), 'notes.mp4');
      fs.writeFileSync(bad, 'this is not a video');
      const input = await page.evaluateHandle(() => document.querySelector('ep-video').shadowRoot.querySelector('input[type=file]'));
      await input.asElement().setInputFiles(bad);
      await page.waitForFunction(() => !document.querySelector('ep-video').shadowRoot.querySelector('.ep-error').hidden, null, { timeout: 60000 });
      const msg = await shadow(page, 'return s.querySelector(".ep-error-text").textContent;');
      assert.match(msg, /notes\.mp4: /);
      // The sample again, cancelled while encoding.
      await shadow(page, 's.querySelector(".vd-sample").click();');
      await page.waitForFunction(() => /Encoding/.test(document.querySelector('ep-video').shadowRoot.querySelector('.ep-busy-text')?.textContent || ''), null, { timeout: 120000 });
      await shadow(page, 's.querySelector(".ep-busy-cancel").click();');
      await page.waitForFunction(() => /cancelled/.test(document.querySelector('ep-video').shadowRoot.querySelector('.vd-note').textContent), null, { timeout: 60000 });
      assert.equal(await shadow(page, 'return s.querySelector(".ep-busy").hidden;'), true);
      assert.deepEqual(errors.filter((e) => !/notes\.mp4/.test(e)), []);
      assert.deepEqual(foreignRequests(requests), []);
    });
  });
}
