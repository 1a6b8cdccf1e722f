// <ep-channel>'s speed in Chromium on the CPU path: time per training step in the page
// (Retrain with `train-steps` per network, including the fixed filter's choice at the start)
// and live steps a second afterwards. Needs `trunk build` first.
//   node scripts/channel-speed.mjs [STEPS_PER_NETWORK]
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, serve, launch, newPage } from '../tests/harness.mjs';
const STEPS = Math.max(1, parseInt(process.argv[2] ?? '40', 10));
const PAGE = `<!doctype html><meta charset="utf-8"><body style="width:1100px"><script type="module">import './www/edgeplay.js';</script><ep-channel eager seqs="16" train-steps="${STEPS}"></ep-channel></body>`;
fs.writeFileSync(path.join(ROOT, 'dist', 'channel-speed.html'), PAGE);
const srv = await serve(path.join(ROOT, 'dist'));
const b = await launch('cpu');
const { page } = await newPage(b);
await page.goto(`${srv.url}/channel-speed.html`);
await page.waitForFunction(() => document.querySelector('ep-channel')?.result, null, { timeout: 120000 });
const d = page.evaluate(() => new Promise((res) => document.querySelector('ep-channel').addEventListener('trained', (e) => res(e.detail), { once: true })));
await page.locator('ep-channel .ch-train').click();
const t = await d;
console.log(`retrain 2 × ${STEPS} steps: ${(t.ms / 1000).toFixed(1)} s, ${(t.ms / (2 * STEPS)).toFixed(1)} ms a step`);
const s0 = +(await page.evaluate(() => document.querySelector('ep-channel').shadowRoot.querySelector('.ch-trace').dataset.steps));
await page.waitForTimeout(5000);
const s1 = +(await page.evaluate(() => document.querySelector('ep-channel').shadowRoot.querySelector('.ch-trace').dataset.steps));
console.log(`live run: ${(s1 - s0) / 5} steps a second (target 120)`);
await b.close(); await srv.close();
fs.unlinkSync(path.join(ROOT, 'dist', 'channel-speed.html'));
