// Engine-side half of <ep-video>: the clip (RGBA frames the page decoded) goes into the video
// module once; each (GOP, rate) is encoded frame by frame — progress after every frame, the
// event loop turned between frames so `cancel` is heard — and its stream kept here, so the
// rate slider only decodes.

const gens = new Map(); // clip key -> generation (a new clip or cancel bumps it)
const streams = new Map(); // `${key}/${gop}/${qi}` -> Uint8Array

const yieldNow = () => new Promise((r) => setTimeout(r, 0));
const gen = (key) => gens.get(key) ?? 0;

export async function ladder(wasm) {
  return { result: Array.from(wasm.video_ladder()) };
}

/** `count` frames of `width x height` RGBA, concatenated. */
export async function load(wasm, { key, width, height, count, rgba }) {
  gens.set(key, gen(key) + 1);
  for (const k of [...streams.keys()]) if (k.startsWith(`${key}/`)) streams.delete(k);
  return { result: wasm.video_load(key, width, height, count, new Uint8Array(rgba)) };
}

/** Encodes the clip with `gop` (0 = IPP, 8 = hierarchical B) at ladder step `qi`. */
export async function encode(wasm, { key, gop, qi, q, block = 16 }, progress) {
  const g = gen(key);
  const job = `${key}/${gop}/${qi}`;
  wasm.video_encode_begin(key, job, gop, q, block);
  let s;
  do {
    s = await wasm.video_encode_step(job);
    progress({ coded: s.coded, total: s.total });
    await yieldNow();
    if (gen(key) !== g) { wasm.video_encode_cancel(job); return { result: { cancelled: true } }; }
  } while (!s.done);
  const out = wasm.video_encode_finish(job);
  streams.set(job, out.bytes);
  return { result: { stats: out.stats, bytes: out.bytesTotal, path: out.path, ms: out.ms } };
}

export async function cancel(_wasm, { key }) {
  gens.set(key, gen(key) + 1);
  return { result: true };
}

/** Decodes the stream of (gop, qi), or its first `bytes` bytes. */
export async function decode(wasm, { key, gop, qi, bytes }) {
  const s = streams.get(`${key}/${gop}/${qi}`);
  if (!s) throw new Error('that rate has not been encoded yet');
  const d = await wasm.video_decode(bytes === undefined ? s : s.slice(0, bytes));
  const transfer = [];
  for (const f of d.frames) {
    if (!f) continue;
    transfer.push(f.rgba.buffer);
    if (f.interpolated) transfer.push(f.interpolated.buffer);
  }
  return { result: d, transfer };
}

/** A copy of a stream (download). */
export async function stream(_wasm, { key, gop, qi }) {
  const s = streams.get(`${key}/${gop}/${qi}`);
  if (!s) throw new Error('that rate has not been encoded yet');
  const copy = s.slice();
  return { result: copy, transfer: [copy.buffer] };
}

export async function bdRate(wasm, { a, b }) {
  const v = wasm.video_bd_rate(a.map((p) => p.bpp), a.map((p) => p.psnr), b.map((p) => p.bpp), b.map((p) => p.psnr));
  return { result: v ?? null };
}

export async function unload(wasm, { key }) {
  gens.set(key, gen(key) + 1);
  for (const k of [...streams.keys()]) if (k.startsWith(`${key}/`)) streams.delete(k);
  wasm.video_unload(key);
  return { result: true };
}
