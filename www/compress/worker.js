// Engine-side half of <ep-compress>: one session per widget instance holds the original
// pixels and each codec's one bitstream; `decode` turns a byte budget into pixels and
// quality numbers. Codecs:
//   progressive — the progressive neural codec (crates/pcodec), one stream, any prefix;
//   spiht       — SPIHT with arithmetic coding (crates/spiht), one stream, any prefix;
//   jpeg, webp  — the browser's own encoders at the quality whose size is closest to the
//                 budget (searched; each quality's encode is cached);
//   original    — the pixels themselves.

import { MIME, STREAMS } from './meta.js';
import { fetchBytes } from '../shell/fetch-bytes.js';

const MODEL_FILES = ['tables.json', 'g_a.onnx', 'g_s.onnx', 'h_a.onnx', 'h_s.onnx'];
const modelBase = new URL('../models/pcodec/', import.meta.url);
let model = null; // Promise of the model info

const sessions = new Map();

function session(id) {
  const s = sessions.get(id);
  if (!s) throw new Error('no image loaded in this widget yet');
  return s;
}

/** Fetches the model files (same origin, beside the widgets) and loads them. Progress is
 *  reported in bytes. */
export async function loadModel(wasm, _args, progress) {
  if (!model) {
    model = (async () => {
      let done = 0;
      const bufs = [];
      for (const f of MODEL_FILES) {
        bufs.push(await fetchBytes(new URL(f, modelBase), `the neural codec's model (${f})`,
          (loaded, fileTotal) => progress({ file: f, loaded: done + loaded, fileTotal })));
        done += bufs[bufs.length - 1].length;
      }
      return wasm.pcodec_load(...bufs);
    })();
    model.catch(() => { model = null; }); // a later call may retry
  }
  return { result: await model };
}

/** Starts a session with an image: RGBA, alpha forced opaque (the codecs ignore it). */
export async function setImage(wasm, { session: id, rgba, width, height }) {
  close(wasm, { session: id });
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  sessions.set(id, { rgba, width, height, streams: {}, handle: null, browser: { jpeg: new Map(), webp: new Map() } });
  return { result: { width, height } };
}

export function close(wasm, { session: id }) {
  const s = sessions.get(id);
  if (s?.handle) wasm.pcodec_close(s.handle);
  sessions.delete(id);
  return { result: true };
}

/** Encodes the session's image with `codec` (progressive or spiht) once. */
export async function encode(wasm, { session: id, codec }) {
  const s = session(id);
  const t0 = performance.now();
  let path = 'cpu', fallback = null, choice = null;
  if (codec === 'spiht') {
    s.streams.spiht = wasm.spiht_encode(new Uint8Array(s.rgba.buffer), s.width, s.height, true);
  } else if (codec === 'progressive') {
    if (!model) throw new Error('the neural codec model is not loaded');
    await model;
    const r = await wasm.pcodec_encode(new Uint8Array(s.rgba.buffer), s.width, s.height);
    ({ path, fallback, choice } = r);
    if (s.handle) wasm.pcodec_close(s.handle);
    s.streams.progressive = r.stream;
    s.handle = wasm.pcodec_open(r.stream).handle;
  } else {
    throw new Error(`${codec} is not a progressive codec`);
  }
  return { result: { codec, bytes: s.streams[codec].length, ms: performance.now() - t0, path, fallback, choice } };
}

// ---------------------------------------------------------------- browser encoders


async function browserEncode(s, codec, q) {
  const cache = s.browser[codec];
  if (!cache.has(q)) {
    if (!s.canvas) {
      s.canvas = new OffscreenCanvas(s.width, s.height);
      s.canvas.getContext('2d').putImageData(new ImageData(new Uint8ClampedArray(s.rgba.buffer), s.width, s.height), 0, 0);
    }
    const blob = await s.canvas.convertToBlob({ type: MIME[codec], quality: q });
    if (blob.type !== MIME[codec]) throw new Error(`this browser cannot encode ${codec.toUpperCase()}`);
    cache.set(q, blob);
  }
  return cache.get(q);
}

/** The quality (0.01 steps) whose file size is closest to `bytes`. Sizes grow with
 *  quality, so a bisection finds the bracketing pair in ≤ 7 encodes. */
async function browserAt(s, codec, bytes) {
  let lo = 0, hi = 100; // quality percent
  const size = async (q) => (await browserEncode(s, codec, q / 100)).size;
  if (await size(lo) >= bytes) hi = lo;
  else if (await size(hi) <= bytes) lo = hi;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (await size(mid) <= bytes) lo = mid; else hi = mid;
  }
  const [a, b] = [await size(lo), await size(hi)];
  const q = Math.abs(a - bytes) <= Math.abs(b - bytes) ? lo : hi;
  return { blob: await browserEncode(s, codec, q / 100), quality: q };
}

async function pixelsOf(blob, w, h) {
  const bmp = await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  const c = new OffscreenCanvas(w, h);
  const ctx = c.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0);
  bmp.close();
  return ctx.getImageData(0, 0, w, h).data;
}

// ---------------------------------------------------------------- decoding

async function decodeAt(wasm, s, codec, bytes) {
  const t0 = performance.now();
  bytes = Math.max(0, Math.round(bytes));
  let rgba, used, extra = {};
  if (codec === 'original') {
    rgba = new Uint8ClampedArray(s.rgba);
    used = null;
  } else if (codec === 'spiht') {
    if (!s.streams.spiht) throw new Error('SPIHT has not encoded this image yet');
    used = Math.min(bytes, s.streams.spiht.length);
    const r = await wasm.spiht_decode(s.streams.spiht, used);
    rgba = r.rgba;
    extra = { path: r.path };
  } else if (codec === 'progressive') {
    if (!s.handle) throw new Error('the neural codec has not encoded this image yet');
    used = Math.min(bytes, s.streams.progressive.length);
    const r = await wasm.pcodec_decode(s.handle, used);
    rgba = r.rgba;
    extra = { path: r.path, fallback: r.fallback, choice: r.choice, synthesisMs: r.synthesisMs };
  } else if (MIME[codec]) {
    const { blob, quality } = await browserAt(s, codec, bytes);
    rgba = await pixelsOf(blob, s.width, s.height);
    used = blob.size;
    extra = { quality, path: 'browser' };
  } else {
    throw new Error(`unknown codec ${codec}`);
  }
  const q = used === null ? { psnr: Infinity, msSsim: 1 } : wasm.image_quality(new Uint8Array(s.rgba.buffer), new Uint8Array(rgba.buffer), s.width, s.height);
  return {
    codec, rgba, width: s.width, height: s.height, target: bytes, bytes: used,
    full: STREAMS.includes(codec) ? s.streams[codec].length : null,
    psnr: q.psnr, msSsim: q.msSsim, ms: performance.now() - t0, ...extra,
  };
}

/** Pixels and quality of `codec` at a budget of `bytes` (header included). */
export async function decode(wasm, { session: id, codec, bytes }) {
  const r = await decodeAt(wasm, session(id), codec, bytes);
  return { result: r, transfer: [r.rgba.buffer] };
}

/** Quality numbers only (the RD plot's points). */
export async function quality(wasm, { session: id, codec, bytes }) {
  const { rgba, ...r } = await decodeAt(wasm, session(id), codec, bytes);
  return { result: r };
}

/** The bytes a side shows: the stream prefix, or the browser encoder's file. */
export async function file(wasm, { session: id, codec, bytes }) {
  const s = session(id);
  let out;
  if (STREAMS.includes(codec)) out = s.streams[codec].slice(0, Math.min(bytes, s.streams[codec].length));
  else if (MIME[codec]) out = new Uint8Array(await (await browserAt(s, codec, bytes)).blob.arrayBuffer());
  else throw new Error(`no file for ${codec}`);
  return { result: out, transfer: [out.buffer] };
}

/** Median and p95 latency of `decode` over a sweep of budgets (the README's benchmark). */
export async function benchSlider(wasm, { session: id, codec, budgets }) {
  const s = session(id);
  const t = [];
  for (const b of budgets) {
    const t0 = performance.now();
    await decodeAt(wasm, s, codec, b);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return { result: { codec, n: t.length, medianMs: t[t.length >> 1], p95Ms: t[Math.min(t.length - 1, Math.floor(t.length * 0.95))] } };
}

/** The neural codec's transforms on WebGPU (our WGSL executor) vs tract in wasm, on seeded
 *  random inputs: relative max error per network (tests). */
export async function selfcheck(wasm, { width, height, seed }) {
  await loadModel(wasm, {}, () => {});
  return { result: await wasm.pcodec_selfcheck(width, height, seed) };
}

/** Decodes the first `bytes` bytes of a progressive-codec stream made elsewhere (the CLI,
 *  a download): `{rgba, width, height, path}`. */
export async function decodeStream(wasm, { stream, bytes }) {
  await loadModel(wasm, {}, () => {});
  const { handle } = wasm.pcodec_open(stream);
  try {
    const r = await wasm.pcodec_decode(handle, bytes);
    return { result: r, transfer: [r.rgba.buffer] };
  } finally {
    wasm.pcodec_close(handle);
  }
}

/** The generated WGSL kernels on this adapter vs the CPU interpreter on random layers (tests). */
export async function kernelsSelfcheck(wasm, { seed }) {
  return { result: await wasm.nn_kernels_selfcheck(seed) };
}

/** Times one ONNX network on one engine of this module (see `nn_time`; scripts/bench-nn.mjs). */
export async function timeNetwork(wasm, { bytes, c, h, w, engine, reps }) {
  return { result: await wasm.nn_time(bytes, c, h, w, engine, reps) };
}

/** Times one transform of the neural codec (see `pcodec_time_transform`). */
export async function timeTransform(wasm, { part, width, height, engine, reps }) {
  await loadModel(wasm, {}, () => {});
  return { result: await wasm.pcodec_time_transform(part, width, height, engine, reps) };
}
