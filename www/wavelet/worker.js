// Worker side of <ep-wavelet>: runs in the page's engine worker.

export async function analyze(wasm, { rgba, width, height, levels }) {
  const r = await wasm.wavelet_analyze(new Uint8Array(rgba.buffer, rgba.byteOffset, rgba.byteLength), width, height, levels);
  return { result: r, transfer: [r.rgba.buffer] };
}

export async function selfcheck(wasm, { width, height, levels, seed }) {
  return { result: await wasm.wavelet_selfcheck(width, height, levels, seed) };
}

export async function bench(wasm, { width, height, levels, reps }) {
  return { result: await wasm.wavelet_bench(width, height, levels, reps) };
}
