// Engine-side half of <ep-depth>: loads depth networks into the depth module (the shipped
// ones listed in models.json, fetched from this origin, or bytes the visitor dropped) and runs
// them on frames. Depth maps travel back as transferred Float32Arrays.

import { fetchBytes } from '../shell/fetch-bytes.js';
import { FASTDEPTH } from './meta.js';

const builtins = new Map(); // key -> Promise of the model info

/** A shipped network (`file` relative to www/models/, as in models.json), fetched once per
 *  engine with byte progress and kept under `key`; FastDepth's input handling (the size from
 *  the graph, pixels in [0, 1], metric output). */
export async function loadBuiltin(wasm, { key, file, name }, progress = () => {}) {
  if (typeof file !== 'string' || !/\.onnx$/.test(file) || /^[a-z]+:|^\/|(^|\/)\.\.(\/|$)/i.test(file)) throw new Error(`${name}: not a shipped model file (${file})`);
  if (!builtins.has(key)) {
    const p = (async () => {
      const bytes = await fetchBytes(new URL(`../models/${file}`, import.meta.url), name, (loaded, total) => progress({ loaded, total }));
      return wasm.depth_load(key, name, bytes, undefined);
    })();
    builtins.set(key, p);
    p.catch(() => { if (builtins.get(key) === p) builtins.delete(key); });
  }
  return { result: await builtins.get(key) };
}

/** FastDepth, as loadBuiltin does it (tests and scripts/bench-depth.mjs call this). */
export async function loadFastDepth(wasm, _args, progress) {
  return loadBuiltin(wasm, FASTDEPTH, progress);
}

/** A network the visitor brings: `spec` = {width, height, mean, std, relative} (optional). */
export async function loadModel(wasm, { key, name, bytes, spec }) {
  return { result: wasm.depth_load(key, name, new Uint8Array(bytes), spec ?? undefined) };
}

export async function unload(wasm, { key }) {
  wasm.depth_unload(key);
  builtins.delete(key);
  return { result: true };
}

/** Depth of one RGBA frame with model `key`. */
export async function predict(wasm, { key, rgba, width, height }) {
  const out = await wasm.depth_predict(key, new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height);
  return { result: out, transfer: [out.depth.buffer] };
}

export async function lut(wasm, { name }) {
  return { result: wasm.depth_lut(name) };
}

export async function png16(wasm, { depth, width, height, metric }) {
  const bytes = wasm.depth_png16(depth, width, height, metric);
  return { result: bytes, transfer: [bytes.buffer] };
}

export async function ply(wasm, { depth, rgba, width, height, fov }) {
  const bytes = wasm.depth_ply(depth, new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, fov);
  return { result: bytes, transfer: [bytes.buffer] };
}
