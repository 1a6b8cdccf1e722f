// <ep-depth>: FastDepth on a photo equals the native CLI (grey colormap, within 2 levels); the
// point cloud draws and the PLY has one vertex per pixel; the 16-bit PNG; a clip made in the
// page (MediaRecorder over a panned Kodak image) plays and depth frames advance; Chromium's
// fake webcam yields depth frames and stops when the element leaves; a network the visitor
// brings (our executor, or tract with the reason); bad inputs each give a message and the
// widget keeps working; nothing leaves 127.0.0.1. With WebGPU (SwiftShader) and without.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, edgeplay, foreignRequests } from './harness.mjs';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-depth test</title>
<body style="margin:16px;font:14px system-ui;width:1000px"><script type="module">import './www/edgeplay.js';</script>
<ep-depth eager src="www/samples/kodim23.png" colormap="grey"></ep-depth></body>`;

// The native CLI's grey picture of the same photo (CPU path: tract).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-depth-'));
edgeplay('--backend', 'cpu', 'depth', path.join(ROOT, 'www/samples/kodim23.png'), '--colormap', 'grey', '--out', path.join(tmp, 'grey.png'));
const NATIVE_GREY = fs.readFileSync(path.join(tmp, 'grey.png')).toString('base64');
const NATIVE = JSON.parse(edgeplay('--backend', 'cpu', 'depth', path.join(ROOT, 'www/samples/kodim23.png'), '--json'));

/** Waits until the widget's result `r` satisfies the expression `pred`; returns it. */
async function until(page, pred, timeout = 240000) {
  await page.waitForFunction((src) => {
    const r = document.querySelector('ep-depth')?.result;
    return !!r && new Function('r', `return ${src}`)(r);
  }, pred, { timeout, polling: 250 });
  return page.evaluate(() => document.querySelector('ep-depth').result);
}

const shadow = (page, fn, arg) => page.evaluate(([src, arg]) => new Function('s', 'el', 'arg', src)(document.querySelector('ep-depth').shadowRoot, document.querySelector('ep-depth'), arg), [fn, arg]);

async function setFile(page, selector, file) {
  const input = await page.evaluateHandle((sel) => document.querySelector('ep-depth').shadowRoot.querySelector(sel), selector);
  await input.asElement().setInputFiles(file);
}

async function errorText(page, timeout = 60000) {
  await page.waitForFunction(() => !document.querySelector('ep-depth').shadowRoot.querySelector('.ep-error').hidden, null, { timeout });
  const t = await shadow(page, 'return s.querySelector(".ep-error-text").textContent;');
  await shadow(page, 's.querySelector(".ep-error-close").click();');
  return t;
}

for (const mode of MODES) {
  describe(`depth (${mode})`, () => {
    let srv, browser, page, errors, requests;
    before(async () => {
      fs.writeFileSync(path.join(ROOT, 'dist', 'depth-test.html'), PAGE);
      srv = await serve(path.join(ROOT, 'dist'));
      browser = await launch(mode);
      ({ page, errors, requests } = await newPage(browser));
      await page.goto(`${srv.url}/depth-test.html`);
    });
    after(async () => { await browser?.close(); await srv?.close(); });

    it('a photo: depth on this path equals the native CLI', async () => {
      const r = await until(page, 'r.frames >= 1');
      assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
      assert.equal(r.model, 'FastDepth');
      assert.deepEqual([r.width, r.height], [768, 512]);
      assert.ok(Math.abs(r.min - NATIVE.min) < 0.01 && Math.abs(r.max - NATIVE.max) < 0.01, `${r.min}..${r.max} vs ${NATIVE.min}..${NATIVE.max}`);
      const cmp = await page.evaluate(async (b64) => {
        const got = document.querySelector('ep-depth').depthPixels;
        const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }), { colorSpaceConversion: 'none' });
        const c = new OffscreenCanvas(bmp.width, bmp.height).getContext('2d');
        c.drawImage(bmp, 0, 0);
        const want = c.getImageData(0, 0, bmp.width, bmp.height).data;
        let max = 0;
        for (let i = 0; i < want.length; i++) if (i % 4 !== 3) max = Math.max(max, Math.abs(got[i] - want[i]));
        return { max, n: got.length === want.length };
      }, NATIVE_GREY);
      assert.ok(cmp.n, 'same size');
      assert.ok(cmp.max <= 2, `max difference ${cmp.max} grey levels`);
      const ui = await shadow(page, 'return { badge: s.querySelector(".ep-badge").textContent, legend: s.querySelector(".dp-lo").textContent, stats: s.querySelector(".dp-stats").textContent };');
      assert.match(ui.badge, mode === 'webgpu' ? /WebGPU/ : /CPU/);
      assert.match(ui.legend, /m near/);
      // Depth under the cursor.
      const bb = await page.locator('ep-depth').locator('.dp-stage').boundingBox();
      await page.mouse.move(bb.x + bb.width * 0.6, bb.y + bb.height * 0.5, { steps: 3 });
      const probe = await shadow(page, 'return s.querySelector(".dp-probe").textContent;');
      assert.match(probe, /^\(\d+, \d+\): \d+\.\d\d m$/);
      await page.screenshot({ path: path.join(RESULTS, `depth-${mode}-photo.png`) });
    });

    it('point cloud draws; PLY has one vertex per pixel; PNG is 16-bit', async () => {
      const downloads = [];
      await page.exposeFunction(`dl_${mode}`, (d) => downloads.push(d));
      await page.evaluate((m) => document.querySelector('ep-depth').addEventListener('download', (e) => window[`dl_${m}`]({ kind: e.detail.kind, head: Array.from(e.detail.bytes.slice(0, 400)), size: e.detail.bytes.length })), mode);
      await shadow(page, 's.querySelector("[data-mode=cloud]").click();');
      await page.waitForFunction(() => document.querySelector('ep-depth').pointCloud?.pointCount > 0, null, { timeout: 30000 });
      await page.waitForTimeout(500);
      const pc = await page.evaluate(() => {
        const v = document.querySelector('ep-depth').pointCloud;
        const c = v.element.querySelector('canvas');
        // Count drawn (non-background) pixels through a 2-D copy of the canvas.
        const o = new OffscreenCanvas(c.width, c.height).getContext('2d');
        o.drawImage(c, 0, 0);
        const d = o.getImageData(0, 0, c.width, c.height).data;
        let lit = 0;
        for (let i = 0; i < d.length; i += 4) if (Math.abs(d[i] - 17) + Math.abs(d[i + 1] - 17) + Math.abs(d[i + 2] - 17) > 30) lit++;
        return { backend: v.backend, points: v.pointCount, lit, total: d.length / 4 };
      });
      assert.ok(pc.lit > pc.total * 0.2, `point cloud drew ${pc.lit} of ${pc.total} pixels (${pc.backend})`);
      await page.screenshot({ path: path.join(RESULTS, `depth-${mode}-cloud.png`) });
      await shadow(page, 's.querySelector(".dp-ply").click();');
      await shadow(page, 's.querySelector(".dp-png").click();');
      for (let i = 0; i < 100 && downloads.length < 2; i++) await page.waitForTimeout(200);
      const ply = downloads.find((d) => d.kind === 'ply');
      const head = Buffer.from(ply.head).toString('latin1');
      assert.match(head, new RegExp(`element vertex ${768 * 512}\\n`));
      const end = head.indexOf('end_header\n') + 11;
      assert.equal(ply.size - end, 768 * 512 * 15);
      const png = downloads.find((d) => d.kind === 'png');
      assert.deepEqual(png.head.slice(1, 4), [80, 78, 71]);
      assert.equal(png.head[24], 16, '16 bits per sample');
      assert.equal(png.head[25], 0, 'greyscale');
      await shadow(page, 's.querySelector("[data-mode=split]").click();');
    });

    it('a clip: frames play and depth follows them', async () => {
      // A 3 s WebM made here: the camera pans over a Kodak photo.
      const b64 = await page.evaluate(async () => {
        const img = await createImageBitmap(await (await fetch('www/samples/kodim19.png')).blob());
        const c = document.createElement('canvas');
        c.width = 320; c.height = 240;
        const ctx = c.getContext('2d');
        const rec = new MediaRecorder(c.captureStream(15), { mimeType: 'video/webm' });
        const parts = [];
        rec.ondataavailable = (e) => parts.push(e.data);
        rec.start();
        const t0 = performance.now();
        await new Promise((done) => {
          const step = () => {
            const t = (performance.now() - t0) / 3000;
            ctx.drawImage(img, t * 300, 0, 480, 360, 0, 0, 320, 240);
            if (t < 1) requestAnimationFrame(step); else done();
          };
          step();
        });
        rec.stop();
        await new Promise((r) => { rec.onstop = r; });
        const buf = new Uint8Array(await new Blob(parts).arrayBuffer());
        let s = '';
        for (let i = 0; i < buf.length; i += 0x8000) s += String.fromCharCode(...buf.subarray(i, i + 0x8000));
        return btoa(s);
      });
      const before = (await page.evaluate(() => document.querySelector('ep-depth').result)).frames;
      await setFile(page, 'input[type=file]', { name: 'pan.webm', mimeType: 'video/webm', buffer: Buffer.from(b64, 'base64') });
      const r = await until(page, 'r.time !== null && r.frames >= 2', 300000);
      assert.deepEqual([r.width, r.height], [320, 240]);
      const first = r.time;
      const r2 = await until(page, `r.time !== null && r.time !== ${first} && r.frames > ${r.frames}`, 300000);
      assert.ok(r2.frames > before);
      const fps = await shadow(page, 'return s.querySelector(".dp-fps").textContent;');
      assert.match(fps, /fps · \d+ ms\/frame/);
      await page.screenshot({ path: path.join(RESULTS, `depth-${mode}-video.png`) });
    });

    it('the webcam (fake device) yields depth frames and stops with the element', async () => {
      await shadow(page, 's.querySelector(".dp-webcam").click();');
      await page.waitForFunction(() => document.querySelector('ep-depth').webcamActive, null, { timeout: 30000 });
      const start = (await page.evaluate(() => document.querySelector('ep-depth').result)).frames;
      await until(page, `r.frames >= ${start + 2}`, 300000);
      const credit = await shadow(page, 'return s.querySelector(".dp-credit").textContent;');
      assert.match(credit, /sent nowhere/);
      // Removing the element stops the camera.
      await page.evaluate(() => { const el = document.querySelector('ep-depth'); window.__dp = el; el.remove(); });
      await page.waitForFunction(() => !window.__dp.webcamActive, null, { timeout: 10000 });
      await page.evaluate(() => document.body.append(window.__dp));
    });

    it('bad inputs give messages and the widget keeps working', async () => {
      // Give the re-attached element its photo back.
      await shadow(page, 's.querySelector("[data-sample=\'2\']").click();');
      let r = await until(page, 'r.time === null && r.width === 768', 120000);
      const empty = { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) };
      await setFile(page, 'input[type=file]', empty);
      assert.match(await errorText(page), /empty/);
      await setFile(page, 'input[type=file]', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('this is not a picture') });
      assert.match(await errorText(page), /not an image/);
      await setFile(page, 'input[type=file]', { name: 'broken.mp4', mimeType: 'video/mp4', buffer: Buffer.from('\x00\x00\x00\x18ftypmp42 garbage garbage') });
      assert.match(await errorText(page), /cannot be played/);
      await setFile(page, '.dp-onnx', { name: 'broken.onnx', mimeType: 'application/octet-stream', buffer: Buffer.from('definitely not protobuf \xff\xff\xff') });
      assert.match(await errorText(page), /broken\.onnx.*FastDepth stays in use/s);
      // A huge picture is scaled down with a notice, not refused.
      const big = await page.evaluate(async () => {
        const c = new OffscreenCanvas(5000, 300);
        const ctx = c.getContext('2d');
        ctx.fillStyle = '#8a6'; ctx.fillRect(0, 0, 5000, 300);
        const b = new Uint8Array(await (await c.convertToBlob({ type: 'image/png' })).arrayBuffer());
        return Array.from(b);
      });
      await setFile(page, 'input[type=file]', { name: 'wide.png', mimeType: 'image/png', buffer: Buffer.from(big) });
      r = await until(page, 'r.width === 2048', 240000);
      assert.equal(r.height, 123);
      const notice = await shadow(page, 'return s.querySelector(".ep-notice").textContent;');
      assert.match(notice, /Scaled down/);
      assert.equal(r.model, 'FastDepth');
    });

    it('bring your own model: our executor, or tract with the reason', async () => {
      const frames = (await page.evaluate(() => document.querySelector('ep-depth').result)).frames;
      await setFile(page, '.dp-onnx', path.join(ROOT, 'crates/nn/tests/data/depth_ops.onnx'));
      let r = await until(page, `r.model === 'depth_ops.onnx' && r.frames > ${frames}`, 240000);
      let name = await shadow(page, 'return s.querySelector(".dp-model-name").textContent;');
      assert.match(name, /32×24.*our WGSL executor/);
      await setFile(page, '.dp-onnx', path.join(ROOT, 'crates/nn/tests/data/tract_only.onnx'));
      r = await until(page, `r.model === 'tract_only.onnx'`, 240000);
      assert.equal(r.path, 'cpu');
      name = await shadow(page, 'return s.querySelector(".dp-model-name").textContent;');
      assert.match(name, /tract \(operator HardSwish \(node "act0"\)\)/);
      const badge = await shadow(page, 'return s.querySelector(".ep-badge").title;');
      assert.match(badge, /HardSwish/);
      // A graph that is not picture → one depth channel keeps the previous model.
      await setFile(page, '.dp-onnx', path.join(ROOT, 'crates/nn/tests/data/unsupported.onnx'));
      assert.match(await errorText(page), /4 channels.*stays in use/s);
      await shadow(page, 's.querySelector(".dp-builtin").click();');
      r = await until(page, `r.model === 'FastDepth'`, 240000);
    });

    it('no console errors; no request leaves 127.0.0.1', () => {
      assert.deepEqual(foreignRequests(requests), []);
      assert.deepEqual(errors.filter((e) => !/Failed to load resource|NotSupportedError|DEMUXER|PIPELINE_ERROR/.test(e)), []);
    });
  });
}
