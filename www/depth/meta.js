// What the depth element and its tests share: samples (with credits), colormap names, limits,
// the shipped networks' list (models.json) and how the model menu labels them, and the
// colour-index rule of crates/depth/src/colormap.rs (`index`), in f32 arithmetic so the page
// colours pixels exactly as `edgeplay depth --colormap` does.

export const COLORMAPS = ['turbo', 'viridis', 'inferno', 'grey'];

export const SAMPLES = [
  { name: 'Motorcycle', url: '../samples/motorcycle.jpg', credit: 'Middlebury 2014 stereo dataset (Scharstein et al.), “Motorcycle”' },
  { name: 'Parrots', url: '../samples/kodim23.png', credit: 'Kodak PhotoCD kodim23' },
  { name: 'Hats', url: '../samples/kodim03.png', credit: 'Kodak PhotoCD kodim03' },
  { name: 'Clip', url: '../samples/bigbuckbunny.mp4', video: true, credit: 'Big Buck Bunny, Blender Foundation, peach.blender.org (CC-BY 3.0)' },
];

/** Video and webcam frames are captured at up to this many pixels a side. */
export const VIDEO_SIDE = 640;

/** Largest ONNX file a visitor may bring (the engine's own limit is 200 MiB). */
export const MAX_MODEL_MB = 200;

/** The shipped networks, in menu order, with their measured accuracy and speed: written by
 *  `python3 scripts/depth-eval.py` into models/depth/models.json, copied by Trunk next to the
 *  networks (www/models/). Paths in it (`file`) are relative to www/models/. */
export const CATALOG_URL = '../models/depth/models.json';

/** What is offered when models.json cannot be read: FastDepth alone, without numbers. */
export const FASTDEPTH = { key: 'fastdepth', name: 'FastDepth', file: 'fastdepth/fastdepth.onnx', about: 'as published (trained on NYU Depth v2)' };

const KEY = /^[a-z0-9][a-z0-9_-]{0,63}$/;
const FILE = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*\.onnx$/;

/** The usable entries of a parsed models.json: a key (not a visitor's `user-…` key), a name and
 *  an .onnx path below www/models/ (no `..`, no scheme); others are left out. Throws when none
 *  is usable. */
export function catalogModels(json) {
  const list = Array.isArray(json?.models) ? json.models : [];
  const seen = new Set();
  const out = list.filter((m) => m && typeof m.key === 'string' && KEY.test(m.key) && !m.key.startsWith('user-') && !seen.has(m.key)
    && typeof m.name === 'string' && m.name && typeof m.file === 'string' && FILE.test(m.file) && !m.file.split('/').includes('..')
    && seen.add(m.key));
  if (!out.length) throw new Error('it lists no usable network');
  return out;
}

const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The held-out set's name as the menu shows it ("7scenes-kitchen frames 240..299" →
 *  "7-Scenes kitchen frames 240–299"). */
export function heldoutName(catalog) {
  const h = typeof catalog?.heldout === 'string' ? catalog.heldout : '';
  return h.replace(/^7scenes-/, '7-Scenes ').replace(/(\d)\.\.(\d)/, '$1–$2');
}

/** A menu option's text: held-out AbsRel (median-scaled / metric), the native frames/s from
 *  models.json, and the ms per frame measured in this page when there is one. */
export function modelLabel(m, ms = null) {
  const k = m.kitchen_heldout ?? {};
  const med = num(k.absrel_med);
  const met = num(k.absrel);
  const fps = num(m.native_fps);
  const parts = [m.name];
  if (med !== null || met !== null) parts.push(`AbsRel ${med !== null ? med.toFixed(3) : '–'} med.-scaled / ${met !== null ? met.toFixed(3) : '–'} metric`);
  if (fps !== null) parts.push(`${fps.toFixed(1)} fps native`);
  if (num(ms) !== null) parts.push(`${ms.toFixed(0)} ms/frame here`);
  return parts.join(' · ');
}

/** A menu option's tooltip: what the network is, its size, and its other held-out numbers. */
export function modelTitle(m, catalog) {
  const lines = [m.about ? `${m.name}: ${m.about}` : m.name];
  const size = [];
  if (num(m.params) !== null) size.push(`${(m.params / 1e6).toFixed(2)} M parameters`);
  if (num(m.macs) !== null) size.push(`${(m.macs / 1e6).toFixed(0)} M multiply-adds per frame`);
  if (size.length) lines.push(size.join(', '));
  const k = m.kitchen_heldout;
  if (k && num(k.absrel) !== null) {
    const g = (a, r, d) => `AbsRel ${num(a)?.toFixed(3) ?? '–'}, RMSE ${num(r)?.toFixed(3) ?? '–'} m, δ1 ${num(d)?.toFixed(3) ?? '–'}`;
    lines.push(`${heldoutName(catalog) || 'held-out frames'}${num(k.images) !== null ? ` (${k.images} images)` : ''}:`);
    lines.push(`  metric: ${g(k.absrel, k.rmse, k.d1)}`);
    lines.push(`  median-scaled: ${g(k.absrel_med, k.rmse_med, k.d1_med)}`);
  }
  if (num(m.native_ms) !== null) lines.push(`Native: ${m.native_ms.toFixed(1)} ms per frame${catalog?.bench ? ` (${catalog.bench})` : ''}`);
  return lines.join('\n');
}

const f = Math.fround;

/** Lookup-table index (0..255) of value `v` in [lo, hi]; near values get 255 unless `swap`.
 *  `nearIsLow`: true for depth, false for inverse depth. */
export function colorIndex(v, lo, hi, nearIsLow, swap) {
  const span = f(hi - lo);
  let t = span > 0 ? f(f(v - lo) / span) : 0.5;
  if (nearIsLow !== swap) t = f(1 - t);
  return Math.min(255, Math.max(0, Math.round(f(t * 255))));
}
