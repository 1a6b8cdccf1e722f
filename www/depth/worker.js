// Engine-side half of <ep-depth>: loads depth networks into the depth module (the shipped
// FastDepth, fetched from this origin, or bytes the visitor dropped) and runs them on frames.
// Depth maps travel back as transferred Float32Arrays.

import { fetchBytes } from '../shell/fetch-bytes.js';

const FASTDEPTH = new URL('../models/fastdepth/fastdepth.onnx', import.meta.url);
let fastdepth = null; // Promise of the model info

/** The built-in model, fetched once per engine with byte progress. */
export async function loadFastDepth(wasm, _args, progress) {
  if (!fastdepth) {
    fastdepth = (async () => {
      const bytes = await fetchBytes(FASTDEPTH, 'FastDepth', (loaded, total) => progress({ loaded, total }));
      return wasm.depth_load('fastdepth', 'FastDepth', bytes, undefined);
    })();
    fastdepth.catch(() => { fastdepth = null; });
  }
  return { result: await fastdepth };
}

/** A network the visitor brings: `spec` = {width, height, mean, std, relative} (optional). */
export async function loadModel(wasm, { key, name, bytes, spec }) {
  return { result: wasm.depth_load(key, name, new Uint8Array(bytes), spec ?? undefined) };
}

export async function unload(wasm, { key }) {
  wasm.depth_unload(key);
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
