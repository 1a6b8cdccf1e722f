// Fetching a same-origin file (a model) with byte progress, for engine-side worker code.

/** The bytes at `url`; `onProgress(loaded, total)` after every chunk (`total` 0 when the
 *  server sends no length). `what` names the file in the error. */
export async function fetchBytes(url, what, onProgress = () => {}) {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`could not load ${what} (HTTP ${res.status})`);
  const total = +res.headers.get('content-length') || 0;
  const reader = res.body.getReader();
  const parts = [];
  let loaded = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    loaded += value.length;
    onProgress(loaded, total);
  }
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}
