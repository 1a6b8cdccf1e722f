// Engine-side SPIHT calls (used by the compression playground and the browser tests).

export async function encode(wasm, { rgba, width, height, ac }) {
  const stream = wasm.spiht_encode(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, !!ac);
  return { result: stream, transfer: [stream.buffer] };
}

export async function decode(wasm, { stream, bytes }) {
  const r = await wasm.spiht_decode(stream, bytes);
  return { result: r, transfer: [r.rgba.buffer] };
}

/** Prefix decode + inverse DWT timings (median of `reps`) at `bytes`, on the current path. */
export async function bench(wasm, { stream, bytes, reps }) {
  const total = [], dec = [], inv = [];
  let path = null;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    const r = await wasm.spiht_decode(stream, bytes);
    total.push(performance.now() - t0);
    dec.push(r.decodeMs);
    inv.push(r.inverseMs);
    path = r.path;
  }
  const med = (v) => v.sort((a, b) => a - b)[v.length >> 1];
  return { result: { path, totalMs: med(total), decodeMs: med(dec), inverseMs: med(inv), reps } };
}

export async function encodeBench(wasm, { rgba, width, height, ac, reps }) {
  const t = [];
  let n = 0;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    n = wasm.spiht_encode(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, !!ac).length;
    t.push(performance.now() - t0);
  }
  return { result: { ms: t.sort((a, b) => a - b)[t.length >> 1], bytes: n } };
}
