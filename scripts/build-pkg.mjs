// Builds the embeddable package pkg/dist/ from Trunk's output (dist/www): the widgets, the
// wasm and its glue, samples, the models (the depth menu's networks and models.json included),
// plus pkg/package.json and pkg/README.md.
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const src = path.join(root, 'dist', 'www');
const out = path.join(root, 'pkg', 'dist');
const modules = ['imaging', 'neural', 'wifi', 'nas', 'depth', 'video', 'channel'];
if (!modules.every((m) => fs.existsSync(path.join(src, 'wasm', `edgeplay-web-${m}_bg.wasm`)))) {
  console.error('dist/www/wasm is missing: run `trunk build` first');
  process.exit(1);
}
// <ep-depth>'s model menu: models.json and every network it lists (copied by Trunk).
const catalog = path.join(src, 'models', 'depth', 'models.json');
const missing = fs.existsSync(catalog)
  ? JSON.parse(fs.readFileSync(catalog, 'utf8')).models.map((m) => path.join('models', m.file)).filter((f) => !fs.existsSync(path.join(src, f)))
  : ['models/depth/models.json'];
if (missing.length) {
  console.error(`dist/www lacks ${missing.join(', ')}: run \`trunk build\` first`);
  process.exit(1);
}
fs.rmSync(out, { recursive: true, force: true });
fs.cpSync(src, out, { recursive: true });
for (const f of ['package.json', 'README.md']) fs.copyFileSync(path.join(root, 'pkg', f), path.join(out, f));
let bytes = 0, files = 0;
const walk = (d) => { for (const e of fs.readdirSync(d, { withFileTypes: true })) { const p = path.join(d, e.name); if (e.isDirectory()) walk(p); else { bytes += fs.statSync(p).size; files++; } } };
walk(out);
console.log(`pkg/dist: ${files} files, ${(bytes / 1e6).toFixed(2)} MB`);
