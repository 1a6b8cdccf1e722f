// What <ep-video> shows and the page-side limits.

export const SAMPLE = {
  name: 'Big Buck Bunny',
  url: new URL('../samples/bigbuckbunny.mp4', import.meta.url).href,
  credit: 'Big Buck Bunny, © Blender Foundation, CC-BY 3.0 (peach.blender.org)',
};

/** Frames coded by default, and the most a visitor may ask for. */
export const DEFAULT_FRAMES = 33;
export const MAX_FRAMES = 65;
/** Frames are scaled so that their longer side is at most this (the codec runs in wasm). */
export const MAX_SIDE = 320;

/** The two structures: stream GOP byte, label, colour. */
export const GOPS = [
  { key: 'ipp', gop: 0, label: 'P-frames (IPP…)', short: 'IPP', color: '#1c7ed6' },
  { key: 'ib', gop: 8, label: 'B-frames (hierarchical, GOP 8)', short: 'IB', color: '#e8590c' },
];

export const KIND_COLORS = { I: '#495057', P: '#1c7ed6', B: '#f59f00' };

/** Ladder steps in the order they are encoded: a middle rate first, so something shows early. */
export function encodeOrder(n) {
  const mid = Math.floor((n - 1) / 2);
  const out = [mid];
  for (let d = 1; out.length < n; d++) {
    if (mid + d < n) out.push(mid + d);
    if (mid - d >= 0) out.push(mid - d);
  }
  return out;
}
