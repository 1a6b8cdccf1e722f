// <ep-depth>: FastDepth on a photo equals the native CLI (grey colormap, within 2 levels); the
// point cloud draws and the PLY has one vertex per pixel; the 16-bit PNG; a clip made in the
// page (MediaRecorder over a panned Kodak image) plays and depth frames advance; Chromium's
// fake webcam yields depth frames and stops when the element leaves; a network the visitor
// brings (our executor, or tract with the reason); bad inputs each give a message and the
// widget keeps working; the model menu lists every network of models.json with its numbers,
// each one selected gives a depth map equal to the native CLI's with that file and the maps
// differ; compare mode shows two maps of the same frame (photo and webcam) with their captions,
// and the downloads are the menu model's; without models.json FastDepth alone, with a notice; a
// network file that does not load gives a message and the model in use stays; nothing leaves
// 127.0.0.1. With WebGPU (SwiftShader) and without.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ROOT, MODES, RESULTS, serve, launch, newPage, edgeplay, foreignRequests } from './harness.mjs';
import { modelLabel, heldoutName } from '../www/depth/meta.js';

const PAGE = `<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>ep-depth test</title>
<body style="margin:16px;font:14px system-ui;width:1000px"><script type="module">import './www/edgeplay.js';</script>
<ep-depth eager src="www/samples/kodim23.png" colormap="grey" model="fastdepth"></ep-depth></body>`;

// The native CLI's grey picture of the same photo (CPU path: tract).
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ep-depth-'));
edgeplay('--backend', 'cpu', 'depth', path.join(ROOT, 'www/samples/kodim23.png'), '--colormap', 'grey', '--out', path.join(tmp, 'grey.png'));
const NATIVE_GREY = fs.readFileSync(path.join(tmp, 'grey.png')).toString('base64');
const NATIVE = JSON.parse(edgeplay('--backend', 'cpu', 'depth', path.join(ROOT, 'www/samples/kodim23.png'), '--json'));

// The networks the page offers (the files it serves, copied by Trunk) and the native CLI's
// depth range of the same photo with each of them.
const CATALOG = JSON.parse(fs.readFileSync(path.join(ROOT, 'dist/www/models/depth/models.json'), 'utf8'));
const NATIVE_BY_KEY = Object.fromEntries(CATALOG.models.map((m) => [m.key,
  JSON.parse(edgeplay('--backend', 'cpu', '--model', path.join(ROOT, 'dist/www/models', m.file), 'depth', path.join(ROOT, 'www/samples/kodim23.png'), '--json'))]));
// models.json's held-out set as the menu names it, e.g. "7-Scenes kitchen frames 240–299".
const HELDOUT = heldoutName(CATALOG);
assert.match(HELDOUT, /kitchen frames \d+–\d+/);
const esc = (t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Within 1 cm of the CLI's range, as for FastDepth above. */
const sameRange = (r, n, what) => assert.ok(Math.abs(r.min - n.min) < 0.01 && Math.abs(r.max - n.max) < 0.01, `${what}: ${r.min}..${r.max} vs the CLI's ${n.min}..${n.max}`);

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

/** Chooses `value` in the widget's <select> `selector`. */
async function selectIn(page, selector, value) {
  const sel = await page.evaluateHandle((s) => document.querySelector('ep-depth').shadowRoot.querySelector(s), selector);
  await sel.asElement().selectOption(value);
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
      // Under 'auto' the page measures both paths and keeps the faster (the CPU, on SwiftShader);
      // force the GPU here so the WGSL kernels are what this mode tests. The measured choice
      // has its own test below.
      if (mode === 'webgpu') await page.addInitScript(() => { globalThis.EDGEPLAY_BACKEND = 'gpu'; });
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
      const notice = await shadow(page, 'return s.querySelector(".dp-notice").textContent;');
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
      // The visitor's model is in the menu; the menu takes FastDepth back.
      const opts = await shadow(page, 'return [...s.querySelector(".dp-menu").options].map((o) => o.textContent);');
      assert.ok(opts.some((t) => /^tract_only\.onnx \(your model\)/.test(t)), opts.join(' | '));
      await selectIn(page, '.dp-menu', 'fastdepth');
      r = await until(page, `r.model === 'FastDepth'`, 240000);
    });

    it('the model menu: every network of models.json, with its numbers; each equals the native CLI; the maps differ', async () => {
      // The photo the CLI saw (Parrots = kodim23), FastDepth first.
      const before = (await page.evaluate(() => document.querySelector('ep-depth').result)).frames;
      await shadow(page, 's.querySelector("[data-sample=\'1\']").click();');
      let r = await until(page, `r.width === 768 && r.frames > ${before} && r.key === 'fastdepth'`, 240000);
      const menu = await shadow(page, 'return [...s.querySelector(".dp-menu").options].map((o) => ({ key: o.value, text: o.textContent, title: o.title }));');
      const shipped = menu.filter((o) => !o.key.startsWith('user-'));
      assert.deepEqual(shipped.map((o) => o.key), CATALOG.models.map((m) => m.key));
      CATALOG.models.forEach((m, i) => {
        assert.ok(shipped[i].text.startsWith(modelLabel(m)), `${shipped[i].text} vs ${modelLabel(m)}`);
        assert.match(shipped[i].text, new RegExp(`AbsRel ${m.kitchen_heldout.absrel_med.toFixed(3)} med\\.-scaled / ${m.kitchen_heldout.absrel.toFixed(3)} metric · ${m.native_fps.toFixed(1)} fps native`));
        assert.ok(shipped[i].title.includes(`${HELDOUT} (${m.kitchen_heldout.images} images)`), shipped[i].title);
      });
      const hint = await shadow(page, 'return s.querySelector(".dp-menu-hint").textContent;');
      assert.ok(hint.includes(`held-out ${HELDOUT}`), hint);
      for (const m of CATALOG.models) {
        const frames = r.frames;
        if (m.key !== r.key) await selectIn(page, '.dp-menu', m.key);
        r = await until(page, `r.key === '${m.key}' && r.frames > ${m.key === r.key ? frames - 1 : frames}`, 300000);
        assert.equal(r.model, m.name);
        assert.equal(r.path, mode === 'webgpu' ? 'gpu' : 'cpu');
        assert.deepEqual([r.width, r.height, r.output], [768, 512, 'metric']);
        assert.equal(r.compare, null);
        sameRange(r, NATIVE_BY_KEY[m.key], m.name);
        const ui = await shadow(page, 'const o = s.querySelector(".dp-menu").selectedOptions[0]; return { text: o.textContent, name: s.querySelector(".dp-model-name").textContent, badge: s.querySelector(".ep-badge").textContent };');
        // The option of the model in use carries the time measured in this page.
        assert.equal(ui.text, modelLabel(m, r.ms));
        assert.match(ui.text, / ms\/frame here$/);
        assert.ok(ui.name.startsWith(`${m.name} — ${m.about}`), ui.name);
        assert.match(ui.badge, mode === 'webgpu' ? /WebGPU/ : /CPU/);
        await page.evaluate((k) => { const [d] = document.querySelector('ep-depth').depthMaps; (window.__maps ??= {})[k] = d.depth.slice(); }, m.key);
      }
      // Every two networks give different maps (mean difference over 1 cm).
      const diffs = await page.evaluate(() => {
        const keys = Object.keys(window.__maps);
        const out = [];
        for (let i = 0; i < keys.length; i++) for (let j = i + 1; j < keys.length; j++) {
          const a = window.__maps[keys[i]], b = window.__maps[keys[j]];
          let sum = 0;
          for (let k = 0; k < a.length; k++) sum += Math.abs(a[k] - b[k]);
          out.push({ pair: `${keys[i]}/${keys[j]}`, mean: sum / a.length });
        }
        return out;
      });
      assert.equal(diffs.length, (CATALOG.models.length * (CATALOG.models.length - 1)) / 2);
      for (const d of diffs) assert.ok(d.mean > 0.01, `${d.pair}: maps differ by ${d.mean} m on average`);
    });

    it('compare mode: two maps of the same frame, captioned; downloads are the menu model\'s', async () => {
      const [a, b] = [CATALOG.models[CATALOG.models.length - 1], CATALOG.models[0]];
      let r = await page.evaluate(() => document.querySelector('ep-depth').result);
      if (r.key !== a.key) { await selectIn(page, '.dp-menu', a.key); r = await until(page, `r.key === '${a.key}'`, 300000); }
      // Choosing the second network turns compare mode on.
      await selectIn(page, '.dp-menu2', b.key);
      r = await until(page, `r.key === '${a.key}' && r.compare?.key === '${b.key}' && r.frames > ${r.frames}`, 300000);
      assert.equal(await shadow(page, 'return s.querySelector(".dp-compare").checked;'), true);
      const path0 = mode === 'webgpu' ? 'gpu' : 'cpu';
      assert.deepEqual([r.path, r.compare.path, r.model, r.compare.model], [path0, path0, a.name, b.name]);
      sameRange(r, NATIVE_BY_KEY[a.key], a.name);
      sameRange(r.compare, NATIVE_BY_KEY[b.key], b.name);
      const ui = await shadow(page, `return { captions: el.captions, aria: s.querySelector(".dp-stage").getAttribute("aria-label"), lo: s.querySelector(".dp-lo").textContent,
        hi: s.querySelector(".dp-hi").textContent, inset: !s.querySelector(".dp-inset").hidden, side: s.querySelector("[data-mode=side]").getAttribute("aria-pressed"),
        stats: s.querySelector(".dp-stats").textContent, badge: s.querySelector(".ep-badge").textContent };`);
      assert.deepEqual(ui.captions, [`${a.name} · ${r.ms.toFixed(0)} ms`, `${b.name} · ${r.compare.ms.toFixed(0)} ms`]);
      assert.ok(ui.aria.includes(ui.captions[0]) && ui.aria.includes(ui.captions[1]), ui.aria);
      assert.equal(ui.side, 'true');
      assert.ok(ui.inset, 'the picture is shown in a corner');
      // One colour scale for both maps: the legend spans both ranges.
      assert.equal(ui.lo, `${Math.min(r.min, r.compare.min).toFixed(2)} m near`);
      assert.equal(ui.hi, `${Math.max(r.max, r.compare.max).toFixed(2)} m far`);
      assert.ok(ui.stats.includes(`Compared with${b.name}`), ui.stats);
      assert.match(ui.badge, mode === 'webgpu' ? /WebGPU/ : /CPU/);
      // The stage shows two different depth pictures, one per half (same fit, same place).
      const halves = await shadow(page, `const c = s.querySelector(".dp-canvas"); const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
        const half = Math.round(c.width / 2); let litL = 0, litR = 0, diff = 0, n = 0;
        const bg = (i) => Math.abs(d[i] - 233) + Math.abs(d[i + 1] - 236) + Math.abs(d[i + 2] - 239) < 6;
        for (let y = 0; y < c.height; y += 2) for (let x = 8; x < half - 8; x += 2) {
          const i = (y * c.width + x) * 4, j = (y * c.width + x + half) * 4;
          n++; if (!bg(i)) litL++; if (!bg(j)) litR++;
          if (!bg(i) && !bg(j)) diff += Math.abs(d[i] - d[j]);
        }
        return { litL: litL / n, litR: litR / n, diff: diff / Math.max(1, Math.min(litL, litR)) };`);
      assert.ok(halves.litL > 0.3 && halves.litR > 0.3, JSON.stringify(halves));
      assert.ok(halves.diff > 2, `the two maps differ by ${halves.diff} grey levels on average`);
      // Depth under the cursor names the network of that side.
      const bb = await page.locator('ep-depth').locator('.dp-stage').boundingBox();
      await page.mouse.move(bb.x + bb.width * 0.75, bb.y + bb.height * 0.5, { steps: 3 });
      assert.match(await shadow(page, 'return s.querySelector(".dp-probe").textContent;'), new RegExp(`^\\(\\d+, \\d+\\): \\d+\\.\\d\\d m \\(${esc(b.name)}\\)$`));
      await page.screenshot({ path: path.join(RESULTS, `depth-${mode}-compare.png`) });
      // The PLY is the menu model's map (z = −depth), not the compared one's.
      await page.evaluate(() => document.querySelector('ep-depth').addEventListener('download', (e) => { window.__ply = e.detail.bytes; }, { once: true }));
      await shadow(page, 's.querySelector(".dp-ply").click();');
      await page.waitForFunction(() => window.__ply, null, { timeout: 60000 });
      const ply = await page.evaluate(() => {
        const bytes = window.__ply;
        const head = new TextDecoder().decode(bytes.subarray(0, 400));
        const start = head.indexOf('end_header\n') + 11;
        const dv = new DataView(bytes.buffer, bytes.byteOffset + start);
        const [d, d2] = document.querySelector('ep-depth').depthMaps;
        let own = 0, other = 0;
        for (let i = 0; i < d.depth.length; i++) {
          const z = -dv.getFloat32(i * 15 + 8, true);
          own = Math.max(own, Math.abs(z - d.depth[i]));
          other = Math.max(other, Math.abs(z - d2.depth[i]));
        }
        return { own, other };
      });
      assert.ok(ply.own < 1e-5 && ply.other > 0.05, JSON.stringify(ply));
      // The webcam in compare mode: both networks on every frame.
      await shadow(page, 's.querySelector(".dp-webcam").click();');
      await page.waitForFunction(() => document.querySelector('ep-depth').webcamActive, null, { timeout: 30000 });
      r = await until(page, `r.time !== null && r.compare?.key === '${b.key}' && r.width === 640`, 300000);
      r = await until(page, `r.time !== null && r.time !== ${r.time} && r.compare?.key === '${b.key}'`, 300000);
      assert.deepEqual([r.width, r.height, r.compare.path], [640, 480, path0]);
      const cap = await page.evaluate(() => document.querySelector('ep-depth').captions);
      assert.equal(cap.length, 2);
      assert.match(cap[1], new RegExp(`^${esc(b.name)} · \\d+ ms$`));
      await shadow(page, 's.querySelector(".dp-webcam").click();');
      await page.waitForFunction(() => !document.querySelector('ep-depth').webcamActive, null, { timeout: 10000 });
      // Off again: the picture and the menu model's depth.
      await shadow(page, 's.querySelector(".dp-compare").click();');
      const off = await shadow(page, 'return { captions: el.captions, inset: s.querySelector(".dp-inset").hidden };');
      assert.deepEqual(off, { captions: null, inset: true });
    });

    it('without models.json: FastDepth alone, and a notice says why', async () => {
      const p = await newPage(browser);
      await p.page.route('**/models/depth/models.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
      await p.page.goto(`${srv.url}/depth-test.html`);
      const r = await until(p.page, 'r.frames >= 1');
      assert.equal(r.model, 'FastDepth');
      const ui = await shadow(p.page, `const n = s.querySelector(".dp-catalog-note");
        return { opts: [...s.querySelector(".dp-menu").options].map((o) => o.value), noteHidden: n.hidden, note: n.textContent, errorHidden: s.querySelector(".ep-error").hidden,
        compareHidden: s.querySelector(".dp-compare-row").hidden };`);
      assert.deepEqual(ui.opts, ['fastdepth']);
      assert.equal(ui.compareHidden, true, 'nothing to compare with');
      assert.equal(ui.noteHidden, false);
      assert.match(ui.note, /Only FastDepth.*could not be read \(HTTP 404\)/);
      assert.equal(ui.errorHidden, true);
      sameRange(r, NATIVE, 'FastDepth');
      assert.deepEqual(foreignRequests(p.requests), []);
      assert.deepEqual(p.errors.filter((e) => !/Failed to load resource/.test(e)), []);
      await p.context.close();
    });

    it('a network file that does not load: a message in the widget, the model in use stays', async () => {
      const gone = CATALOG.models.find((m) => m.key !== 'fastdepth');
      const p = await newPage(browser);
      await p.page.route(`**/models/${gone.file}`, (route) => route.fulfill({ status: 404, body: 'not found' }));
      await p.page.goto(`${srv.url}/depth-test.html`);
      let r = await until(p.page, 'r.frames >= 1');
      await selectIn(p.page, '.dp-menu', gone.key);
      assert.match(await errorText(p.page), new RegExp(`^${esc(gone.name)}: could not load ${esc(gone.name)} \\(HTTP 404\\)\\. FastDepth stays in use\\.$`));
      assert.equal(await shadow(p.page, 'return s.querySelector(".dp-menu").value;'), 'fastdepth');
      // The same in the compare menu: compare mode goes off again.
      await selectIn(p.page, '.dp-menu2', gone.key);
      assert.match(await errorText(p.page), /HTTP 404.*Compare mode is off/);
      assert.equal(await shadow(p.page, 'return s.querySelector(".dp-compare").checked;'), false);
      // Another network still loads and runs.
      const other = CATALOG.models.find((m) => m.key !== 'fastdepth' && m.key !== gone.key) ?? CATALOG.models[0];
      await selectIn(p.page, '.dp-menu', other.key);
      r = await until(p.page, `r.key === '${other.key}' && r.frames > ${r.frames - (other.key === 'fastdepth' ? 1 : 0)}`, 300000);
      assert.equal(r.model, other.name);
      assert.deepEqual(p.errors.filter((e) => !/Failed to load resource/.test(e)), []);
      assert.deepEqual(foreignRequests(p.requests), []);
      await p.context.close();
    });

    it('no console errors; no request leaves 127.0.0.1', () => {
      assert.deepEqual(foreignRequests(requests), []);
      assert.deepEqual(errors.filter((e) => !/Failed to load resource|NotSupportedError|DEMUXER|PIPELINE_ERROR/.test(e)), []);
    });
  });
}

// Under the automatic backend the engine measures both paths on the first frames and keeps the
// faster one; every frame says which path ran and why.
describe('depth: GPU or CPU chosen from measured timings (webgpu, auto)', () => {
  let srv, browser, page, errors;
  before(async () => {
    srv = await serve(path.join(ROOT, 'dist'));
    browser = await launch('webgpu');
    ({ page, errors } = await newPage(browser));
    await page.goto(`${srv.url}/depth-test.html`);
  });
  after(async () => { await browser?.close(); await srv?.close(); });

  it('measures CPU, CPU, GPU, then keeps the decided path', async () => {
    const runs = await page.evaluate(async () => {
      const rt = await import('./www/shell/runtime.js');
      const e = rt.engine('depth');
      await e.call('depth', 'loadBuiltin', { key: 'probe', file: 'fastdepth/fastdepth.onnx', name: 'FastDepth' });
      const rgba = new Uint8Array(224 * 224 * 4).map((_, i) => (i * 2654435761) % 251);
      const out = [];
      for (let i = 0; i < 6; i++) {
        const r = await e.call('depth', 'predict', { key: 'probe', rgba: rgba.slice(), width: 224, height: 224 });
        out.push({ path: r.path, choice: r.choice, min: r.min, max: r.max });
      }
      return out;
    });
    assert.deepEqual(runs.slice(0, 3).map((r) => r.path), ['cpu', 'cpu', 'gpu']);
    for (const r of runs.slice(0, 2)) assert.match(r.choice, /^measuring which path is faster here/);
    const last = runs[runs.length - 1];
    assert.match(last.choice, /^(CPU|GPU) chosen: measured faster here \(/);
    assert.equal(last.path, last.choice.startsWith('GPU') ? 'gpu' : 'cpu');
    for (const r of runs.slice(4)) assert.deepEqual([r.path, r.choice], [last.path, last.choice]);
    // Both paths give the same depth range.
    for (const r of runs) assert.ok(Math.abs(r.min - runs[0].min) < 0.01 && Math.abs(r.max - runs[0].max) < 0.01, `${r.path}: ${r.min}..${r.max}`);
    assert.deepEqual(errors, []);
  });
});
