// What the depth element and its tests share: samples (with credits), colormap names, limits,
// and the colour-index rule of crates/depth/src/colormap.rs (`index`), in f32 arithmetic so
// the page colours pixels exactly as `edgeplay depth --colormap` does.

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

const f = Math.fround;

/** Lookup-table index (0..255) of value `v` in [lo, hi]; near values get 255 unless `swap`.
 *  `nearIsLow`: true for depth, false for inverse depth. */
export function colorIndex(v, lo, hi, nearIsLow, swap) {
  const span = f(hi - lo);
  let t = span > 0 ? f(f(v - lo) / span) : 0.5;
  if (nearIsLow !== swap) t = f(1 - t);
  return Math.min(255, Math.max(0, Math.round(f(t * 255))));
}
