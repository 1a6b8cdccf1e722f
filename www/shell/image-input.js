// Turning user input (file picker, drag and drop, paste, URL) into RGBA pixels, with clear
// messages for empty, non-image and oversized input. Decoding uses the browser's own
// decoders without colour conversion so pixels match what Rust reads from the same file.

export const MAX_SIDE = 2048;

export class ImageInputError extends Error {}

async function bitmapFrom(blob, name) {
  if (!blob || blob.size === 0) throw new ImageInputError(`${name ? `“${name}”` : 'The file'} is empty (0 bytes).`);
  try {
    return await createImageBitmap(blob, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
  } catch (_) {
    throw new ImageInputError(`${name ? `“${name}”` : 'This file'} is not an image this browser can read (try PNG, JPEG or WebP).`);
  }
}

/** Decodes a Blob/File into {width, height, rgba: Uint8ClampedArray, notice}. Images with a
 *  side above MAX_SIDE are scaled down, and `notice` says so. */
export async function decodeImage(blob, name = blob?.name) {
  const bmp = await bitmapFrom(blob, name);
  let { width, height } = bmp;
  let notice = null;
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  if (scale < 1) {
    const w = Math.max(1, Math.round(width * scale));
    const h = Math.max(1, Math.round(height * scale));
    notice = `Scaled down from ${width}×${height} to ${w}×${h} (limit ${MAX_SIDE} px per side).`;
    width = w;
    height = h;
  }
  const canvas = new OffscreenCanvas(width, height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.drawImage(bmp, 0, 0, width, height);
  bmp.close();
  const rgba = ctx.getImageData(0, 0, width, height).data;
  return { width, height, rgba, notice };
}

export async function fetchImage(url) {
  const res = await fetch(url);
  if (!res.ok) throw new ImageInputError(`Could not load ${url} (HTTP ${res.status}).`);
  return decodeImage(await res.blob(), url.split('/').pop());
}

/** Wires a drop zone (drag and drop), paste and a file input to `onFile(file)` (any file:
 *  the caller decides what it is). */
export function acceptImages(zone, input, onFile) {
  input.addEventListener('change', () => { if (input.files?.[0]) onFile(input.files[0]); input.value = ''; });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('ep-drop-active'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('ep-drop-active'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('ep-drop-active');
    const f = e.dataTransfer?.files?.[0];
    if (f) onFile(f);
  });
  zone.addEventListener('paste', (e) => {
    const item = [...(e.clipboardData?.items ?? [])].find((i) => i.kind === 'file');
    if (item) { e.preventDefault(); onFile(item.getAsFile()); }
  });
}
